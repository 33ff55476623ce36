/* cases.h: gpu_test's cases (gpu_test.c), as its runner (runner.c) drives
 * them: one kernel at a time, inside a child process that may die with it. */
#ifndef CRK_GPU_CASES_H
#define CRK_GPU_CASES_H

#include "candle_rocm_kernels.h"
#include "kernels.h"

#include <stddef.h>

/* The lines printed for one kernel, by outcome. */
typedef struct {
  int ok, fail, skip;
} case_tally;

/* small_shapes: the emulator-sized cases of --small (and the host limits
 * that make their edge cases happen at those sizes). Before any kernel. */
void cases_setup(int small_shapes);

/* Loads GGML's vectors (testdata/ggml under $CRK_DATA): the number of
 * cases, or 0 with why_len bytes of reason in why. cases_unload frees them. */
int cases_load(char *why, size_t why_len);
void cases_unload(void);

/* Looks kernel k up in m for device and runs every case of its family, one
 * line each; a kernel the module lacks is one SKIP line, a failed lookup
 * one FAIL line. say_lookup_time: print the lookup's time first (the first
 * lookup loads the module). */
case_tally cases_kernel(crk_module *m, int device, const kernel_desc *k, int say_lookup_time);

#endif
