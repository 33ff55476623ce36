/* backend.c: which backend is in use, and starting it once. */
#include "backend.h"

#include <pthread.h>
#include <stdatomic.h>

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(const crk_backend *) current; /* NULL: the built-in one */
static atomic_int ready;

const crk_backend *crk_backend_current(void) {
  const crk_backend *b = atomic_load_explicit(&current, memory_order_acquire);
  return b ? b : crk_backend_builtin();
}

void crk_backend_set(const crk_backend *b) {
  pthread_mutex_lock(&init_lock);
  atomic_store_explicit(&current, b, memory_order_release);
  atomic_store_explicit(&ready, 0, memory_order_release);
  pthread_mutex_unlock(&init_lock);
}

crk_status crk_backend_ready(const crk_backend **out, char *err, size_t errlen) {
  const crk_backend *b = crk_backend_current();
  *out = b;
  if (atomic_load_explicit(&ready, memory_order_acquire)) return CRK_OK;
  /* Not once-only: a failed start (no runtime, no device) is tried again by
   * a later call, and never leaves a half-started backend marked ready. */
  pthread_mutex_lock(&init_lock);
  crk_status s = CRK_OK;
  if (!atomic_load_explicit(&ready, memory_order_relaxed)) {
    s = b->init(err, errlen);
    if (s == CRK_OK) atomic_store_explicit(&ready, 1, memory_order_release);
  }
  pthread_mutex_unlock(&init_lock);
  return s;
}
