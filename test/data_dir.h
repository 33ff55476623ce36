/* data_dir.h: where the tests and the GPU harness find the spec (spec/) and
 * GGML's vectors (testdata/ggml/), both kept in this repository.
 *
 * $CRK_DATA when set (make sets it to the repository root, so a program works
 * from any directory make runs it in), else "." : a program run by hand from
 * the repository root needs no variable. */
#ifndef CRK_TEST_DATA_DIR_H
#define CRK_TEST_DATA_DIR_H

#include <stdlib.h>

static inline const char *crk_data_dir(void) {
  const char *d = getenv("CRK_DATA");
  return d && *d ? d : ".";
}

#endif
