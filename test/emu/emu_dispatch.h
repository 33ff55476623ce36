/* emu_dispatch.h: one kernel launch, run in tinygrad's AMD ISA emulator.
 *
 * Does what the HIP runtime and the command processor do for a dispatch:
 * the kernel argument segment (explicit arguments at the metadata note's
 * offsets, hidden ones filled as the runtime fills them), the dispatch
 * packet, the initial user SGPRs the descriptor enables, the LDS size in
 * the form the emulator reads; then hands the wave launch to the emulator
 * through embedded Python (test/emu/emu_glue.py). The emulator is found at
 * $TINYGRAD (a checkout with ../shared/emu's patch and ours applied).
 */
#ifndef CRK_EMU_DISPATCH_H
#define CRK_EMU_DISPATCH_H

#include "emu_module.h"

#include <stddef.h>

/* The emulator's name for a processor's ISA ("cdna", "rdna3", "rdna4"), or
 * NULL when it has none (gfx10: RDNA1/2). */
const char *emu_isa_of(const char *processor);

/* Runs kernel k over grid x block (in workgroups and work-items) with the
 * host's argument pointers. 0, or -1 with the reason in err. */
int emu_dispatch(const emu_kernel *k, const char *processor, const unsigned grid[3],
                 const unsigned block[3], void **args, char *err, size_t errlen);

#endif
