/* elf_check.h: what the loader reads from, and does to, a GPU code object
 * (an ELF64 file) it has vetted (format/elf_view.h's crk_elf_view_vet, the
 * same rules crk-dump applies): CUDA SM number, dynamic symbols, the
 * processor rewritten for the ISA fallback. The target and code object
 * version come from format/target_pick.h's e_flags decoder.
 *
 * No allocation: everything reads the caller's bytes, and every offset and
 * size is checked against them first, so a truncated or corrupt object is
 * rejected with a reason instead of being read out of bounds.
 */
#ifndef CRK_ELF_CHECK_H
#define CRK_ELF_CHECK_H

#include "backend.h"
#include "elf_view.h" /* CRK_EM_AMDGPU, CRK_EM_CUDA, crk_elf_view_vet */

#include <stddef.h>

/* Rewrites the processor (EF_AMDGPU_MACH) of an AMDGPU code object in
 * place, keeping its feature bits: how the loader hands an ISA-compatible
 * processor's code to a device (gfx1030 code marked gfx1031), which is what
 * HSA_OVERRIDE_GFX_VERSION does for a whole process. Only for specific
 * processors (not generic targets). Returns 0, or -1 for an unknown
 * processor or a header too short. */
int crk_elf_amdgpu_set_processor(unsigned char *p, size_t n, const char *processor) CRK_HIDDEN;

/* The SM number (90 for sm_90) a CUDA cubin was built for, or -1. */
int crk_elf_cuda_sm(const unsigned char *p, size_t n) CRK_HIDDEN;

/* Looks name up among the dynamic symbols: 1 found, 0 absent, -1 when the
 * object has no dynamic symbol table (nothing can be said). p must have
 * passed crk_elf_view_vet. */
int crk_elf_has_dynsym(const unsigned char *p, size_t n, const char *name) CRK_HIDDEN;

#endif
