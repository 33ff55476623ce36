/* builtin_amd.c: the AMD build loads through the HIP runtime. */
#include "backend.h"

const crk_backend *crk_backend_builtin(void) { return &crk_backend_hip; }
