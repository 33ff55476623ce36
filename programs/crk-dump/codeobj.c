/* codeobj.c: see codeobj.h. The ELF header gives the processor, features
 * and code object version; the metadata note gives the kernels. */
#include "codeobj.h"

#include "elf_view.h"
#include "metadata.h"
#include "rd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NT_AMDGPU_METADATA 32
#define NT_AMD_HSA_METADATA 10  /* code object v2's YAML note, owner "AMD" */

int crk_is_amdgpu_elf(const void *data, size_t len) { return crk_elf_view_is_amdgpu(data, len); }

const char *crk_feature_name(int f) {
  switch (f) {
  case CRK_FEATURE_ANY: return "any";
  case CRK_FEATURE_ON: return "on";
  case CRK_FEATURE_OFF: return "off";
  default: return "unsupported";
  }
}

/* The target e_flags name, decoded by the format layer (the loader's decoder). */
static void decode_flags(crk_codeobj *co, uint32_t flags, unsigned abiversion) {
  crk_flags_target t;
  crk_flags_target_decode(flags, abiversion, &t); /* an unknown processor is listed by its value */
  co->e_flags = flags;
  co->mach = t.mach;
  snprintf(co->arch, sizeof co->arch, "%s", t.tid.processor);
  co->xnack = t.xnack;
  co->sramecc = t.sramecc;
  co->generic_version = t.generic_version;
  snprintf(co->target_id, sizeof co->target_id, "%s", t.text);
  co->tid = t.tid;
}

/* Adds the metadata of one more note to co. A code object linked from
 * several relocatable objects (ld.lld) carries one metadata note per
 * object; like the ROCm runtime's metadata reader (comgr), we read them as
 * one: their kernels together, under one target and version. */
static int merge_metadata(crk_codeobj *co, crk_codeobj *more, int first, char *err, size_t errlen) {
  if (first) {
    co->md_target = more->md_target;
    co->md_version[0] = more->md_version[0];
    co->md_version[1] = more->md_version[1];
    co->kernels = more->kernels;
    co->nkernels = co->kernels_cap = more->nkernels;
    co->records = more->records;
    return 0;
  }
  int rc = 0;
  if ((co->md_target == NULL) != (more->md_target == NULL) ||
      (co->md_target && strcmp(co->md_target, more->md_target) != 0)) {
    snprintf(err, errlen, "metadata notes name different targets (%.80s and %.80s)",
             co->md_target ? co->md_target : "none", more->md_target ? more->md_target : "none");
    rc = -1;
  } else if (co->md_version[0] != more->md_version[0] || co->md_version[1] != more->md_version[1]) {
    snprintf(err, errlen, "metadata notes of different versions (%d.%d and %d.%d)", co->md_version[0],
             co->md_version[1], more->md_version[0], more->md_version[1]);
    rc = -1;
  } else if (more->nkernels > 0) {
    size_t need = co->nkernels + more->nkernels, cap = co->kernels_cap;
    crk_kernel *k = co->kernels;
    if (need > cap) {
      /* Doubling: many small notes must not cost a copy each. */
      cap = need > 2 * cap ? need : 2 * cap;
      k = realloc(co->kernels, cap * sizeof *k);
    }
    if (!k) {
      snprintf(err, errlen, "out of memory");
      rc = -1;
    } else {
      memcpy(k + co->nkernels, more->kernels, more->nkernels * sizeof *k);
      co->kernels = k;
      co->kernels_cap = cap;
      co->nkernels = need;
      co->records += more->records;
      free(more->kernels); /* the kernels' own allocations moved to co */
      more->kernels = NULL;
      more->nkernels = 0;
    }
  }
  crk_codeobj_free(more);
  return rc;
}

/* Scans one note range, merging every metadata note into co; *found
 * counts them. 0, or -1 on error. *v2 is set when a v2 YAML note is seen. */
static int scan_notes(crk_codeobj *co, const unsigned char *p, uint64_t n, uint64_t align,
                      size_t max_records, int *found, int *v2, char *err, size_t errlen) {
  crk_elf_view_note_iter it;
  crk_elf_view_note note;
  int rc;
  crk_elf_view_notes(&it, p, (size_t)n, align);
  while ((rc = crk_elf_view_note_next(&it, &note, err, errlen)) == 1) {
    int amdgpu = note.namesz == 7 && memcmp(note.name, "AMDGPU", 7) == 0;
    int amd = note.namesz == 4 && memcmp(note.name, "AMD", 4) == 0;
    if (amd && note.type == NT_AMD_HSA_METADATA) *v2 = 1;
    if (!amdgpu || note.type != NT_AMDGPU_METADATA) continue;
    crk_codeobj more;
    memset(&more, 0, sizeof more);
    /* The cap is on the code object: the notes share it. */
    if (crk_metadata_parse(&more, note.desc, note.descsz, max_records - co->records, err, errlen) != 0 ||
        merge_metadata(co, &more, *found == 0, err, errlen) != 0) {
      char tmp[512];
      snprintf(tmp, sizeof tmp, "%s", err);
      snprintf(err, errlen, "metadata note %d: %s", *found + 1, tmp);
      return -1;
    }
    ++*found;
  }
  return rc; /* 0 at the end, -1 on a bad note */
}

