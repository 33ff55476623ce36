/* error.h: the status names and each thread's last error message. */
#ifndef CRK_ERROR_H
#define CRK_ERROR_H

#include "backend.h"

/* Longest message kept; longer ones are cut. */
#define CRK_ERROR_MAX 1024

/* Formats the calling thread's last error and returns s (never CRK_OK). */
crk_status crk_fail(crk_status s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3))) CRK_HIDDEN;

#endif
