/* test_processors.c: every row of format/amdgpu_processors.def, through both
 * of its C readers and the loader's pick. For each processor, a minimal code
 * object with its EF_AMDGPU_MACH goes (in a one-entry bundle named for it)
 * through crk_module_open, whose checks reject an entry whose object is for
 * another processor, and through crk-dump's code object parser; both must
 * name the row's processor. Then crk_module_pick, for a device of each
 * processor, must follow the row's generic target (from a bundle of every
 * generic target) and its ISA group and features (from a bundle of each
 * other processor alone, the ISA fallback allowed). A new row is tested
 * with no change here. Where an llvm-readelf is installed, LLVM's own
 * reading of each value must agree too: that checks the table itself, not
 * just its readers. */
#include "check.h"
#include "fake_backend.h"

#include "../lib/elf_check.h"
#include "candle_rocm_kernels.h"
#include "crk-dump/codeobj.h"
#include "processors.h"
#include "test_dump_util.h"

#include <stdlib.h>
#include <string.h>

/* The target ID an ELF's e_flags name (format/target_pick.h's decoder). */
static int elf_target(const unsigned char *p, size_t n, char *buf, size_t len) {
  crk_flags_target t;
  int rc = crk_flags_target_of_elf(p, n, &t);
  snprintf(buf, len, "%s", t.text);
  return rc;
}

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

/* A generic target's name ends so (LLVM's spelling); its code object needs
 * code object v6 and a generic version. */
