/* test_processors.c: every row of format/amdgpu_processors.def, through both
 * of its C readers. For each processor, a minimal code object with its
 * EF_AMDGPU_MACH goes (in a one-entry bundle named for it) through
 * crk_module_open, whose checks reject an entry whose object is for another
 * processor, and through crk-dump's code object parser; both must name the
 * row's processor. A new row is tested with no change here. Where an
 * llvm-readelf is installed, LLVM's own reading of each value must agree
 * too: that checks the table itself, not just its readers. */
#include "check.h"
#include "fake_backend.h"

#include "../lib/elf_check.h"
#include "candle_rocm_kernels.h"
#include "crk-dump/codeobj.h"
#include "processors.h"
#include "test_dump_util.h"

#include <stdlib.h>
#include <string.h>

static void wr16(unsigned char *p, unsigned v) { p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8); }
static void wr32(unsigned char *p, uint32_t v) { wr16(p, v & 0xffff), wr16(p + 2, v >> 16); }
static void wr64(unsigned char *p, uint64_t v) { wr32(p, (uint32_t)v), wr32(p + 4, (uint32_t)(v >> 32)); }

/* The metadata crk-dump insists on (it reads a code object's kernels from
 * it): the MessagePack map {"amdhsa.version": [1, 2]}, and no kernels. */
static const unsigned char metadata[] = {0x81, 0xae, 'a', 'm', 'd', 'h', 's', 'a', '.', 'v', 'e',
                                         'r',  's',  'i', 'o', 'n', 0x92, 0x01, 0x02};
enum { EHDR = 64, PHDR = 56, NOTE = 12 + 8 + 20, ELF_LEN = EHDR + PHDR + NOTE };

/* A code object v6 (ELF ABI version 4) for EF_AMDGPU_MACH mach: the ELF
 * header, one PT_NOTE segment, one NT_AMDGPU_METADATA note. Generic targets
 * need v6 and a generic version (e_flags' top byte), as clang writes them. */
static void code_object(unsigned char elf[ELF_LEN], unsigned mach, int generic) {
  memset(elf, 0, ELF_LEN);
  memcpy(elf, "\177ELF", 4);
  elf[4] = 2, elf[5] = 1, elf[6] = 1;      /* ELF64, little-endian, version 1 */
  elf[7] = 64, elf[8] = 4;                 /* ELFOSABI_AMDGPU_HSA, code object v6 */
  wr16(elf + 16, 3), wr16(elf + 18, 224);  /* ET_DYN, EM_AMDGPU */
  wr32(elf + 20, 1);
  wr32(elf + 48, mach | (generic ? 1u << 24 : 0)); /* the processor, generic version 1 */
  wr64(elf + 32, EHDR);                    /* e_phoff */
  wr16(elf + 52, EHDR), wr16(elf + 54, PHDR), wr16(elf + 56, 1);
  wr16(elf + 58, 64);                      /* e_shentsize; no sections */
  unsigned char *ph = elf + EHDR, *note = ph + PHDR;
  wr32(ph, 4);                             /* PT_NOTE */
  wr64(ph + 8, EHDR + PHDR), wr64(ph + 32, NOTE), wr64(ph + 40, NOTE), wr64(ph + 48, 4);
  wr32(note, 7), wr32(note + 4, sizeof metadata), wr32(note + 8, 32 /* NT_AMDGPU_METADATA */);
  memcpy(note + 12, "AMDGPU", 7);
  memcpy(note + 20, metadata, sizeof metadata);
}

/* The loader's reading: a one-entry bundle whose id names the processor
 * opens only when the loader reads the same processor from the object. */
static void through_loader(const char *name, const unsigned char *elf) {
  char id[96], check[160];
  snprintf(id, sizeof id, "hipv4-amdgcn-amd-amdhsa--%s", name);
  const char *ids[] = {id};
  const unsigned char *data[] = {elf};
  size_t size = ELF_LEN, len;
  unsigned char *bundle = fake_bundle(1, ids, data, &size, &len);
  crk_module *m = NULL;
  crk_status s = crk_module_open(bundle, len, &m);
  snprintf(check, sizeof check, "loader: a %s code object opens as %s", name, name);
  CHECK(s == CRK_OK, check, "%s: %s", crk_status_string(s), crk_last_error());
  if (s == CRK_OK) crk_module_close(m);
  free(bundle);

  char target[64] = "";
  snprintf(check, sizeof check, "loader: e_flags name %s", name);
  CHECK(crk_elf_amdgpu_target(elf, ELF_LEN, target, sizeof target) == 0 && strcmp(target, name) == 0,
        check, "got '%s'", target);
}

/* crk-dump's reading: the code object parser names the processor. */
static void through_dump(const char *name, const unsigned char *elf) {
  crk_codeobj co;
  char err[256] = "", check[160];
  int rc = crk_codeobj_parse(&co, elf, ELF_LEN, 0, err, sizeof err);
  snprintf(check, sizeof check, "crk-dump: a %s code object is read as %s", name, name);
  CHECK(rc == 0 && strcmp(co.arch, name) == 0, check, "rc %d (%s), arch '%s'", rc, err,
        rc == 0 ? co.arch : "");
  if (rc == 0) crk_codeobj_free(&co);
}

