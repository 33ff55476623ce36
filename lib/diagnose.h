/* diagnose.h: the loader's messages when a device gets no code object:
 * what the blob holds, what the device is, what differs, and what to do
 * (rebuild with which ARCH, turn on the ISA fallback, or the build's code
 * object version). Each sets the thread's last error (crk_fail) and returns
 * CRK_ERR_ARCH_MISSING. */
#ifndef CRK_DIAGNOSE_H
#define CRK_DIAGNOSE_H

#include "module_blob.h"

/* `who` ("device 2", "a device") is `arch`, which no code object of the
 * module `name` (its blob `info`) serves; isa_fallback says whether the
 * loader's ISA fallback is on (when off, the nearest compatible code
 * object is named). */
crk_status crk_diagnose_arch_missing(const crk_ldr_blob *info, const char *name, const char *who,
                                     const char *arch, int isa_fallback) CRK_HIDDEN;

/* The runtime answered "no binary for this GPU" for code object t, which
 * the loader picked for device (arch, parsed into dev) by target ID: says
 * which features its e_flags pin otherwise, or that the runtime refused it
 * as is (a code object version it does not load). */
crk_status crk_diagnose_runtime_refused(const char *name, int device, const char *arch,
                                        const crk_target_id *dev, const crk_ldr_blob_target *t,
                                        const char *runtime_err) CRK_HIDDEN;

#endif
