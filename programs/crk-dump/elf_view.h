/* elf_view.h: a bounds-checked view of an ELF file in memory (32 or 64-bit,
 * little-endian), enough to find sections, their names and their notes.
 * Nothing is copied; every offset and size is checked against the buffer
 * before it is used, so a file that lies about its layout gives an error,
 * never an out-of-bounds read. */
#ifndef CRK_DUMP_ELF_VIEW_H
#define CRK_DUMP_ELF_VIEW_H

#include <stddef.h>
#include <stdint.h>

#define CRK_EM_AMDGPU 224
#define CRK_ELFOSABI_AMDGPU_HSA 64
#define CRK_SHT_NOBITS 8
#define CRK_SHT_NOTE 7
#define CRK_PT_NOTE 4

typedef struct {
  const unsigned char *data;
  size_t len;
  int is64;
  uint16_t type, machine;
  uint8_t osabi, abiversion;
  uint32_t flags;
  uint64_t shoff, phoff;
  uint32_t shnum, phnum;   /* after extended numbering */
  uint32_t shstrndx;
  uint16_t shentsize, phentsize;
} dump_elf;

typedef struct {
  uint32_t name, type;
  uint64_t flags, addr, offset, size, align;
  uint32_t link;           /* a symbol table's string table */
  uint64_t entsize;        /* bytes per entry of a table section */
} dump_elf_shdr;

typedef struct {
  uint32_t type;
  uint64_t offset, filesz, align;
} dump_elf_phdr;

typedef struct {
  const char *name;        /* namesz bytes, usually NUL-terminated */
  uint32_t namesz, type;
  const unsigned char *desc;
  uint32_t descsz;
} dump_elf_note;

typedef struct {
  const unsigned char *p, *end;
  unsigned align;          /* 4 or 8 */
} dump_elf_note_iter;

/* Nonzero when the buffer starts with the ELF magic. */
int dump_elf_is(const void *data, size_t len);

/* Checks the header and that the section and program header tables lie
 * inside the buffer. Returns 0, or -1 with the reason in err. */
int dump_elf_open(dump_elf *e, const void *data, size_t len, char *err, size_t errlen);

/* Reads section header i (< e->shnum); checks that a section with file
 * bytes (not SHT_NOBITS) lies inside the buffer. 0, or -1 with err. */
int dump_elf_section(const dump_elf *e, uint32_t i, dump_elf_shdr *out, char *err, size_t errlen);

/* The section's name from the section name table, or "?" when the table or
 * the name is out of bounds or unterminated. Never NULL. */
const char *dump_elf_section_name(const dump_elf *e, const dump_elf_shdr *sh);

/* Reads program header i (< e->phnum), checking its bytes lie in the buffer. */
int dump_elf_segment(const dump_elf *e, uint32_t i, dump_elf_phdr *out, char *err, size_t errlen);

/* Iterates the notes in [p, p+n): align is the section's (4 or 8). */
void dump_elf_notes(dump_elf_note_iter *it, const unsigned char *p, size_t n, uint64_t align);
/* 1 with the next note, 0 at the end, -1 with err when a note runs past the end. */
int dump_elf_note_next(dump_elf_note_iter *it, dump_elf_note *out, char *err, size_t errlen);

#endif
