/* fuzz_blob.c: libFuzzer target over every crk-dump parser at once. The
 * input goes where a file's bytes go: format detection, the ELF reader,
 * bundle and compressed-bundle parsing, decompression, the host-ELF scan,
 * the metadata reader; then every report and check runs over the result.
 * Seeds (corpus/blob/) are real code objects, bundles, compressed bundles
 * and host objects from this build.
 *
 * test_dump_corpus replays the corpus through this same function (renamed
 * with FUZZ_BLOB_ENTRY) in every `make test`. */
#include "crk-dump/blob.h"
#include "crk-dump/checks.h"
#include "crk-dump/report.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FUZZ_BLOB_ENTRY
#define FUZZ_BLOB_ENTRY LLVMFuzzerTestOneInput
#endif

int FUZZ_BLOB_ENTRY(const uint8_t *data, size_t size);

int FUZZ_BLOB_ENTRY(const uint8_t *data, size_t size) {
  static FILE *sink;
  if (!sink && !(sink = fopen("/dev/null", "w"))) abort();
  /* Small limits keep each run fast; skipping the hash on odd sizes lets
   * mutated compressed bundles reach the bundle parser too. */
  crk_blob_opts opts = {UINT64_C(64) << 20, (int)(size & 1), 1 << 16, 1 << 14};
  crk_blob b;
  char err[1024];
  err[0] = '\0';
  if (crk_blob_read(&b, data, size, &opts, err, sizeof err) != 0) {
    if (err[0] == '\0') abort(); /* every failure must say why */
    return 0;
  }
  unsigned char *sel = malloc(b.nobjs ? b.nobjs : 1);
  if (!sel) abort();
  memset(sel, 1, b.nobjs);
  crk_report_table(sink, "fuzz", &b, sel);
  static crk_arch_list archs;
  static crk_arch_verdict verdicts[CRK_ARCH_MAX];
  if (crk_arch_list_parse("gfx90a,gfx1100:xnack-, gfx906:sramecc+:xnack+, gfx1031", &archs, err, sizeof err) != 0)
    abort();
  crk_check_archs(sink, sink, "fuzz", &b, &archs, 1, sel, verdicts);
  memset(sel, 1, b.nobjs);
  crk_report_json(sink, "fuzz", &b, sel, &archs, verdicts, 1);
  crk_report_symbols(sink, &b, sel);
  char name[] = "quantize_q8_1";
  char *names[] = {name};
  crk_check_no_spills(sink, "fuzz", &b, sel);
  crk_check_expect(sink, "fuzz", &b, sel, names, 1);
  free(sel);
  crk_blob_free(&b);
  return 0;
}
