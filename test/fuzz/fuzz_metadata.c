/* fuzz_metadata.c: libFuzzer target for the MessagePack reader and the
 * AMDGPU metadata parser alone: the input is a metadata note's payload.
 * Reaching them through fuzz_blob needs a valid ELF around every mutation;
 * here every mutation lands in the msgpack. Seeds (corpus/metadata/) are
 * the metadata notes of this build's code objects.
 *
 * test_dump_corpus replays the corpus through this same function (renamed
 * with FUZZ_METADATA_ENTRY) in every `make test`. */
#include "crk-dump/codeobj.h"
#include "crk-dump/metadata.h"
#include "crk-dump/msgpack.h"
#include "crk-dump/report.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FUZZ_METADATA_ENTRY
#define FUZZ_METADATA_ENTRY LLVMFuzzerTestOneInput
#endif

int FUZZ_METADATA_ENTRY(const uint8_t *data, size_t size);

int FUZZ_METADATA_ENTRY(const uint8_t *data, size_t size) {
  static FILE *sink;
  if (!sink && !(sink = fopen("/dev/null", "w"))) abort();
  char err[1024];

  /* The reader on its own: skipping a value never reads past the end. */
  mp_reader r;
  mp_init(&r, data, size);
  while (r.p < r.end && mp_skip(&r, err, sizeof err) == 0) {}

  /* The metadata parser, then the reports over what it found. */
  crk_blob b;
  crk_blob_obj obj;
  memset(&b, 0, sizeof b);
  memset(&obj, 0, sizeof obj);
  err[0] = '\0';
  if (crk_metadata_parse(&obj.co, data, size, CRK_CODEOBJ_MAX_RECORDS, err, sizeof err) != 0) {
    if (err[0] == '\0' || obj.co.kernels || obj.co.md_target) abort();
    return 0;
  }
  snprintf(obj.co.arch, sizeof obj.co.arch, "gfx1100");
  snprintf(obj.co.target_id, sizeof obj.co.target_id, "gfx1100");
  obj.where = (char *)"fuzz";
  b.format = "code object";
  b.objs = &obj;
  b.nobjs = 1;
  unsigned char sel = 1;
  crk_report_table(sink, "fuzz", &b, &sel);
  crk_report_json(sink, "fuzz", &b, &sel, NULL, NULL, 1);
  crk_report_symbols(sink, &b, &sel);
  crk_codeobj_free(&obj.co);
  return 0;
}
