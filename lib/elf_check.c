/* elf_check.c: see elf_check.h. Field offsets are those of the ELF64 specification. */
#include "elf_check.h"
#include "processors.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const unsigned char *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* Nonzero when [off, off+size) lies inside n bytes, without overflow. */
static int inside(uint64_t off, uint64_t size, size_t n) { return off <= n && size <= n - off; }

/* A table of count entries of entsize bytes at off lies inside n bytes. */
static int table_inside(uint64_t off, uint64_t count, uint64_t entsize, size_t n) {
  if (count == 0) return 1;
  if (entsize != 0 && count > (uint64_t)n / entsize) return 0;
  return inside(off, count * entsize, n);
}

int crk_elf_is_elf(const unsigned char *p, size_t n) {
  return p && n >= 4 && memcmp(p, "\177ELF", 4) == 0;
}

int crk_elf_check(const unsigned char *p, size_t n, int machine, char *err, size_t errlen) {
  if (!crk_elf_is_elf(p, n)) {
    snprintf(err, errlen, "not an ELF file (no \\177ELF magic)");
    return -1;
  }
  if (n < 64) {
    snprintf(err, errlen, "ELF truncated: %zu bytes, the header alone is 64", n);
    return -1;
  }
  if (p[4] != 2 || p[5] != 1) {
    snprintf(err, errlen, "ELF is not 64-bit little-endian (class %u, data %u)", p[4], p[5]);
    return -1;
  }
  unsigned mach = rd16(p + 18);
  if ((int)mach != machine) {
    snprintf(err, errlen, "ELF machine is %u, not %s (%d)", mach,
             machine == CRK_EM_AMDGPU ? "AMDGPU" : machine == CRK_EM_CUDA ? "CUDA" : "expected",
             machine);
    return -1;
  }
  uint64_t phoff = rd64(p + 32), shoff = rd64(p + 40);
  unsigned ehsize = rd16(p + 52), phentsize = rd16(p + 54), phnum = rd16(p + 56);
  unsigned shentsize = rd16(p + 58), shnum = rd16(p + 60), shstrndx = rd16(p + 62);
  if (ehsize < 64) {
    snprintf(err, errlen, "ELF header size %u is below 64", ehsize);
    return -1;
  }
  if (phnum && (phentsize < 56 || !table_inside(phoff, phnum, phentsize, n))) {
    snprintf(err, errlen, "ELF truncated or corrupt: %u program headers at offset %llu run past its %zu bytes",
             phnum, (unsigned long long)phoff, n);
    return -1;
  }
  if (shnum == 0 && shoff != 0) {
    snprintf(err, errlen, "ELF uses extended section numbering, which code objects never do");
    return -1;
  }
  if (shnum && (shentsize < 64 || !table_inside(shoff, shnum, shentsize, n))) {
    snprintf(err, errlen, "ELF truncated or corrupt: %u section headers at offset %llu run past its %zu bytes",
             shnum, (unsigned long long)shoff, n);
    return -1;
  }
  if (shnum && shstrndx >= shnum) {
    snprintf(err, errlen, "ELF section name table index %u is not below the %u sections", shstrndx, shnum);
    return -1;
  }
  for (unsigned i = 0; i < phnum; i++) {
    const unsigned char *ph = p + phoff + (uint64_t)i * phentsize;
    uint64_t off = rd64(ph + 8), filesz = rd64(ph + 32);
    if (!inside(off, filesz, n)) {
      snprintf(err, errlen, "ELF truncated or corrupt: segment %u (bytes %llu+%llu) runs past its %zu bytes",
               i, (unsigned long long)off, (unsigned long long)filesz, n);
      return -1;
    }
  }
  for (unsigned i = 0; i < shnum; i++) {
    const unsigned char *sh = p + shoff + (uint64_t)i * shentsize;
    uint32_t type = rd32(sh + 4);
    uint64_t off = rd64(sh + 24), size = rd64(sh + 32);
    if (type == 0 /* SHT_NULL */ || type == 8 /* SHT_NOBITS */) continue;
    if (!inside(off, size, n)) {
      snprintf(err, errlen, "ELF truncated or corrupt: section %u (bytes %llu+%llu) runs past its %zu bytes",
               i, (unsigned long long)off, (unsigned long long)size, n);
      return -1;
    }
  }
  return 0;
}

int crk_elf_amdgpu_target(const unsigned char *p, size_t n, char *buf, size_t len) {
  if (n < 64) return -1;
  uint32_t flags = rd32(p + 48);
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
  uint32_t flags = rd32(p + 48);
  /* The ABI of CUDA 12.8 and later (OS ABI 0x41) moved the SM number from
   * the low byte of e_flags to the next one. */
  unsigned sm = p[7] == 0x41 ? (flags >> 8) & 0xff : flags & 0xff;
  return sm ? (int)sm : -1;
}

int crk_elf_has_dynsym(const unsigned char *p, size_t n, const char *name) {
  if (n < 64) return -1;
  uint64_t shoff = rd64(p + 40);
  unsigned shentsize = rd16(p + 58), shnum = rd16(p + 60);
  size_t namelen = strlen(name);
  for (unsigned i = 0; i < shnum; i++) {
    const unsigned char *sh = p + shoff + (uint64_t)i * shentsize;
    if (rd32(sh + 4) != 11 /* SHT_DYNSYM */) continue;
    uint64_t off = rd64(sh + 24), size = rd64(sh + 32), entsize = rd64(sh + 56);
    uint32_t link = rd32(sh + 40);
    if (entsize < 24 || link >= shnum) return -1;
    const unsigned char *str_sh = p + shoff + (uint64_t)link * shentsize;
    uint64_t stroff = rd64(str_sh + 24), strsize = rd64(str_sh + 32);
    if (rd32(str_sh + 4) != 3 /* SHT_STRTAB */) return -1;
    for (uint64_t k = 0; k + entsize <= size; k += entsize) {
      uint32_t st_name = rd32(p + off + k);
      if (st_name >= strsize || strsize - st_name < namelen + 1) continue;
      const char *s = (const char *)p + stroff + st_name;
      if (memcmp(s, name, namelen) == 0 && s[namelen] == '\0') return 1;
    }
    return 0;
  }
  return -1;
}
