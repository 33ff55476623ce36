/* elf_check.c: see elf_check.h. The layout is read by format/elf_view.c (the
 * one ELF reader); the header fields here are at the ELF64 specification's
 * offsets. */
#include "elf_check.h"

#include "elf_view.h"
#include "processors.h"
#include "rd.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int crk_elf_check(const unsigned char *p, size_t n, int machine, char *err, size_t errlen) {
  if (!crk_elf_view_is(p, n)) {
    snprintf(err, errlen, "not an ELF file (no \\177ELF magic)");
    return -1;
  }
  if (n < 64) {
    snprintf(err, errlen, "ELF truncated: %zu bytes, the header alone is 64", n);
    return -1;
  }
  /* The loader's own rules first, from the header's fields: code objects
   * and cubins are ELF64, little-endian, of the platform's machine. */
  if (p[4] != 2 || p[5] != 1) {
    snprintf(err, errlen, "ELF is not 64-bit little-endian (class %u, data %u)", p[4], p[5]);
    return -1;
  }
  unsigned mach = (unsigned)rd_le(p + 18, 2);
  if ((int)mach != machine) {
    snprintf(err, errlen, "ELF machine is %u, not %s (%d)", mach,
             machine == CRK_EM_AMDGPU ? "AMDGPU" : machine == CRK_EM_CUDA ? "CUDA" : "expected",
             machine);
    return -1;
  }
  unsigned ehsize = (unsigned)rd_le(p + 52, 2), shnum = (unsigned)rd_le(p + 60, 2);
  if (ehsize < 64) {
    snprintf(err, errlen, "ELF header size %u is below 64", ehsize);
    return -1;
  }
  if (shnum == 0 && rd_le(p + 40, 8) != 0) {
    snprintf(err, errlen, "ELF uses extended section numbering, which code objects never do");
    return -1;
  }
  /* Then the layout, through the format layer's one ELF reader: both
   * header tables, every segment's and every section's bytes inside the
   * buffer. Its messages start with "ELF ". */
  crk_elf_view e;
  crk_elf_view_shdr sh;
  crk_elf_view_phdr ph;
  char why[160];
  int bad = crk_elf_view_open(&e, p, n, why, sizeof why) != 0;
  if (!bad && e.shnum && e.shstrndx >= e.shnum) {
    snprintf(err, errlen, "ELF section name table index %u is not below the %u sections", e.shstrndx, e.shnum);
    return -1;
  }
  for (uint32_t i = 0; !bad && i < e.phnum; i++) bad = crk_elf_view_segment(&e, i, &ph, why, sizeof why) != 0;
  for (uint32_t i = 0; !bad && i < e.shnum; i++) bad = crk_elf_view_section(&e, i, &sh, why, sizeof why) != 0;
  if (bad) {
    snprintf(err, errlen, "ELF truncated or corrupt: %s", strncmp(why, "ELF ", 4) == 0 ? why + 4 : why);
    return -1;
  }
  return 0;
}

int crk_elf_amdgpu_target(const unsigned char *p, size_t n, char *buf, size_t len) {
  if (n < 64) return -1;
  uint32_t flags = (uint32_t)rd_le(p + 48, 4);
  unsigned abiversion = p[8];
  /* Every processor LLVM has a value for, even those no HIP runtime loads
   * (gfx6): the loader's device match, not this, decides what runs. */
  const char *proc = crk_processor_name(flags & 0xff);
  if (!proc) return -1;
  const char *sramecc = "", *xnack = "";
  if (abiversion >= 2) { /* code object v4 and later: any / off / on */
    unsigned s = flags & 0xc00, x = flags & 0x300;
    sramecc = s == 0x800 ? ":sramecc-" : s == 0xc00 ? ":sramecc+" : "";
    xnack = x == 0x200 ? ":xnack-" : x == 0x300 ? ":xnack+" : "";
  } else if (abiversion == 1) { /* v3: a set bit means on, else unspecified */
    sramecc = flags & 0x200 ? ":sramecc+" : "";
    xnack = flags & 0x100 ? ":xnack+" : "";
  }
  /* Target IDs list features in alphabetical order. */
  int w = snprintf(buf, len, "%s%s%s", proc, sramecc, xnack);
  return w < 0 || (size_t)w >= len ? -1 : 0;
}

int crk_elf_amdgpu_co_version(const unsigned char *p, size_t n) {
  /* ELFABIVERSION_AMDGPU_HSA_V3..V6 are 1..4. */
  if (n < 64 || p[8] < 1 || p[8] > 4) return -1;
  return p[8] + 2;
}

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
