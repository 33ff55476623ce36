/* codeobj.c: see codeobj.h. The ELF header gives the processor, features
 * and code object version; the metadata note gives the kernels. */
#include "codeobj.h"

#include "elf.h"

#include <stdio.h>
#include <string.h>

#define NT_AMDGPU_METADATA 32
#define NT_AMD_HSA_METADATA 10  /* code object v2's YAML note, owner "AMD" */

/* e_flags feature fields */
#define EF_XNACK_V3 0x100u
#define EF_SRAMECC_V3 0x200u
#define EF_XNACK_V4 0x300u
#define EF_SRAMECC_V4 0xc00u

int crk_is_amdgpu_elf(const void *data, size_t len) {
  const unsigned char *b = data;
  return crk_elf_is(data, len) && len >= 20 && b[5] == 1 && (b[18] | b[19] << 8) == CRK_EM_AMDGPU;
}

const char *crk_feature_name(int f) {
  switch (f) {
  case CRK_FEATURE_ANY: return "any";
  case CRK_FEATURE_ON: return "on";
  case CRK_FEATURE_OFF: return "off";
  default: return "unsupported";
  }
}

/* A v4+ two-bit feature field: 0 unsupported, 1 any, 2 off, 3 on. */
static int feature_v4(uint32_t bits) {
  static const int map[4] = {CRK_FEATURE_UNSUPPORTED, CRK_FEATURE_ANY, CRK_FEATURE_OFF,
                             CRK_FEATURE_ON};
  return map[bits & 3];
}

static void decode_flags(crk_codeobj *co, uint32_t flags) {
  co->e_flags = flags;
  co->mach = flags & 0xff;
  const char *name = crk_amdgpu_mach_name(co->mach);
  if (name) snprintf(co->arch, sizeof co->arch, "%s", name);
  else snprintf(co->arch, sizeof co->arch, "unknown-mach-0x%02x", co->mach);
  if (co->co_version == 3) {
    /* v3 has one bit per feature: set means on; clear cannot tell off from any. */
    co->xnack = flags & EF_XNACK_V3 ? CRK_FEATURE_ON : CRK_FEATURE_ANY;
    co->sramecc = flags & EF_SRAMECC_V3 ? CRK_FEATURE_ON : CRK_FEATURE_ANY;
  } else {
    co->xnack = feature_v4((flags & EF_XNACK_V4) >> 8);
    co->sramecc = feature_v4((flags & EF_SRAMECC_V4) >> 10);
  }
  co->generic_version = co->co_version >= 6 ? flags >> 24 : 0;
  /* Target ID features in the canonical (alphabetical) order. */
  snprintf(co->target_id, sizeof co->target_id, "%s%s%s", co->arch,
           co->sramecc == CRK_FEATURE_ON ? ":sramecc+" : co->sramecc == CRK_FEATURE_OFF ? ":sramecc-" : "",
           co->xnack == CRK_FEATURE_ON ? ":xnack+" : co->xnack == CRK_FEATURE_OFF ? ":xnack-" : "");
}

/* Scans one note range; 1 when the metadata note was found and parsed, 0
 * when not there, -1 on error. *v2 is set when a v2 YAML note is seen. */
static int scan_notes(crk_codeobj *co, const unsigned char *p, uint64_t n, uint64_t align,
                      int *v2, char *err, size_t errlen) {
  crk_elf_note_iter it;
  crk_elf_note note;
  int rc;
  crk_elf_notes(&it, p, (size_t)n, align);
  while ((rc = crk_elf_note_next(&it, &note, err, errlen)) == 1) {
    int amdgpu = note.namesz == 7 && memcmp(note.name, "AMDGPU", 7) == 0;
    int amd = note.namesz == 4 && memcmp(note.name, "AMD", 4) == 0;
    if (amd && note.type == NT_AMD_HSA_METADATA) *v2 = 1;
    if (!amdgpu || note.type != NT_AMDGPU_METADATA) continue;
    if (crk_metadata_parse(co, note.desc, note.descsz, err, errlen) != 0) {
      char tmp[512];
      snprintf(tmp, sizeof tmp, "%s", err);
      snprintf(err, errlen, "metadata note: %s", tmp);
      return -1;
    }
    return 1;
  }
  return rc; /* 0 at the end, -1 on a bad note */
}

static int find_metadata(crk_codeobj *co, const crk_elf *e, char *err, size_t errlen) {
  int v2 = 0, rc = 0;
  /* Note ranges may overlap or repeat in a hostile file: scanning stops
   * once the bytes scanned exceed the file's size twice over. */
  uint64_t budget = 2 * (uint64_t)e->len + 64, seen_notes = 0;
  if (e->shnum > 0) {
    for (uint32_t i = 1; i < e->shnum && rc == 0; i++) {
      crk_elf_shdr sh;
      if (crk_elf_section(e, i, &sh, err, errlen) != 0) return -1;
      if (sh.type != CRK_SHT_NOTE) continue;
      seen_notes++;
      if (sh.size > budget) {
        snprintf(err, errlen, "note sections overlap beyond the file's size");
        return -1;
      }
      budget -= sh.size;
      rc = scan_notes(co, e->data + sh.offset, sh.size, sh.align, &v2, err, errlen);
    }
  } else {
    for (uint32_t i = 0; i < e->phnum && rc == 0; i++) {
      crk_elf_phdr ph;
      if (crk_elf_segment(e, i, &ph, err, errlen) != 0) return -1;
      if (ph.type != CRK_PT_NOTE) continue;
      seen_notes++;
      if (ph.filesz > budget) {
        snprintf(err, errlen, "note segments overlap beyond the file's size");
        return -1;
      }
      budget -= ph.filesz;
      rc = scan_notes(co, e->data + ph.offset, ph.filesz, ph.align, &v2, err, errlen);
    }
  }
  if (rc < 0) return -1;
  if (rc == 0) {
    if (v2)
      snprintf(err, errlen, "code object v2 (YAML metadata note) is not supported: rebuild with -mcode-object-version=4 or later");
    else
      snprintf(err, errlen, "no AMDGPU metadata note (NT_AMDGPU_METADATA) in %llu note %s",
               (unsigned long long)seen_notes, e->shnum > 0 ? "sections" : "segments");
    return -1;
  }
  return 0;
}

int crk_codeobj_parse(crk_codeobj *co, const void *data, size_t len, char *err, size_t errlen) {
  crk_elf e;
  memset(co, 0, sizeof *co);
  if (crk_elf_open(&e, data, len, err, errlen) != 0) return -1;
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
  decode_flags(co, e.flags);
  /* Every section's bytes must lie in the file, not only the notes'. */
  for (uint32_t i = 1; i < e.shnum; i++) {
    crk_elf_shdr sh;
    if (crk_elf_section(&e, i, &sh, err, errlen) != 0) return -1;
  }
  if (find_metadata(co, &e, err, errlen) != 0) {
    crk_codeobj_free(co);
    return -1;
  }
  return 0;
}
