/* elf_view.c: see elf_view.h. */
#include "elf_view.h"

#include "rd.h"

#include <stdio.h>
#include <string.h>

int crk_elf_view_is(const void *data, size_t len) {
  return data && len >= 4 && memcmp(data, "\177ELF", 4) == 0;
}

int crk_elf_view_is_amdgpu(const void *data, size_t len) {
  const unsigned char *b = data;
  return crk_elf_view_is(data, len) && len >= 20 && b[5] == 1 && rd_le(b + 18, 2) == CRK_EM_AMDGPU;
}

/* A table of count entries of entsize bytes at off lies inside len bytes. */
static int table_fits(uint64_t off, uint64_t count, uint64_t entsize, size_t len) {
  if (count == 0) return 1;
  if (off > len) return 0;
  return count <= (len - off) / entsize;
}

int crk_elf_view_open(crk_elf_view *e, const void *data, size_t len, char *err, size_t errlen) {
  const unsigned char *b = data;
  memset(e, 0, sizeof *e);
  if (!crk_elf_view_is(data, len)) {
    snprintf(err, errlen, "not an ELF file");
    return -1;
  }
  if (len < 16) {
    snprintf(err, errlen, "ELF header truncated: %zu bytes", len);
    return -1;
  }
  if (b[4] != 1 && b[4] != 2) {
    snprintf(err, errlen, "ELF class %u is neither 32 nor 64-bit", b[4]);
    return -1;
  }
  if (b[5] != 1) {
    snprintf(err, errlen, "ELF data encoding %u is not little-endian", b[5]);
    return -1;
  }
  e->is64 = b[4] == 2;
  size_t ehsize = e->is64 ? 64 : 52;
  if (len < ehsize) {
    snprintf(err, errlen, "ELF header truncated: %zu of %zu bytes", len, ehsize);
    return -1;
  }
  e->data = b;
  e->len = len;
  e->osabi = b[7];
  e->abiversion = b[8];
  e->type = (uint16_t)rd_le(b + 16, 2);
  e->machine = (uint16_t)rd_le(b + 18, 2);
  /* The header's fields after e_machine, at ELF32's offsets or ELF64's
   * (addresses and offsets are 4 or 8 bytes wide). */
  static const struct { unsigned phoff, shoff, flags, phentsize, phnum, shentsize, shnum, shstrndx, word; }
      at[2] = {{28, 32, 36, 42, 44, 46, 48, 50, 4}, {32, 40, 48, 54, 56, 58, 60, 62, 8}};
  const int w = e->is64;
  e->phoff = rd_le(b + at[w].phoff, (int)at[w].word);
  e->shoff = rd_le(b + at[w].shoff, (int)at[w].word);
  e->flags = (uint32_t)rd_le(b + at[w].flags, 4);
  e->phentsize = (uint16_t)rd_le(b + at[w].phentsize, 2);
  e->shentsize = (uint16_t)rd_le(b + at[w].shentsize, 2);
  uint32_t e_phnum = (uint32_t)rd_le(b + at[w].phnum, 2), e_shnum = (uint32_t)rd_le(b + at[w].shnum, 2),
           e_shstrndx = (uint32_t)rd_le(b + at[w].shstrndx, 2);
  unsigned min_sh = e->is64 ? 64 : 40, min_ph = e->is64 ? 56 : 32;

  /* Sections: with extended numbering the real count, string table index
   * and segment count live in section header 0. */
  e->shnum = e_shnum;
  e->shstrndx = e_shstrndx;
  e->phnum = e_phnum;
  if (e->shoff != 0) {
    if (e->shentsize < min_sh) {
      snprintf(err, errlen, "ELF section header size %u is below %u", e->shentsize, min_sh);
      return -1;
    }
    if (!table_fits(e->shoff, 1, e->shentsize, len)) {
      snprintf(err, errlen, "ELF section header table at %llu lies outside the %zu-byte file",
               (unsigned long long)e->shoff, len);
      return -1;
    }
    const unsigned char *s0 = b + e->shoff;
    if (e_shnum == 0) {
      uint64_t n = e->is64 ? rd_le(s0 + 32, 8) : rd_le(s0 + 20, 4);
      if (n > UINT32_MAX) {
        snprintf(err, errlen, "ELF section count %llu (from section 0) is too large",
                 (unsigned long long)n);
        return -1;
      }
      e->shnum = (uint32_t)n;
    }
    if (e_shstrndx == 0xffff) e->shstrndx = (uint32_t)rd_le(s0 + (e->is64 ? 40 : 24), 4);
    if (e_phnum == 0xffff) e->phnum = (uint32_t)rd_le(s0 + (e->is64 ? 44 : 28), 4);
    if (!table_fits(e->shoff, e->shnum, e->shentsize, len)) {
      snprintf(err, errlen, "ELF section header table (%u entries at %llu) runs past the %zu-byte file",
               e->shnum, (unsigned long long)e->shoff, len);
      return -1;
    }
  } else {
    e->shnum = 0;
  }
  if (e->phnum != 0) {
    if (e->phentsize < min_ph) {
      snprintf(err, errlen, "ELF program header size %u is below %u", e->phentsize, min_ph);
      return -1;
    }
    if (!table_fits(e->phoff, e->phnum, e->phentsize, len)) {
      snprintf(err, errlen, "ELF program header table (%u entries at %llu) runs past the %zu-byte file",
               e->phnum, (unsigned long long)e->phoff, len);
      return -1;
    }
  }
  return 0;
}