/* The loader retargets a code object to an ISA-compatible processor by
 * rewriting EF_AMDGPU_MACH: every specific processor must round-trip. */
static void retarget(const char *name, unsigned mach, int generic) {
  unsigned char elf[ELF_LEN];
  char target[64] = "", check[160];
  code_object(elf, 0x41 /* gfx1100 */, 0);
  int rc = crk_elf_amdgpu_set_processor(elf, ELF_LEN, name);
  snprintf(check, sizeof check, "loader: retargeting to %s writes 0x%03x%s", name, mach,
           generic ? " (refused: a generic target is no device)" : "");
  if (generic) {
    CHECK(rc == -1 && elf[48] == 0x41, check, "rc %d, mach 0x%02x", rc, elf[48]);
    return;
  }
  CHECK(rc == 0 && elf[48] == mach && crk_elf_amdgpu_target(elf, ELF_LEN, target, sizeof target) == 0 &&
            strcmp(target, name) == 0,
        check, "rc %d, mach 0x%02x, target '%s'", rc, elf[48], target);
}

/* llvm-readelf -h's name for the code object's processor ("Flags: 0x41,
 * gfx1100"): 1 with the name, 0 when it prints the value alone (a value
 * newer than that LLVM), -1 when it cannot be run. */
static int readelf_name(const char *readelf, const unsigned char *elf, char *name, size_t n) {
  const char *file = tmp_path("co.elf");
  char flags[512];
  if (dump_write_file(file, elf, ELF_LEN) != 0) return -1;
  int r = readelf_flags_line(readelf, file, flags, sizeof flags);
  if (r <= 0) return r < 0 ? -1 : 0;
  /* An unknown value prints no name, or an empty one before the generic
   * version (", , generic_v1"). */
  char *comma = strchr(flags, ','), *start = comma ? comma + strspn(comma + 1, " ") + 1 : NULL;
  size_t len = start ? strcspn(start, ", \n") : 0;
  if (len) snprintf(name, n, "%.*s", (int)len, start);
  return len > 0;
}

/* Every row LLVM's readelf names, it names alike; rows it does not know
 * (newer than it) are listed, not failed: LLVM main's ELF.h is their
 * reference (see the .def). */
static void through_readelf(unsigned n) {
  const char *readelf = find_readelf();
  if (!readelf) {
    SKIP("readelf: llvm-readelf names every row's value as the table does", "no llvm-readelf (install llvm-19)");
    return;
  }
  char unknown[1024] = "", check[600];
  for (unsigned i = 0; i < n; i++) {
    unsigned mach;
    const char *name = crk_processor_row(i, &mach);
    unsigned char elf[ELF_LEN];
    char got[64] = "";
    code_object(elf, mach, strstr(name, "generic") != NULL);
    int r = readelf_name(readelf, elf, got, sizeof got);
    if (r == 0) {
      size_t l = strlen(unknown);
      snprintf(unknown + l, sizeof unknown - l, " %s", name);
      continue;
    }
    snprintf(check, sizeof check, "readelf: %s names 0x%03x %s", readelf, mach, name);
    CHECK(r == 1 && strcmp(got, name) == 0, check, "%s", r < 0 ? "readelf failed" : got);
  }
  if (unknown[0]) printf("# %s names no processor for:%s (newer than it)\n", readelf, unknown);
  dump_cleanup();
}

/* One row per processor and per value: a repeated name or value would make
 * one of its readings depend on the order of the rows. */
static void unique(unsigned n) {
  int ok = 1;
  for (unsigned i = 0; i < n; i++)
    for (unsigned j = i + 1; j < n; j++) {
      unsigned mi, mj;
      const char *a = crk_processor_row(i, &mi), *b = crk_processor_row(j, &mj);
      if (mi == mj || strcmp(a, b) == 0) {
        CHECK(0, "table: each name and EF_AMDGPU_MACH value has one row", "%s 0x%03x and %s 0x%03x", a, mi, b,
              mj);
        ok = 0;
      }
    }
  if (ok) CHECK(1, "table: each name and EF_AMDGPU_MACH value has one row", "");
}

int main(void) {
  /* Opening needs no runtime: the fake only says which platform loads. */
  crk_backend_set(&fake_backend_amd);
  unsigned n = 0, mach;
  const char *name;
  for (; (name = crk_processor_row(n, &mach)) != NULL; n++) {
    int generic = strstr(name, "generic") != NULL;
    unsigned char elf[ELF_LEN];
    code_object(elf, mach, generic);
    through_loader(name, elf);
    through_dump(name, elf);
    retarget(name, mach, generic);
  }
  unique(n);
  through_readelf(n);
  /* The LLVM 19 processors and the later ones the table is known to hold. */
  CHECK(n >= 55 && crk_processor_mach("gfx1251") == 0x5a && crk_processor_name(0x27) == NULL,
        "table: every row read (55 or more), reserved values unnamed", "%u rows", n);
  CHECK_EXIT();
}
