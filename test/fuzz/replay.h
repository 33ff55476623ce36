/* replay.h: runs every file of a fuzz corpus directory through a fuzz
 * target's entry point, as one check; the corpus tests (test_*_corpus.c)
 * use it so that `make test` replays each corpus with no libFuzzer. A
 * fault aborts the program, which the test runner reports. */
#ifndef CRK_FUZZ_REPLAY_H
#define CRK_FUZZ_REPLAY_H

#include "check.h"
#include "test_dump_util.h"

#include <dirent.h>
#include <stdint.h>

static void fuzz_replay(const char *dir, int (*entry)(const uint8_t *, size_t)) {
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
    entry(data, len);
    free(data);
    n++;
    bytes += len;
  }
  closedir(d);
  snprintf(what, sizeof what, "corpus: %s: %zu inputs (%zu bytes) replay without a fault", dir, n, bytes);
  CHECK(n > 0 && unreadable == 0, what, "%zu inputs, %zu unreadable", n, unreadable);
}

#endif