int crk_elf_view_section(const crk_elf_view *e, uint32_t i, crk_elf_view_shdr *out, char *err, size_t errlen) {
  if (i >= e->shnum) {
    snprintf(err, errlen, "ELF section %u does not exist (%u sections)", i, e->shnum);
    return -1;
  }
  const unsigned char *s = e->data + e->shoff + (uint64_t)i * e->shentsize;
  /* Fields after sh_type at ELF32's offsets or ELF64's (flags, addr,
   * offset, size, align and entsize are 4 or 8 bytes wide). */
  static const struct { unsigned flags, addr, offset, size, link, align, entsize, word; }
      at[2] = {{8, 12, 16, 20, 24, 32, 36, 4}, {8, 16, 24, 32, 40, 48, 56, 8}};
  const int w = e->is64, n = (int)at[w].word;
  out->name = (uint32_t)rd_le(s, 4);
  out->type = (uint32_t)rd_le(s + 4, 4);
  out->flags = rd_le(s + at[w].flags, n);
  out->addr = rd_le(s + at[w].addr, n);
  out->offset = rd_le(s + at[w].offset, n);
  out->size = rd_le(s + at[w].size, n);
  out->link = (uint32_t)rd_le(s + at[w].link, 4);
  out->align = rd_le(s + at[w].align, n);
  out->entsize = rd_le(s + at[w].entsize, n);
  /* Section 0 is the null section; its size field is reused by extended
   * numbering and describes no bytes. */
  if (i == 0) out->size = 0;
  if (out->type != CRK_SHT_NOBITS && (out->offset > e->len || out->size > e->len - out->offset)) {
    snprintf(err, errlen, "ELF section %u: bytes %llu+%llu lie outside the %zu-byte file", i,
             (unsigned long long)out->offset, (unsigned long long)out->size, e->len);
    return -1;
  }
  return 0;
}

const char *crk_elf_view_section_name(const crk_elf_view *e, const crk_elf_view_shdr *sh) {
  crk_elf_view_shdr strtab;
  char err[8];
  if (e->shstrndx == 0 || crk_elf_view_section(e, e->shstrndx, &strtab, err, sizeof err) != 0 ||
      strtab.type == CRK_SHT_NOBITS || sh->name >= strtab.size)
    return "?";
  const char *s = (const char *)e->data + strtab.offset + sh->name;
  size_t max = (size_t)(strtab.size - sh->name);
  return memchr(s, '\0', max) ? s : "?";
}

