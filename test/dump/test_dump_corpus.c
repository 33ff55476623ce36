/* test_dump_corpus.c: crk-dump's fuzz corpora (test/fuzz/corpus/blob and
 * metadata), replayed through the fuzz targets' own entry points in every
 * `make test`: each input that ever found new code in the parsers runs
 * again under ASan and UBSan, with no libFuzzer needed. */
#define FUZZ_BLOB_ENTRY fuzz_blob_one
#define FUZZ_METADATA_ENTRY fuzz_metadata_one
#include "fuzz/fuzz_blob.c"
#include "fuzz/fuzz_metadata.c"
#include "fuzz/replay.h"

int main(void) {
  fuzz_replay("test/fuzz/corpus/blob", fuzz_blob_one);
  fuzz_replay("test/fuzz/corpus/metadata", fuzz_metadata_one);
  CHECK_EXIT();
}
