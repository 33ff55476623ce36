/* version.c: crk_version(), the library's own version (mk/version.mk makes
 * the macro from the VERSION file). */
#include "candle_rocm_kernels.h"

const char *crk_version(void) { return CRK_VERSION_STRING; }
