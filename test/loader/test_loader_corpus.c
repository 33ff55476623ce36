/* test_loader_corpus.c: the loader's fuzz corpus (test/fuzz/corpus/loader),
 * replayed through fuzz_loader's own entry point in every `make test`, under
 * ASan and UBSan, with no libFuzzer needed. */
#define FUZZ_LOADER_ENTRY fuzz_loader_one
#include "fuzz/fuzz_loader.c"
#include "fuzz/replay.h"

int main(void) {
  fuzz_replay("test/fuzz/corpus/loader", fuzz_loader_one);
  CHECK_EXIT();
}
