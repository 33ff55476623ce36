/* elf_check.c: see elf_check.h. The layout is read and vetted by
 * format/elf_view.c (the one ELF reader); the header fields here are at the
 * ELF64 specification's offsets. */
#include "elf_check.h"

#include "elf_view.h"
#include "processors.h"
#include "rd.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int crk_elf_amdgpu_set_processor(unsigned char *p, size_t n, const char *processor) {
  int mach = crk_processor_mach(processor);
  if (n < 64 || mach < 0 || strstr(processor, "generic")) return -1;
  p[48] = (unsigned char)mach; /* e_flags' low byte, little-endian */
  return 0;
}

int crk_elf_cuda_sm(const unsigned char *p, size_t n) {
  if (n < 64) return -1;
  uint32_t flags = (uint32_t)rd_le(p + 48, 4);
  /* The ABI of CUDA 12.8 and later (OS ABI 0x41) moved the SM number from
   * the low byte of e_flags to the next one. */
  unsigned sm = p[7] == 0x41 ? (flags >> 8) & 0xff : flags & 0xff;
  return sm ? (int)sm : -1;
}

int crk_elf_has_dynsym(const unsigned char *p, size_t n, const char *name) {
  crk_elf_view e;
  crk_elf_view_shdr sh, str;
  char why[8]; /* the reasons are not reported: -1 says it all */
  if (crk_elf_view_open(&e, p, n, why, sizeof why) != 0) return -1;
  size_t namelen = strlen(name);
  for (uint32_t i = 0; i < e.shnum; i++) {
    if (crk_elf_view_section(&e, i, &sh, why, sizeof why) != 0) return -1;
    if (sh.type != CRK_SHT_DYNSYM) continue;
    /* ELF64 symbols: 24 bytes, st_name first. */
    if (sh.entsize < 24 || crk_elf_view_section(&e, sh.link, &str, why, sizeof why) != 0 ||
        str.type != CRK_SHT_STRTAB)
      return -1;
    for (uint64_t k = 0; k + sh.entsize <= sh.size; k += sh.entsize) {
      uint32_t st_name = (uint32_t)rd_le(p + sh.offset + k, 4);
      if (st_name >= str.size || str.size - st_name < namelen + 1) continue;
      const char *s = (const char *)p + str.offset + st_name;
      if (memcmp(s, name, namelen) == 0 && s[namelen] == '\0') return 1;
    }
    return 0;
  }
  return -1;
}
