/* builtin_nvidia.c: the NVIDIA build loads through the CUDA driver API. */
#include "backend.h"

const crk_backend *crk_backend_builtin(void) { return &crk_backend_cuda; }