static int find_metadata(crk_codeobj *co, const crk_elf_view *e, size_t max_records, char *err,
                         size_t errlen) {
  int v2 = 0, rc = 0, found = 0;
  /* Note ranges may overlap or repeat in a hostile file: scanning stops
   * once the bytes scanned exceed the file's size twice over. */
  uint64_t budget = 2 * (uint64_t)e->len + 64, seen_notes = 0;
  /* The notes are found through the section headers, or without them
   * through the program headers: either gives (offset, size, align). */
  const int by_section = e->shnum > 0;
  const char *ranges = by_section ? "sections" : "segments";
  for (uint32_t i = by_section ? 1 : 0; i < (by_section ? e->shnum : e->phnum) && rc == 0; i++) {
    uint64_t off, size, align;
    int note;
    if (by_section) {
      crk_elf_view_shdr sh;
      if (crk_elf_view_section(e, i, &sh, err, errlen) != 0) return -1;
      note = sh.type == CRK_SHT_NOTE, off = sh.offset, size = sh.size, align = sh.align;
    } else {
      crk_elf_view_phdr ph;
      if (crk_elf_view_segment(e, i, &ph, err, errlen) != 0) return -1;
      note = ph.type == CRK_PT_NOTE, off = ph.offset, size = ph.filesz, align = ph.align;
    }
    if (!note) continue;
    seen_notes++;
    if (size > budget) {
      snprintf(err, errlen, "note %s overlap beyond the file's size", ranges);
      return -1;
    }
    budget -= size;
    rc = scan_notes(co, e->data + off, size, align, max_records, &found, &v2, err, errlen);
  }
  if (rc < 0) return -1;
  if (found == 0) {
    if (v2)
      snprintf(err, errlen, "code object v2 (YAML metadata note) is not supported: rebuild with -mcode-object-version=4 or later");
    else
      snprintf(err, errlen, "no AMDGPU metadata note (NT_AMDGPU_METADATA) in %llu note %s",
               (unsigned long long)seen_notes, ranges);
    return -1;
  }
  co->md_notes = found;
  return 0;
}

int crk_codeobj_parse(crk_codeobj *co, const void *data, size_t len, size_t max_records,
                      char *err, size_t errlen) {
  crk_elf_view e;
  memset(co, 0, sizeof *co);
  if (crk_elf_view_open(&e, data, len, err, errlen) != 0) return -1;
  if (e.machine != CRK_EM_AMDGPU) {
    snprintf(err, errlen, "ELF machine %u is not AMDGPU (%u)", e.machine, CRK_EM_AMDGPU);
    return -1;
  }
  if (!e.is64) {
    snprintf(err, errlen, "32-bit AMDGPU ELF (r600?) is not an HSA code object");
    return -1;
  }
  if (e.osabi != CRK_ELFOSABI_AMDGPU_HSA) {
    snprintf(err, errlen, "ELF OS ABI %u is not AMDGPU HSA (%u): not a ROCm code object", e.osabi,
             CRK_ELFOSABI_AMDGPU_HSA);
    return -1;
  }
  /* ELFABIVERSION_AMDGPU_HSA_V2..V6 are 0..4. */
  if (e.abiversion > 4) {
    snprintf(err, errlen, "ELF ABI version %u is not a known code object version", e.abiversion);
    return -1;
  }
  co->co_version = e.abiversion + 2;
  if (co->co_version == 2) {
    snprintf(err, errlen, "code object v2 is not supported: rebuild with -mcode-object-version=4 or later");
    return -1;
  }
  decode_flags(co, e.flags, e.abiversion);
  /* Every section's bytes must lie in the file, not only the notes'. */
  for (uint32_t i = 1; i < e.shnum; i++) {
    crk_elf_view_shdr sh;
    if (crk_elf_view_section(&e, i, &sh, err, errlen) != 0) return -1;
  }
  if (find_metadata(co, &e, max_records ? max_records : CRK_CODEOBJ_MAX_RECORDS, err, errlen) != 0) {
    crk_codeobj_free(co);
    return -1;
  }
  return 0;
}
