/* test_loader_threads.c: 16 threads hammer lookups on 4 devices at once,
 * built with ThreadSanitizer (test_loader_threads_tsan). The fake backend
 * counts runtime calls, so "loaded exactly once per device" and "resolved
 * exactly once per (device, kernel)" are asserted, not assumed. */
#include "check.h"
#include "fake_backend.h"

#include "candle_rocm_kernels.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 16
#define DEVICES 4
#define NAMES 200 /* past half of the cache's first table: it grows under readers */
#define ROUNDS 20

static char names[NAMES][24];
static crk_module *mod;
static pthread_barrier_t barrier;
static atomic_int wrong_handle, failed, got_runtime_error;
static char first_error[256];
static atomic_flag first_error_taken = ATOMIC_FLAG_INIT;

static void note_failure(crk_status s) {
  atomic_fetch_add(&failed, 1);
  if (!atomic_flag_test_and_set(&first_error_taken))
    snprintf(first_error, sizeof first_error, "%s: %s", crk_status_string(s), crk_last_error());
}

/* Every thread walks all (device, name) pairs in its own order. */
static void *hammer(void *arg) {
  int t = (int)(intptr_t)arg;
  pthread_barrier_wait(&barrier);
  for (int r = 0; r < ROUNDS; r++) {
    for (int i = 0; i < NAMES; i++) {
      int n = (i * 7 + t * 13) % NAMES, d = (i + t + r) % DEVICES;
      void *f = NULL;
      crk_status s = crk_module_function(mod, d, names[n], &f);
      if (s != CRK_OK) note_failure(s);
      else if (f != fake_function_handle(d, names[n])) atomic_fetch_add(&wrong_handle, 1);
    }
  }
  return NULL;
}

static void run_threads(void *(*fn)(void *)) {
  pthread_t th[THREADS];
  pthread_barrier_init(&barrier, NULL, THREADS);
  for (int t = 0; t < THREADS; t++) pthread_create(&th[t], NULL, fn, (void *)(intptr_t)t);
  for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
  pthread_barrier_destroy(&barrier);
}

static void reset_counts(void) {
  atomic_store(&wrong_handle, 0);
  atomic_store(&failed, 0);
  atomic_store(&got_runtime_error, 0);
  atomic_flag_clear(&first_error_taken);
  first_error[0] = '\0';
}

/* One platform's blob: every (device, name) resolved once, loaded once. */
static void hammer_blob(const char *label, const crk_backend *backend, const void *blob, size_t len,
                        const char *arch0, const char *arch1) {
  char name[160];
  fake_reset(DEVICES, arch0);
  for (int d = 1; d < DEVICES; d += 2) snprintf(fake.arch[d], sizeof fake.arch[d], "%s", arch1);
  fake.load_delay_us = 2000; /* every thread arrives while the load is under way */
  crk_backend_set(backend);
  reset_counts();
  if (crk_module_open(blob, len, &mod) != CRK_OK) {
    CHECK(0, label, "open: %s", crk_last_error());
    return;
  }
  run_threads(hammer);
  snprintf(name, sizeof name, "%s: %d threads x %d lookups, all succeed with the right handle", label, THREADS,
           ROUNDS * NAMES);
  CHECK(failed == 0 && wrong_handle == 0, name, "%d failed (%s), %d wrong handles", failed, first_error,
        wrong_handle);
  int once = fake.init_calls == 1, resolved = 1;
  for (int d = 0; d < DEVICES; d++) {
    once = once && fake.load_calls[d] == 1;
    resolved = resolved && fake.function_calls[d] == NAMES;
  }
  snprintf(name, sizeof name, "%s: runtime started once, module loaded exactly once per device", label);
  CHECK(once, name, "init %d, loads %d %d %d %d", fake.init_calls, fake.load_calls[0], fake.load_calls[1],
        fake.load_calls[2], fake.load_calls[3]);
  snprintf(name, sizeof name, "%s: each kernel resolved by the runtime exactly once per device (%d)", label, NAMES);
  CHECK(resolved, name, "runtime lookups %d %d %d %d", fake.function_calls[0], fake.function_calls[1],
        fake.function_calls[2], fake.function_calls[3]);
  crk_module_close(mod);
  int unloaded = fake.live_modules == 0 && fake.misuse == 0;
  for (int d = 0; d < DEVICES; d++) unloaded = unloaded && fake.unload_calls[d] == 1;
  snprintf(name, sizeof name, "%s: close unloads each device's module once", label);
  CHECK(unloaded, name, "live %d, misuse %d, unloads %d %d %d %d", fake.live_modules, fake.misuse,
        fake.unload_calls[0], fake.unload_calls[1], fake.unload_calls[2], fake.unload_calls[3]);
}

