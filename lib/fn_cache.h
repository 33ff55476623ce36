/* fn_cache.h: kernel name -> function handle, read without locks.
 *
 * An open-addressing hash table whose slots are atomic pointers to entries
 * that never change once published. Readers take no lock: they load the
 * table and its slots with acquire ordering and see either nothing or a
 * finished entry. Writers (inserts) must be serialized by the caller; an
 * insert that grows the table publishes a new one and keeps the old one
 * alive until the cache is destroyed, since a reader may still be in it.
 * Entries are never removed: a module's kernels stay until it is closed.
 */
#ifndef CRK_FN_CACHE_H
#define CRK_FN_CACHE_H

#include "backend.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint64_t hash;
  void *fn;
  char name[]; /* NUL-terminated */
} crk_fn_entry;

typedef struct crk_fn_table {
  size_t mask; /* slots - 1, slots a power of two */
  _Atomic(crk_fn_entry *) slot[];
} crk_fn_table;

typedef struct {
  _Atomic(crk_fn_table *) table;
  size_t count;            /* entries; writers only */
  crk_fn_table **retired;  /* outgrown tables; writers only */
  size_t nretired;
} crk_fn_cache;

/* FNV-1a of the name. */
uint64_t crk_fn_hash(const char *name) CRK_HIDDEN;

/* 0, or -1 when out of memory. */
int crk_fn_cache_init(crk_fn_cache *c) CRK_HIDDEN;

/* The entry for name (hash = crk_fn_hash(name)), or NULL. Lock-free. */
const crk_fn_entry *crk_fn_cache_find(const crk_fn_cache *c, const char *name,
                                      uint64_t hash) CRK_HIDDEN;

/* Adds name -> fn (name not yet present). Writers must hold a lock.
 * 0, or -1 when out of memory (the cache is then unchanged). */
int crk_fn_cache_insert(crk_fn_cache *c, const char *name, uint64_t hash, void *fn) CRK_HIDDEN;

/* Frees every entry and table. No reader may be left. */
void crk_fn_cache_destroy(crk_fn_cache *c) CRK_HIDDEN;

#endif