static int is_generic_target(const char *name) {
  size_t len = strlen(name);
  return len > 8 && strcmp(name + len - 8, "-generic") == 0;
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
  CHECK(elf_target(elf, ELF_LEN, target, sizeof target) == 0 && strcmp(target, name) == 0,
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
  CHECK(rc == 0 && elf[48] == mach && elf_target(elf, ELF_LEN, target, sizeof target) == 0 &&
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
    const crk_processor *row = crk_processor_at(i);
    const char *name = row->name;
    unsigned mach = row->mach;
    unsigned char elf[ELF_LEN];
    char got[64] = "";
    code_object(elf, mach, is_generic_target(name));
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
      const crk_processor *pi = crk_processor_at(i), *pj = crk_processor_at(j);
      const char *a = pi->name, *b = pj->name;
      unsigned mi = pi->mach, mj = pj->mach;
      if (mi == mj || strcmp(a, b) == 0) {
        CHECK(0, "table: each name and EF_AMDGPU_MACH value has one row", "%s 0x%03x and %s 0x%03x", a, mi, b,
              mj);
        ok = 0;
      }
    }
  if (ok) CHECK(1, "table: each name and EF_AMDGPU_MACH value has one row", "");
}

enum { MAX_BUNDLED = 16 };

/* A module of one bundle holding a code object for each row given (its
 * EF_AMDGPU_MACH, the entry id naming it), or NULL with a FAIL line. The
 * caller closes the module, then frees *bundle. */
static crk_module *open_bundle_of(const crk_processor *const *rows, size_t count, unsigned char **bundle) {
  static unsigned char elfs[MAX_BUNDLED][ELF_LEN];
  char ids[MAX_BUNDLED][96];
  const char *id_ptrs[MAX_BUNDLED];
  const unsigned char *data[MAX_BUNDLED];
  size_t sizes[MAX_BUNDLED], len;
  for (size_t i = 0; i < count && i < MAX_BUNDLED; i++) {
    code_object(elfs[i], rows[i]->mach, is_generic_target(rows[i]->name));
    snprintf(ids[i], sizeof ids[i], "hipv4-amdgcn-amd-amdhsa--%s", rows[i]->name);
    id_ptrs[i] = ids[i], data[i] = elfs[i], sizes[i] = ELF_LEN;
  }
  *bundle = fake_bundle(count < MAX_BUNDLED ? count : MAX_BUNDLED, id_ptrs, data, sizes, &len);
  crk_module *m = NULL;
  crk_status s = crk_module_open(*bundle, len, &m);
  if (s != CRK_OK) {
    CHECK(0, "pick: a bundle of table rows opens", "%s: %s", crk_status_string(s), crk_last_error());
    free(*bundle);
    return NULL;
  }
  return m;
}

/* The generic target column, through the loader's rule 2: from a bundle of
 * every generic target the table has, a device of a processor whose row
 * names G gets G, picked as generic; a device of one whose row names none
 * gets nothing (no ISA fallback: the bundle holds no processor's own code).
 * Each G must be a generic target's row, which names none itself. */
static void generic_picks(unsigned n) {
  const crk_processor *generics[MAX_BUNDLED];
  size_t ngeneric = 0;
  for (unsigned i = 0; i < n; i++)
    if (is_generic_target(crk_processor_at(i)->name) && ngeneric < MAX_BUNDLED) generics[ngeneric++] = crk_processor_at(i);
  unsigned char *bundle;
  crk_set_isa_fallback(0);
  crk_module *m = open_bundle_of(generics, ngeneric, &bundle);
  if (!m) return;
  for (unsigned i = 0; i < n; i++) {
    const crk_processor *row = crk_processor_at(i);
    char check[160], got[64] = "";
    crk_match how;
    if (is_generic_target(row->name)) {
      snprintf(check, sizeof check, "table: generic target %s names no generic target, ISA group or feature",
               row->name);
      CHECK(!row->generic && row->isa_group == 0 && row->features == 0, check, "%s, group %d, features %#x",
            row->generic ? row->generic : "NULL", row->isa_group, row->features);
      continue;
    }
    crk_status s = crk_module_pick(m, row->name, got, sizeof got, &how);
    if (row->generic) {
      const crk_processor *g = crk_processor_find(row->generic);
      snprintf(check, sizeof check, "pick: a %s device gets %s (generic) from a bundle of generic targets", row->name,
               row->generic);
      CHECK(g && is_generic_target(g->name) && !g->generic && s == CRK_OK && strcmp(got, row->generic) == 0 &&
                how == CRK_MATCH_GENERIC,
            check, "%s%s, got '%s' (match %d): %s", g ? "" : "no row for the generic target; ", crk_status_string(s),
            got, (int)how, s == CRK_OK ? "" : crk_last_error());
    } else {
      snprintf(check, sizeof check, "pick: a %s device gets nothing from a bundle of generic targets (it has none)",
               row->name);
      CHECK(s == CRK_ERR_ARCH_MISSING && how == CRK_MATCH_NONE, check, "%s, got '%s' (match %d)",
            crk_status_string(s), got, (int)how);
    }
  }
  crk_module_close(m);
  free(bundle);
}

/* The ISA group and features columns, through the loader's rule 3: with
 * the ISA fallback allowed, a device of processor P gets the code of
 * another processor Q (a bundle of Q alone) exactly when both rows have
 * the same nonzero ISA group and P has every feature of Q's (gfx1100 code
 * on a gfx1150, never the reverse). One line per Q, over every P. */
static void isa_picks(unsigned n) {
  crk_set_isa_fallback(1);
  for (unsigned q = 0; q < n; q++) {
    const crk_processor *have = crk_processor_at(q);
    if (is_generic_target(have->name)) continue;
    unsigned char *bundle;
    crk_module *m = open_bundle_of(&have, 1, &bundle);
    if (!m) continue;
    char why[512] = "", check[200];
    int ok = 1, takers = 0;
    for (unsigned p = 0; p < n; p++) {
      const crk_processor *dev = crk_processor_at(p);
      if (p == q || is_generic_target(dev->name)) continue;
      int runs = have->isa_group != 0 && have->isa_group == dev->isa_group && (have->features & ~dev->features) == 0;
      char got[64] = "";
      crk_match how;
      crk_status s = crk_module_pick(m, dev->name, got, sizeof got, &how);
      int picked = s == CRK_OK && how == CRK_MATCH_ISA_COMPATIBLE && strcmp(got, have->name) == 0;
      if (runs ? !picked : s != CRK_ERR_ARCH_MISSING) {
        size_t at = strlen(why);
        snprintf(why + at, sizeof why - at, "%s%s device: %s '%s' (match %d), want %s", at ? "; " : "", dev->name,
                 crk_status_string(s), got, (int)how, runs ? "ISA-compatible" : "nothing");
        ok = 0;
      }
      takers += runs;
    }
    snprintf(check, sizeof check, "pick: with the ISA fallback on, %s code (group %d, features %#x) goes to "
             "exactly the %d other processors its row allows", have->name, have->isa_group, have->features, takers);
    CHECK(ok, check, "%s", why);
    crk_module_close(m);
    free(bundle);
  }
  crk_set_isa_fallback(0);
}

/* The rows' groups and features against facts of the hardware (README,
 * "Which code object a GPU gets"), which the walk above cannot see: it
 * derives its answers from the rows themselves. */
static void isa_facts(void) {
  static const struct { const char *code, *device; int runs; } facts[] = {
    {"gfx1100", "gfx1103", 1}, {"gfx1100", "gfx1150", 1}, /* gfx115x adds SALU float */
    {"gfx1150", "gfx1100", 0}, {"gfx1152", "gfx1103", 0},
    {"gfx1010", "gfx1013", 1}, {"gfx1013", "gfx1010", 0}, /* ray tracing */
    {"gfx1011", "gfx1012", 1}, {"gfx1011", "gfx1010", 0}, {"gfx1011", "gfx1013", 0}, /* dot */
    {"gfx900", "gfx90c", 1},   {"gfx904", "gfx906", 1},   {"gfx906", "gfx904", 0},
    {"gfx900", "gfx906", 0},   {"gfx906", "gfx900", 0}, /* mad-mix against fma-mix */
    {"gfx1030", "gfx1036", 1}, {"gfx1200", "gfx1201", 1}, {"gfx908", "gfx90a", 0},
    {"gfx942", "gfx950", 0},   {"gfx1036", "gfx1100", 0}, {"gfx803", "gfx900", 0},
  };
  crk_set_isa_fallback(1);
  for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
    const crk_processor *have = crk_processor_find(facts[i].code);
    char check[160], got[64] = "";
    snprintf(check, sizeof check, "pick: with the ISA fallback on, %s code %s a %s device", facts[i].code,
             facts[i].runs ? "serves" : "never serves", facts[i].device);
    unsigned char *bundle;
    crk_module *m = have ? open_bundle_of(&have, 1, &bundle) : NULL;
    if (!m) {
      CHECK(0, check, "no row for %s, or its bundle did not open", facts[i].code);
      continue;
    }
    crk_match how;
    crk_status s = crk_module_pick(m, facts[i].device, got, sizeof got, &how);
    CHECK(facts[i].runs ? s == CRK_OK && how == CRK_MATCH_ISA_COMPATIBLE : s == CRK_ERR_ARCH_MISSING, check,
          "%s '%s' (match %d)", crk_status_string(s), got, (int)how);
    crk_module_close(m);
    free(bundle);
  }
  crk_set_isa_fallback(0);
}

