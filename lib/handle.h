/* handle.h: the crk_module handles callers hold, one per open.
 *
 * Openers of the same blob share one module (loaded once per device), so
 * if a handle were a pointer to that module, one caller's extra close would
 * free it under another caller, and any use after close would read freed
 * memory. A handle instead names a slot of a table and the slot's
 * generation: it is never dereferenced as a pointer, the slots are never
 * freed (a closed one is reused by a later open, with a new generation),
 * so a closed, twice-closed or made-up handle is recognised and refused.
 *
 * A handle is (generation << CRK_HANDLE_BITS | slot + 1) cast to a pointer:
 * never NULL, CRK_HANDLE_MAX handles open at once, and a slot's generation
 * wraps after 2^44 reuses (2^12 where pointers are 32 bits wide).
 *
 * Thread safety: new and close take the table's lock; get takes none (a
 * handle's slot is read with acquire loads). A get racing with the close of
 * the same handle is the caller's misuse, as the public header says; with
 * the close of any other handle it is safe.
 */
#ifndef CRK_HANDLE_H
#define CRK_HANDLE_H

#include "backend.h"

#define CRK_HANDLE_BITS 20
#define CRK_HANDLE_MAX (((size_t)1 << CRK_HANDLE_BITS) - 1) /* slot + 1 fits the bits */

/* A new handle for target (not NULL) in *out. 0, or -1 when out of memory
 * or when CRK_HANDLE_MAX handles are open. */
int crk_handle_new(void *target, crk_module **out) CRK_HIDDEN;

/* The target of an open handle, or NULL for one that is not open. */
void *crk_handle_get(const crk_module *h) CRK_HIDDEN;

/* Closes an open handle and returns its target; NULL (and nothing
 * changes) for a handle that is not open, such as one closed already. */
void *crk_handle_close(crk_module *h) CRK_HIDDEN;

#endif