int crk_elf_view_segment(const crk_elf_view *e, uint32_t i, crk_elf_view_phdr *out, char *err, size_t errlen) {
  if (i >= e->phnum) {
    snprintf(err, errlen, "ELF segment %u does not exist (%u segments)", i, e->phnum);
    return -1;
  }
  const unsigned char *p = e->data + e->phoff + (uint64_t)i * e->phentsize;
  /* p_offset, p_filesz, p_align at ELF32's offsets or ELF64's. */
  static const struct { unsigned offset, filesz, align, word; } at[2] = {{4, 16, 28, 4}, {8, 32, 48, 8}};
  const int w = e->is64;
  out->type = (uint32_t)rd_le(p, 4);
  out->offset = rd_le(p + at[w].offset, (int)at[w].word);
  out->filesz = rd_le(p + at[w].filesz, (int)at[w].word);
  out->align = rd_le(p + at[w].align, (int)at[w].word);
  if (out->offset > e->len || out->filesz > e->len - out->offset) {
    snprintf(err, errlen, "ELF segment %u: bytes %llu+%llu lie outside the %zu-byte file", i,
             (unsigned long long)out->offset, (unsigned long long)out->filesz, e->len);
    return -1;
  }
  return 0;
}

void crk_elf_view_notes(crk_elf_view_note_iter *it, const unsigned char *p, size_t n, uint64_t align) {
  it->p = p;
  it->end = p + n;
  it->align = align == 8 ? 8 : 4;
}

/* n rounded up to the note alignment, or UINT64_MAX when it cannot be. */
static uint64_t pad(uint64_t n, unsigned a) { return (n + a - 1) / a * a; }

int crk_elf_view_note_next(crk_elf_view_note_iter *it, crk_elf_view_note *out, char *err, size_t errlen) {
  size_t left = (size_t)(it->end - it->p);
  if (left == 0) return 0;
  if (left < 12) {
    snprintf(err, errlen, "note header truncated: %zu bytes left", left);
    return -1;
  }
  uint32_t namesz = (uint32_t)rd_le(it->p, 4), descsz = (uint32_t)rd_le(it->p + 4, 4);
  uint32_t type = (uint32_t)rd_le(it->p + 8, 4);
  /* 32-bit sizes padded in 64-bit arithmetic cannot overflow. */
  uint64_t name_span = pad(namesz, it->align), desc_span = pad(descsz, it->align);
  if (name_span > left - 12 || descsz > left - 12 - name_span) {
    snprintf(err, errlen, "note (type %u) with name %u and data %u bytes runs past its section",
             type, namesz, descsz);
    return -1;
  }
  out->name = (const char *)it->p + 12;
  out->namesz = namesz;
  out->type = type;
  out->desc = it->p + 12 + name_span;
  out->descsz = descsz;
  /* The last note's padding may be missing. */
  uint64_t step = 12 + name_span + desc_span;
  it->p = step >= left ? it->end : it->p + step;
  return 1;
}

int crk_elf_view_vet(const void *data, size_t n, int machine, char *err, size_t errlen) {
  const unsigned char *p = data;
  /* The loader's own rules first, from the header's fields: code objects
   * and cubins are ELF64, little-endian, of the platform's machine, with a
   * whole header and no extended numbering. The first one broken is said. */
  int whole = crk_elf_view_is(p, n) && n >= 64; /* 1: the header can be read */
  unsigned mach = whole ? (unsigned)rd_le(p + 18, 2) : 0, ehsize = whole ? (unsigned)rd_le(p + 52, 2) : 0;
  const char *want = machine == CRK_EM_AMDGPU ? "AMDGPU" : machine == CRK_EM_CUDA ? "CUDA" : "expected";
  if (!crk_elf_view_is(p, n)) snprintf(err, errlen, "not an ELF file (no \\177ELF magic)");
  else if (!whole) snprintf(err, errlen, "ELF truncated: %zu bytes, the header alone is 64", n);
  else if (p[4] != 2 || p[5] != 1) snprintf(err, errlen, "ELF is not 64-bit little-endian (class %u, data %u)", p[4], p[5]);
  else if ((int)mach != machine) snprintf(err, errlen, "ELF machine is %u, not %s (%d)", mach, want, machine);
  else if (ehsize < 64) snprintf(err, errlen, "ELF header size %u is below 64", ehsize);
  else if (rd_le(p + 60, 2) == 0 && rd_le(p + 40, 8) != 0)
    snprintf(err, errlen, "ELF uses extended section numbering, which code objects never do");
  else whole = 2; /* 2: whole, and every rule kept */
  if (whole != 2) return -1;
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