/* The wave size column: 64 on gfx6-gfx9 (GCN and CDNA) and the gfx9
 * generics, 32 on gfx10 and later (RDNA builds wave32 unless told). A typo
 * in a new row shows here; test_dump_formats holds the built code objects'
 * .wavefront_size to the column. */
static void wave_sizes(unsigned n) {
  char bad[512] = "";
  for (unsigned i = 0; i < n; i++) {
    const crk_processor *row = crk_processor_at(i);
    /* gfx600..gfx909 and gfx90a/gfx90c/gfx9-generic: one digit (6 to 9)
     * before the minor digits; gfx10 and later have two. */
    const char *v = row->name + 3;
    unsigned want = (v[0] >= '6' && v[0] <= '9' && (strlen(v) == 3 || v[1] == '-')) ? 64 : 32;
    if (row->wave_size != want) {
      size_t at = strlen(bad);
      snprintf(bad + at, sizeof bad - at, " %s %u", row->name, row->wave_size);
    }
  }
  CHECK(bad[0] == '\0', "table: wave size 64 on gfx6-gfx9 and the gfx9 generics, 32 on gfx10 and later",
        "wrong:%s", bad);
}

int main(void) {
  /* Opening needs no runtime: the fake only says which platform loads. */
  crk_backend_set(&fake_backend_amd);
  unsigned n = 0;
  const crk_processor *row;
  for (; (row = crk_processor_at(n)) != NULL; n++) {
    int generic = is_generic_target(row->name);
    unsigned char elf[ELF_LEN];
    code_object(elf, row->mach, generic);
    through_loader(row->name, elf);
    through_dump(row->name, elf);
    retarget(row->name, row->mach, generic);
  }
  unique(n);
  generic_picks(n);
  isa_picks(n);
  isa_facts();
  wave_sizes(n);
  through_readelf(n);
  /* The LLVM 19 processors and the later ones the table is known to hold. */
  CHECK(n >= 55 && crk_processor_mach("gfx1251") == 0x5a && crk_processor_name(0x27) == NULL,
        "table: every row read (55 or more), reserved values unnamed", "%u rows", n);
  CHECK_EXIT();
}