/* All threads race for the first load, which fails once. */
static void *race_first_load(void *arg) {
  (void)arg;
  void *f;
  pthread_barrier_wait(&barrier);
  crk_status s = crk_module_function(mod, 0, names[0], &f);
  if (s == CRK_ERR_RUNTIME) atomic_fetch_add(&got_runtime_error, 1);
  else if (s != CRK_OK) note_failure(s);
  else if (f != fake_function_handle(0, names[0])) atomic_fetch_add(&wrong_handle, 1);
  return NULL;
}

static void test_failed_load_race(const void *blob, size_t len, const char *arch) {
  fake_reset(1, arch);
  fake.load_delay_us = 2000;
  atomic_store(&fake.fail_loads, 1);
  crk_backend_set(&fake_backend_amd);
  reset_counts();
  if (crk_module_open(blob, len, &mod) != CRK_OK) {
    CHECK(0, "failed load race: open", "%s", crk_last_error());
    return;
  }
  run_threads(race_first_load);
  CHECK(got_runtime_error == 1 && failed == 0 && wrong_handle == 0 && fake.load_calls[0] == 2 &&
            fake.live_modules == 1,
        "16 threads race a first load that fails: one sees the error, the next load succeeds for the rest",
        "errors %d, other failures %d (%s), loads %d, live %d", got_runtime_error, failed, first_error,
        fake.load_calls[0], fake.live_modules);
  crk_module_close(mod);
  CHECK(fake.unload_calls[0] == 1 && fake.live_modules == 0, "failed load race: one unload at close",
        "unloads %d", fake.unload_calls[0]);
}

/* Threads open, use and close the same blob concurrently: the registry
 * keeps one module while any reference lives. */
static const void *shared_blob;
static size_t shared_len;
static void *open_use_close(void *arg) {
  int t = (int)(intptr_t)arg;
  pthread_barrier_wait(&barrier);
  for (int i = 0; i < 20; i++) {
    crk_module *m = NULL;
    void *f = NULL;
    crk_status s = crk_module_open(shared_blob, shared_len, &m);
    if (s == CRK_OK) s = crk_module_function(m, (t + i) % DEVICES, names[i], &f);
    if (s != CRK_OK) note_failure(s);
    else if (f != fake_function_handle((t + i) % DEVICES, names[i])) atomic_fetch_add(&wrong_handle, 1);
    crk_module_close(m); /* NULL when open failed: a no-op */
  }
  return NULL;
}

static void test_open_close_race(const void *blob, size_t len, const char *arch) {
  fake_reset(DEVICES, arch);
  crk_backend_set(&fake_backend_amd);
  reset_counts();
  shared_blob = blob;
  shared_len = len;
  run_threads(open_use_close);
  int balanced = fake.live_modules == 0 && fake.misuse == 0;
  for (int d = 0; d < DEVICES; d++) balanced = balanced && fake.load_calls[d] == fake.unload_calls[d];
  CHECK(failed == 0 && wrong_handle == 0 && balanced,
        "16 threads open, look up and close the same blob at once: every load unloaded once",
        "%d failed (%s), %d wrong, live %d, misuse %d, loads/unloads d0 %d/%d", failed, first_error, wrong_handle,
        fake.live_modules, fake.misuse, fake.load_calls[0], fake.unload_calls[0]);
}

int main(void) {
  for (int i = 0; i < NAMES; i++) snprintf(names[i], sizeof names[i], "kernel_%03d", i);

  /* AMD: a bundle for two archs whose code objects carry no symbols, so every
   * name reaches the fake runtime; devices alternate between the archs. */
  size_t sz[2], len;
  unsigned char *objs[2] = {fake_amd_elf(0x41, 0, &sz[0]), fake_amd_elf(0x3f, 0x500, &sz[1])};
  const char *ids[] = {"hipv4-amdgcn-amd-amdhsa--gfx1100", "hipv4-amdgcn-amd-amdhsa--gfx90a"};
  unsigned char *bundle = fake_bundle(2, ids, (const unsigned char *const *)objs, sz, &len);
  hammer_blob("AMD bundle", &fake_backend_amd, bundle, len, "gfx1100", "gfx90a:sramecc+:xnack-");

  /* NVIDIA: PTX, the driver's business. */
  static const char ptx[] = ".version 8.0\n.target sm_90\n.address_size 64\n";
  hammer_blob("NVIDIA PTX", &fake_backend_nvidia, ptx, sizeof ptx, "sm_90", "sm_90");

  test_failed_load_race(bundle, len, "gfx1100");
  test_open_close_race(bundle, len, "gfx1100");

  crk_backend_set(NULL);
  free(bundle);
  free(objs[0]);
  free(objs[1]);
  CHECK_EXIT();
}
