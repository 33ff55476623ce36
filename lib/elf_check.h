/* elf_check.h: the loader's checks of a GPU code object (an ELF64 file)
 * before a runtime sees it, and what it reads from one: target, code object
 * version, dynamic symbols. The layout is read by the format layer's ELF
 * reader (format/elf_view.h).
 *
 * No allocation: everything reads the caller's bytes, and every offset and
 * size is checked against them first, so a truncated or corrupt object is
 * rejected with a reason instead of being read out of bounds.
 */
#ifndef CRK_ELF_CHECK_H
#define CRK_ELF_CHECK_H

#include "backend.h"
#include "elf_view.h" /* CRK_EM_AMDGPU */

#include <stddef.h>

#define CRK_EM_CUDA 190

/* Validates a 64-bit little-endian ELF for the given machine: the header, the
 * program and section header tables and every section's bytes lie inside the
 * n bytes. Returns 0, or -1 with a reason in err. */
int crk_elf_check(const unsigned char *p, size_t n, int machine, char *err,
                  size_t errlen) CRK_INTERNAL;

/* The target ID an AMDGPU code object was built for, from e_flags:
 * "gfx90a:xnack-" (features given only where the object pins them). Returns
 * 0, or -1 for a processor this loader does not know. p must have passed
 * crk_elf_check. */
int crk_elf_amdgpu_target(const unsigned char *p, size_t n, char *buf,
                          size_t len) CRK_INTERNAL;

/* The code object version (3 to 6) of an AMDGPU code object, from its ELF
 * ABI version, or -1 when that is not one of them. */
int crk_elf_amdgpu_co_version(const unsigned char *p, size_t n) CRK_INTERNAL;

/* Rewrites the processor (EF_AMDGPU_MACH) of an AMDGPU code object in
 * place, keeping its feature bits: how the loader hands an ISA-compatible
 * processor's code to a device (gfx1030 code marked gfx1031), which is what
 * HSA_OVERRIDE_GFX_VERSION does for a whole process. Only for specific
 * processors (not generic targets). Returns 0, or -1 for an unknown
 * processor or a header too short. */
int crk_elf_amdgpu_set_processor(unsigned char *p, size_t n, const char *processor) CRK_INTERNAL;

/* The SM number (90 for sm_90) a CUDA cubin was built for, or -1. */
int crk_elf_cuda_sm(const unsigned char *p, size_t n) CRK_INTERNAL;

/* Looks name up among the dynamic symbols: 1 found, 0 absent, -1 when the
 * object has no dynamic symbol table (nothing can be said). p must have
 * passed crk_elf_check. */
int crk_elf_has_dynsym(const unsigned char *p, size_t n, const char *name) CRK_INTERNAL;

#endif
