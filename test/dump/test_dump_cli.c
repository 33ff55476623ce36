/* test_dump_cli.c: the crk-dump program as people and CI use it: the table,
 * --json, --symbols, the checks (--arch, --expect, --no-spills) with their
 * exit statuses, --extract, and usage errors. */
#include "candle_rocm_kernels_version.h"
#include "check.h"
#include "crk-dump/blob.h"
#include "test_dump_util.h"

static const char *blob(void) { return build_path("quantized.hsaco", NULL); }

/* Runs crk-dump with args; checks the exit status and that stdout and
 * stderr contain the given strings (NULL: anything; "" on stderr: empty). */
static void run(const char *what, const char *args, int want_rc, const char *out_has, const char *err_has) {
  char *out, *err;
  int rc = run_dump(args, &out, &err);
  int ok = rc == want_rc && (!out_has || strstr(out, out_has)) &&
           (!err_has || (*err_has ? strstr(err, err_has) != NULL : *err == '\0'));
  CHECK(ok, what, "exit %d (want %d); stdout %.300s%s; stderr %.500s", rc, want_rc, out,
        out_has && !strstr(out, out_has) ? " (lacks the expected text)" : "", err);
  free(out);
  free(err);
}

int main(void) {
  char archs[64][32], args[4096];
  int narchs = built_archs(archs, 64);
  if (narchs <= 0) {
    CHECK(0, "cli: the build's arch list", "cannot read it under %s", build_dir());
    CHECK_EXIT();
  }
  const char *a0 = archs[0];

  /* The table: a line per code object and a row per kernel. */
  snprintf(args, sizeof args, "'%s'", blob());
  char *out, *err;
  int rc = run_dump(args, &out, &err);
  {
    int ok = rc == 0 && *err == '\0' && strstr(out, "offload bundle") && strstr(out, "KERNEL") &&
             strstr(out, "SGPR") && strstr(out, "VGPR") && strstr(out, "SCRATCH") && strstr(out, "quantize_q8_1");
    for (int a = 0; ok && a < narchs; a++) {
      char entry[96];
      snprintf(entry, sizeof entry, "hipv4-amdgcn-amd-amdhsa--%s  %s  xnack ", archs[a], archs[a]);
      ok = strstr(out, entry) != NULL;
    }
    CHECK(ok, "cli: table names every arch's entry, its features, and every kernel", "exit %d: %.600s %s", rc, out, err);
  }
  free(out), free(err);

  /* --json: stable keys, one code object per arch. */
  snprintf(args, sizeof args, "--json '%s'", blob());
  rc = run_dump(args, &out, &err);
  {
    static const char *const keys[] = {
      "\"file\": ", "\"format\": \"offload bundle\"", "\"code_objects\": [", "\"entry_id\": ", "\"arch\": ",
      "\"target_id\": ", "\"xnack\": ", "\"sramecc\": ", "\"code_object_version\": 5", "\"size\": ",
      "\"kernels\": [", "\"name\": \"quantize_q8_1\"", "\"sgpr_count\": ", "\"vgpr_count\": ",
      "\"agpr_count\": ", "\"lds_bytes\": ", "\"scratch_bytes\": 0", "\"sgpr_spill_count\": 0",
      "\"vgpr_spill_count\": 0", "\"wavefront_size\": ", "\"max_workgroup_size\": ", "\"kernarg_size\": ",
      "\"arg_count\": 4", "\"args\": [{\"offset\": 0, \"size\": 8, \"kind\": \"global_buffer\", \"hidden\": false}",
    };
    const char *missing = NULL;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0] && !missing; k++)
      if (!strstr(out, keys[k])) missing = keys[k];
    size_t objs = 0;
    for (const char *p = out; (p = strstr(p, "\"entry_id\": ")); p++) objs++;
    CHECK(rc == 0 && !missing && objs == (size_t)narchs, "cli: --json has the documented keys, one object per arch",
          "exit %d, %zu objects, missing %s", rc, objs, missing ? missing : "-");
  }
  free(out), free(err);

  /* --symbols: names only; '# target' lines between archs. */
  snprintf(args, sizeof args, "--symbols --arch %s '%s'", a0, blob());
  rc = run_dump(args, &out, &err);
  CHECK(rc == 0 && (strncmp(out, "quantize_q8_1\n", 14) == 0 || strstr(out, "\nquantize_q8_1\n")) &&
            !strchr(out, '#') && !strchr(out, ' '),
        "cli: --symbols --arch ARCH prints bare kernel names", "exit %d: %.300s", rc, out);
  free(out), free(err);
  snprintf(args, sizeof args, "--symbols '%s'", blob());
  rc = run_dump(args, &out, &err);
  {
    size_t heads = 0;
    for (const char *p = out; (p = strstr(p, "# gfx")); p++) heads++;
    CHECK(rc == 0 && heads == (narchs > 1 ? (size_t)narchs : 0), "cli: --symbols heads each arch's names when there are several",
          "exit %d, %zu heads: %.300s", rc, heads, out);
  }
  free(out), free(err);

  /* --expect: the names --symbols printed are all there; a bogus one fails. */
  const char *expect = tmp_path("expect.txt");
  snprintf(args, sizeof args, "--symbols --arch %s '%s' > '%s'; '%s/tools/crk-dump' -q --expect '%s' '%s'",
           a0, blob(), expect, build_dir(), expect, blob());
  run("cli: --expect with --symbols' own output passes", args, 0, NULL, "");
  FILE *f = fopen(expect, "a");
  if (f) fputs("# a comment\n\n  no_such_kernel  \n", f), fclose(f);
  snprintf(args, sizeof args, "-q --expect '%s' '%s'", expect, blob());
  run("cli: --expect with a missing kernel exits 1 naming it and the arch", args, 1, NULL, "kernel no_such_kernel missing");
  snprintf(args, sizeof args, "-q --expect '%s' '%s'", tmp_path("no-such-list"), blob());
  run("cli: --expect with an unreadable list exits 2", args, 2, NULL, "no-such-list");

  /* --arch: present, absent, malformed; several at once. */
  char list[1024] = "";
  for (int a = 0; a < narchs; a++) snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", a ? "," : "", archs[a]);
  snprintf(args, sizeof args, "-q --arch '%s' '%s'", list, blob());
  run("cli: --arch with every built arch passes", args, 0, NULL, "");
  snprintf(args, sizeof args, "-q --arch '%s gfx803' '%s'", a0, blob());
  run("cli: --arch with an absent arch exits 1 naming it", args, 1, NULL, "arch gfx803 missing");
  snprintf(args, sizeof args, "-q --arch 'gfx90a:frob+' '%s'", blob());
  run("cli: --arch with a malformed target ID is a usage error (exit 2) saying so", args, 2, NULL, "not a target ID");
  snprintf(args, sizeof args, "--arch gfx90a:xnack+ '%s'", build_path("test/dump-fixtures/hip_host.elf", NULL));
  run("cli: --arch gfx90a:xnack+ matches the xnack+ code object only", args, 0, "gfx90a:xnack+", "");
  snprintf(args, sizeof args, "--arch gfx1100:xnack+ '%s'", build_path("test/dump-fixtures/hip_host.elf", NULL));
  run("cli: --arch with a feature the code object lacks still matches it", args, 0, "gfx1100", "");

  snprintf(args, sizeof args, "--symbols --arch gfx1151 '%s'", build_path("test/dump-fixtures/gfx11_generic_v6.hsaco", NULL));
  run("cli: --arch gfx1151 is served by a gfx11-generic code object", args, 0, "crk_fixture_kernel\n", "");
  snprintf(args, sizeof args, "-q --arch gfx1030 '%s'", build_path("test/dump-fixtures/gfx11_generic_v6.hsaco", NULL));
  run("cli: --arch gfx1030 is not served by gfx11-generic", args, 1, NULL, "arch gfx1030 missing (have: gfx11-generic)");

  /* --arch answers the loader's question, by its rules (the bundles of
   * test_loader_pick): which code object a GPU gets, and how. */
  char spec[1024], gen[1024];
  snprintf(spec, sizeof spec, "%s", build_path("test/pick-fixtures/specific.bundle", NULL));
  snprintf(gen, sizeof gen, "%s", build_path("test/pick-fixtures/generic_only.bundle", NULL));
  snprintf(args, sizeof args, "--arch gfx1100,gfx90a:sramecc+:xnack- '%s'", spec);
  run("cli: --arch prints the exact code object each GPU loads", args, 0,
      ": gfx1100 loads gfx1100 (exact)", "");
  snprintf(args, sizeof args, "--arch gfx90a:sramecc+:xnack- '%s'", spec);
  run("cli: --arch with features picks the code object that pins them", args, 0,
      ": gfx90a:sramecc+:xnack- loads gfx90a:xnack- (exact)", "");
  snprintf(args, sizeof args, "--arch gfx1103,gfx1031 '%s'", gen);
  run("cli: --arch on a generic-only blob: each GPU gets its family's generic target", args, 0,
      ": gfx1031 loads gfx10-3-generic (generic)", "");
  snprintf(args, sizeof args, "-q --arch gfx1031 '%s'", spec);
  run("cli: --arch without the fallback fails naming the nearest compatible arch and how", args, 1, NULL,
      "arch gfx1031 missing (have: gfx900 gfx1010 gfx1011 gfx1030 gfx1100 gfx1150 gfx1200 gfx90a:xnack+ "
      "gfx90a:xnack-); nearest compatible: gfx1030 (same family and instructions): --isa-fallback");
  snprintf(args, sizeof args, "--isa-fallback --arch gfx1031,gfx1152,gfx1013 '%s'", spec);
  run("cli: --isa-fallback: the nearest processor with the device's instructions", args, 0,
      ": gfx1013 loads gfx1010 (ISA-compatible, marked as the device's processor)", "");
  setenv("CRK_ISA_FALLBACK", "1", 1);
  snprintf(args, sizeof args, "--arch gfx1152 '%s'", spec);
  run("cli: CRK_ISA_FALLBACK=1 counts for crk-dump as for the loader", args, 0,
      ": gfx1152 loads gfx1150 (ISA-compatible", "");
  unsetenv("CRK_ISA_FALLBACK");
  snprintf(args, sizeof args, "--isa-fallback -q --arch gfx906 '%s'", spec);
  run("cli: --isa-fallback never crosses ISA groups (gfx906 is not gfx900)", args, 1, NULL, "arch gfx906 missing");

  /* --no-spills: the blob passes; a copy whose metadata says 5 VGPR spills
   * fails, naming the kernel. */
  snprintf(args, sizeof args, "-q --no-spills '%s'", blob());
  run("cli: --no-spills passes on the built blob", args, 0, NULL, "");
  size_t len;
  unsigned char *co = dump_read_file(build_path("%s.hsaco", a0), &len);
  static const char key[] = "\xb1.vgpr_spill_count"; /* fixstr of 17 bytes */
  unsigned char *hit = NULL;
  for (size_t i = 0; co && i + sizeof key < len && !hit; i++)
    if (!memcmp(co + i, key, sizeof key - 1) && co[i + sizeof key - 1] == 0) hit = co + i + sizeof key - 1;
  if (hit) {
    *hit = 5; /* positive fixint 5, same length as 0 */
    const char *spilly = tmp_path("spilly.hsaco");
    dump_write_file(spilly, co, len);
    snprintf(args, sizeof args, "-q --no-spills '%s'", spilly);
    run("cli: --no-spills on a kernel with VGPR spills exits 1 naming it", args, 1, NULL,
        ": 0 SGPR spills, 5 VGPR spills, 0 bytes of scratch");
    snprintf(args, sizeof args, "'%s'", spilly);
    run("cli: the table shows the spills", args, 0, NULL, "");
  } else {
    CHECK(0, "cli: --no-spills on a kernel with VGPR spills", "no .vgpr_spill_count 0 in %s", build_path("%s.hsaco", a0));
  }

  /* --extract: the arch's code object, byte for byte, written atomically. */
  const char *x = tmp_path("extracted.hsaco");
  snprintf(args, sizeof args, "--extract %s -o '%s' '%s'", a0, x, blob());
  run("cli: --extract exits 0", args, 0, NULL, "");
  size_t xl;
  unsigned char *xb = dump_read_file(x, &xl);
  if (hit) *hit = 0; /* undo the spill patch: co is the arch's file again */
  CHECK(xb && co && xl == len && memcmp(xb, co, len) == 0, "cli: --extract writes the arch's code object",
        "%zu bytes vs %zu", xl, len);
  free(xb);
  free(co);
  {
    char listing[256];
    snprintf(listing, sizeof listing, "ls -a '%s' | grep -c tmp > /dev/null", dump_tmpdir());
    CHECK(system(listing) != 0, "cli: --extract leaves no temporary behind", "a .tmp file is left in %s", dump_tmpdir());
  }
  snprintf(args, sizeof args, "--extract gfx803 -o '%s' '%s'", x, blob());
  run("cli: --extract of an absent arch exits 1", args, 1, NULL, "no code object for gfx803");
  snprintf(args, sizeof args, "--extract gfx90a -o '%s' '%s'", x, build_path("test/dump-fixtures/hip_host.elf", NULL));
  run("cli: --extract of an ambiguous arch exits 1 asking for its features", args, 1, NULL, "name its features");
  snprintf(args, sizeof args, "--extract gfx90a:xnack- -o '%s' '%s' && '%s/tools/crk-dump' '%s'", x,
           build_path("test/dump-fixtures/hip_host.elf", NULL), build_dir(), x);
  run("cli: --extract with features picks that code object", args, 0, "gfx90a  xnack off", "");
  snprintf(args, sizeof args, "--extract %s -o '%s/no/such/dir/x' '%s'", a0, dump_tmpdir(), blob());
  run("cli: --extract into a missing directory exits 2", args, 2, NULL, "cannot create");

  /* Usage. */
  run("cli: no file is a usage error", "", 2, NULL, "no input file");
  run("cli: an unknown option is a usage error", "--frobnicate x", 2, NULL, "unknown option --frobnicate");
  snprintf(args, sizeof args, "--extract %s '%s'", a0, blob());
  run("cli: --extract without -o is a usage error", args, 2, NULL, "go together");
  run("cli: --help exits 0 with usage", "--help", 0, "usage: crk-dump", "");
  run("cli: a flag given a value is a usage error", "--json=1 x", 2, NULL, "takes no value: --json");
  run("cli: an option's missing value is a usage error", "x --arch", 2, NULL, "missing argument after --arch");

  /* getopt_long: --version, --opt=VALUE, options after files, "--". */
  run("cli: --version prints the project's version", "--version", 0,
      "crk-dump (candle-rocm-kernels) " CRK_VERSION_STRING "\n", "");
  run("cli: -V is --version", "-V", 0, CRK_VERSION_STRING, "");
  snprintf(args, sizeof args, "--symbols --arch=%s '%s'", a0, blob());
  run("cli: --arch=LIST is --arch LIST", args, 0, "quantize_q8_1\n", "");
  snprintf(args, sizeof args, "--arch=gfx9999 -q '%s'", blob());
  run("cli: --arch=LIST checks as --arch LIST does", args, 1, NULL, "gfx9999");
  snprintf(args, sizeof args, "'%s' --symbols --arch %s", blob(), a0);
  run("cli: options may follow the file", args, 0, "quantize_q8_1\n", "");
  snprintf(args, sizeof args, "--symbols --expect='%s' '%s'", tmp_path("no-such-list"), blob());
  run("cli: --expect=FILE reads FILE", args, 2, NULL, "no-such-list");
  {
    /* A file whose name starts with '-' is reachable after "--" only. */
    char dashed[600];
    snprintf(dashed, sizeof dashed, "%s", tmp_path("-blob"));
    char *o, *e;
    snprintf(args, sizeof args,
             "--version >/dev/null && cp '%s' '%s' && b=$(cd '%s' && pwd) && cd '%s' && \"$b/tools/crk-dump\" --symbols -- -blob",
             blob(), dashed, build_dir(), dump_tmpdir());
    rc = run_dump(args, &o, &e);
    CHECK(rc == 0 && strstr(o, "quantize_q8_1\n"), "cli: -- ends the options (a file named -blob)",
          "exit %d: %.200s %.300s", rc, o, e);
    free(o), free(e);
    snprintf(args, sizeof args, "--version >/dev/null && b=$(cd '%s' && pwd) && cd '%s' && \"$b/tools/crk-dump\" --symbols -blob",
             build_dir(), dump_tmpdir());
    rc = run_dump(args, &o, &e);
    CHECK(rc == 2 && strstr(e, "unknown option -b"), "cli: without --, -blob is an option (and unknown)",
          "exit %d: %.300s", rc, e);
    free(o), free(e);
  }

  dump_cleanup();
  CHECK_EXIT();
}
