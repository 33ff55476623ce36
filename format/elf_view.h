/* elf_view.h: a bounds-checked view of an ELF file in memory (32 or 64-bit,
 * little-endian), enough to find sections, their names and their notes.
 * Nothing is copied; every offset and size is checked against the buffer
 * before it is used, so a file that lies about its layout gives an error,
 * never an out-of-bounds read. The project's one ELF reader: crk-dump reads
 * code objects and host files through it, the loader vets the code objects
 * it is handed with it (lib/elf_check.c). */
#ifndef CRK_ELF_VIEW_H
#define CRK_ELF_VIEW_H

#include "hidden.h"

#include <stddef.h>
#include <stdint.h>

#define CRK_EM_AMDGPU 224
#define CRK_EM_CUDA 190
#define CRK_ELFOSABI_AMDGPU_HSA 64
#define CRK_SHT_STRTAB 3
#define CRK_SHT_NOTE 7
#define CRK_SHT_NOBITS 8
#define CRK_SHT_DYNSYM 11
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
} crk_elf_view;

typedef struct {
  uint32_t name, type;
  uint64_t flags, addr, offset, size, align;
  uint32_t link;           /* a symbol table's string table */
  uint64_t entsize;        /* bytes per entry of a table section */
} crk_elf_view_shdr;

typedef struct {
  uint32_t type;
  uint64_t offset, filesz, align;
} crk_elf_view_phdr;

typedef struct {
  const char *name;        /* namesz bytes, usually NUL-terminated */
  uint32_t namesz, type;
  const unsigned char *desc;
  uint32_t descsz;
} crk_elf_view_note;

typedef struct {
  const unsigned char *p, *end;
  unsigned align;          /* 4 or 8 */
} crk_elf_view_note_iter;

/* Nonzero when the buffer starts with the ELF magic. */
int crk_elf_view_is(const void *data, size_t len) CRK_HIDDEN;

/* Nonzero when the buffer starts like a little-endian AMDGPU ELF (magic,
 * data encoding, e_machine): a code object, whatever else is wrong with it. */
int crk_elf_view_is_amdgpu(const void *data, size_t len) CRK_HIDDEN;

/* Checks the header and that the section and program header tables lie
 * inside the buffer. Returns 0, or -1 with the reason in err. */
int crk_elf_view_open(crk_elf_view *e, const void *data, size_t len, char *err, size_t errlen) CRK_HIDDEN;

/* The loader's rules for an ELF it hands a runtime (a code object or a
 * cubin), checked before anything reads it: 64-bit little-endian, of the
 * given machine (CRK_EM_AMDGPU or CRK_EM_CUDA), a full header, no extended
 * numbering, the section name table's index below the section count, and
 * both header tables and every segment's and section's bytes inside the n
 * bytes. crk-dump asks the same (format/blob_open.h). 0, or -1 with err. */
int crk_elf_view_vet(const void *data, size_t n, int machine, char *err, size_t errlen) CRK_HIDDEN;

/* Reads section header i (< e->shnum); checks that a section with file
 * bytes (not SHT_NOBITS) lies inside the buffer. 0, or -1 with err. */
int crk_elf_view_section(const crk_elf_view *e, uint32_t i, crk_elf_view_shdr *out, char *err, size_t errlen) CRK_HIDDEN;

/* The section's name from the section name table, or "?" when the table or
 * the name is out of bounds or unterminated. Never NULL. */
const char *crk_elf_view_section_name(const crk_elf_view *e, const crk_elf_view_shdr *sh) CRK_HIDDEN;

/* Reads program header i (< e->phnum), checking its bytes lie in the buffer. */
int crk_elf_view_segment(const crk_elf_view *e, uint32_t i, crk_elf_view_phdr *out, char *err, size_t errlen) CRK_HIDDEN;

/* Iterates the notes in [p, p+n): align is the section's (4 or 8). */
void crk_elf_view_notes(crk_elf_view_note_iter *it, const unsigned char *p, size_t n, uint64_t align) CRK_HIDDEN;
/* 1 with the next note, 0 at the end, -1 with err when a note runs past the end. */
int crk_elf_view_note_next(crk_elf_view_note_iter *it, crk_elf_view_note *out, char *err, size_t errlen) CRK_HIDDEN;

#endif
