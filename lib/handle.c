/* handle.c: see handle.h. */
#include "handle.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#define SLOT_BITS CRK_HANDLE_BITS
#define CHUNK_BITS 10 /* slots are allocated 1024 at a time, when needed */
#define CHUNK_SLOTS ((size_t)1 << CHUNK_BITS)
#define NCHUNKS ((size_t)1 << (SLOT_BITS - CHUNK_BITS))
#define SLOT_MASK (((uintptr_t)1 << SLOT_BITS) - 1)
#define GEN_MASK (UINTPTR_MAX >> SLOT_BITS)

typedef struct {
  atomic_uintptr_t gen;   /* bumped by each close: older handles stop matching */
  _Atomic(void *) target; /* non-NULL while open */
  size_t next_free;       /* free list link (slot + 1, 0 ends it); under the lock */
} slot;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(slot *) chunks[NCHUNKS]; /* never freed: stale handles read them */
static size_t used;                     /* slots ever handed out; under the lock */
static size_t free_head;                /* slot + 1 of the first free one, or 0 */

static slot *slot_at(size_t i) {
  slot *c = atomic_load_explicit(&chunks[i >> CHUNK_BITS], memory_order_acquire);
  return c ? &c[i & (CHUNK_SLOTS - 1)] : NULL;
}

/* The slot a handle names, with the generation it carries; NULL when the
 * handle cannot be one of ours. */
static slot *decode(const crk_module *h, uintptr_t *gen) {
  uintptr_t v = (uintptr_t)h;
  if ((v & SLOT_MASK) == 0) return NULL;
  *gen = v >> SLOT_BITS;
  return slot_at((size_t)(v & SLOT_MASK) - 1);
}

int crk_handle_new(void *target, crk_module **out) {
  pthread_mutex_lock(&lock);
  size_t i;
  if (free_head) {
    i = free_head - 1;
    free_head = slot_at(i)->next_free;
  } else if (used < CRK_HANDLE_MAX) {
    i = used;
    if (!atomic_load_explicit(&chunks[i >> CHUNK_BITS], memory_order_relaxed)) {
      slot *c = calloc(CHUNK_SLOTS, sizeof *c);
      if (!c) {
        pthread_mutex_unlock(&lock);
        return -1;
      }
      atomic_store_explicit(&chunks[i >> CHUNK_BITS], c, memory_order_release);
    }
    used++;
  } else {
    pthread_mutex_unlock(&lock);
    return -1;
  }
  slot *s = slot_at(i);
  uintptr_t gen = atomic_load_explicit(&s->gen, memory_order_relaxed);
  atomic_store_explicit(&s->target, target, memory_order_release);
  pthread_mutex_unlock(&lock);
  *out = (crk_module *)((gen << SLOT_BITS) | (uintptr_t)(i + 1));
  return 0;
}

void *crk_handle_get(const crk_module *h) {
  uintptr_t gen;
  slot *s = decode(h, &gen);
  if (!s || atomic_load_explicit(&s->gen, memory_order_acquire) != gen) return NULL;
  return atomic_load_explicit(&s->target, memory_order_acquire);
}

void *crk_handle_close(crk_module *h) {
  uintptr_t gen;
  pthread_mutex_lock(&lock);
  slot *s = decode(h, &gen);
  void *target = NULL;
  if (s && atomic_load_explicit(&s->gen, memory_order_relaxed) == gen) {
    target = atomic_load_explicit(&s->target, memory_order_relaxed);
    if (target) {
      atomic_store_explicit(&s->target, NULL, memory_order_relaxed);
      atomic_store_explicit(&s->gen, (gen + 1) & GEN_MASK, memory_order_release);
      s->next_free = free_head;
      free_head = (size_t)((uintptr_t)h & SLOT_MASK);
    }
  }
  pthread_mutex_unlock(&lock);
  return target;
}
