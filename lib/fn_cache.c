/* fn_cache.c: see fn_cache.h. */
#include "fn_cache.h"

#include <stdlib.h>
#include <string.h>

#define INITIAL_SLOTS 256 /* the QUANTIZED module has 142 kernels: no growth */

uint64_t crk_fn_hash(const char *name) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
    h ^= *p;
    h *= 0x100000001b3ull;
  }
  return h;
}

static crk_fn_table *table_new(size_t slots) {
  crk_fn_table *t = calloc(1, sizeof *t + slots * sizeof t->slot[0]);
  if (!t) return NULL;
  t->mask = slots - 1;
  for (size_t i = 0; i < slots; i++) atomic_init(&t->slot[i], NULL);
  return t;
}

int crk_fn_cache_init(crk_fn_cache *c) {
  crk_fn_table *t = table_new(INITIAL_SLOTS);
  if (!t) return -1;
  atomic_init(&c->table, t);
  c->count = 0;
  c->retired = NULL;
  c->nretired = 0;
  return 0;
}

const crk_fn_entry *crk_fn_cache_find(const crk_fn_cache *c, const char *name, uint64_t hash) {
  crk_fn_table *t = atomic_load_explicit(&((crk_fn_cache *)c)->table, memory_order_acquire);
  for (size_t i = hash;; i++) {
    crk_fn_entry *e = atomic_load_explicit(&t->slot[i & t->mask], memory_order_acquire);
    if (!e) return NULL;
    if (e->hash == hash && strcmp(e->name, name) == 0) return e;
  }
}

/* Puts e in the first free slot of its probe sequence. */
static void place(crk_fn_table *t, crk_fn_entry *e) {
  for (size_t i = e->hash;; i++) {
    if (!atomic_load_explicit(&t->slot[i & t->mask], memory_order_relaxed)) {
      atomic_store_explicit(&t->slot[i & t->mask], e, memory_order_release);
      return;
    }
  }
}

int crk_fn_cache_insert(crk_fn_cache *c, const char *name, uint64_t hash, void *fn) {
  crk_fn_table *t = atomic_load_explicit(&c->table, memory_order_relaxed);
  size_t len = strlen(name);
  crk_fn_entry *e = malloc(sizeof *e + len + 1);
  if (!e) return -1;
  e->hash = hash;
  e->fn = fn;
  memcpy(e->name, name, len + 1);
  /* Keep the load at most one half, so probes stay short and end. */
  if ((c->count + 1) * 2 > t->mask + 1) {
    crk_fn_table **r = realloc(c->retired, (c->nretired + 1) * sizeof *r);
    crk_fn_table *nt = r ? table_new((t->mask + 1) * 2) : NULL;
    if (r) c->retired = r;
    if (!nt) {
      free(e);
      return -1;
    }
    for (size_t i = 0; i <= t->mask; i++) {
      crk_fn_entry *old = atomic_load_explicit(&t->slot[i], memory_order_relaxed);
      if (old) place(nt, old);
    }
    c->retired[c->nretired++] = t;
    atomic_store_explicit(&c->table, nt, memory_order_release);
    t = nt;
  }
  place(t, e);
  c->count++;
  return 0;
}

void crk_fn_cache_destroy(crk_fn_cache *c) {
  crk_fn_table *t = atomic_load_explicit(&c->table, memory_order_relaxed);
  if (t) {
    for (size_t i = 0; i <= t->mask; i++)
      free(atomic_load_explicit(&t->slot[i], memory_order_relaxed));
    free(t);
  }
  for (size_t i = 0; i < c->nretired; i++) free(c->retired[i]);
  free(c->retired);
  atomic_store_explicit(&c->table, NULL, memory_order_relaxed);
  c->retired = NULL;
  c->nretired = c->count = 0;
}
