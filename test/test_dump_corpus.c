/* test_dump_corpus.c: the fuzz corpus (test/fuzz/corpus/), replayed through
 * the fuzz targets' own entry points in every `make test`: each input that
 * ever found new code in the parsers runs again under ASan and UBSan, with
 * no libFuzzer needed. */
#define FUZZ_BLOB_ENTRY fuzz_blob_one
#define FUZZ_METADATA_ENTRY fuzz_metadata_one
#include "fuzz/fuzz_blob.c"
#include "fuzz/fuzz_metadata.c"

#include "check.h"
#include "test_dump_util.h"

#include <dirent.h>

static void replay(const char *dir, int (*entry)(const uint8_t *, size_t)) {
  DIR *d = opendir(dir);
  char what[256];
  snprintf(what, sizeof what, "corpus: %s replays without a fault", dir);
  if (!d) {
    CHECK(0, what, "cannot open %s", dir);
    return;
  }
  size_t n = 0, bytes = 0, unreadable = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    size_t len;
    unsigned char *data = dump_read_file(path, &len);
    if (!data) {
      unreadable++;
      continue;
    }
    entry(data, len); /* a fault aborts the program: the runner reports it */
    free(data);
    n++;
    bytes += len;
  }
  closedir(d);
  snprintf(what, sizeof what, "corpus: %s: %zu inputs (%zu bytes) replay without a fault", dir, n, bytes);
  CHECK(n > 0 && unreadable == 0, what, "%zu inputs, %zu unreadable", n, unreadable);
}

int main(void) {
  replay("test/fuzz/corpus/blob", fuzz_blob_one);
  replay("test/fuzz/corpus/metadata", fuzz_metadata_one);
  CHECK_EXIT();
}
