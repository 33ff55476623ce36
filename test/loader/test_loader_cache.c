/* test_loader_cache.c: the loader's promises, checked by counting the calls
 * a fake backend receives: one load per (blob, device), one runtime lookup
 * per (device, kernel), one unload per load; errors that name what failed;
 * nothing cached by a failure, so a later call retries. */
#include "check.h"
#include "fake_backend.h"

#include "../lib/handle.h"
#include "bundle.h"
#include "candle_rocm_kernels.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int contains(const char *s, const char *sub) { return strstr(s, sub) != NULL; }

/* The AMD blob to test with: QUANTIZED in the AMD build, else a synthetic
 * bundle of two archs (its code objects have no symbols, so any kernel name
 * reaches the fake). */
static const unsigned char *blob;
static size_t blob_len;
static const char *blob_arch;      /* an arch the blob holds (processor only) */
static const char *kernel = "quantize_q8_1";

static void pick_blob(void) {
  static char proc[64];
  if (crk_is_bundle(QUANTIZED, QUANTIZED_LEN)) {
    blob = QUANTIZED;
    blob_len = QUANTIZED_LEN;
    snprintf(proc, sizeof proc, "%s", QUANTIZED_ARCHS[0].arch);
  } else {
    size_t sz[2];
    unsigned char *objs[2] = {fake_amd_elf(0x41, 0, &sz[0]), fake_amd_elf(0x3f, 0x500, &sz[1])};
    const char *ids[] = {"hipv4-amdgcn-amd-amdhsa--gfx1100", "hipv4-amdgcn-amd-amdhsa--gfx90a"};
    blob = fake_bundle(2, ids, (const unsigned char *const *)objs, sz, &blob_len);
    snprintf(proc, sizeof proc, "gfx1100");
    free(objs[0]);
    free(objs[1]);
  }
  proc[strcspn(proc, ":")] = '\0';
  blob_arch = proc;
}

static void test_load_once(void) {
  char arch[96];
  /* The device reports its features; the blob's plain processor fits. */
  snprintf(arch, sizeof arch, "%s:sramecc+:xnack-", blob_arch);
  fake_reset(4, arch);
  crk_backend_set(&fake_backend_amd);

  crk_module *m;
  crk_status s = crk_module_open(blob, blob_len, &m);
  CHECK(s == CRK_OK, "open", "%s", crk_last_error());
  if (s != CRK_OK) return;
  CHECK(fake.init_calls == 0 && fake.load_calls[0] == 0, "open makes no runtime call", "init %d, load %d",
        fake.init_calls, fake.load_calls[0]);

  void *f0 = NULL, *f;
  s = crk_module_function(m, 0, kernel, &f0);
  CHECK(s == CRK_OK && f0 == fake_function_handle(0, kernel), "first lookup returns the runtime's handle", "%s: %s",
        crk_status_string(s), crk_last_error());
  CHECK(fake.init_calls == 1 && fake.load_calls[0] == 1 && fake.function_calls[0] == 1,
        "first lookup: one init, one load, one runtime lookup", "init %d, load %d, lookups %d", fake.init_calls,
        fake.load_calls[0], fake.function_calls[0]);

  /* The code object handed to the runtime is the device's, not the bundle. */
  {
    const void *img = atomic_load(&fake.loaded_image[0]);
    int ok = img != blob && (const unsigned char *)img > blob && (const unsigned char *)img < blob + blob_len &&
             memcmp(img, "\177ELF", 4) == 0;
    if (blob == QUANTIZED) ok = ok && img == QUANTIZED_ARCHS[0].data;
    CHECK(ok, "the runtime gets the code object picked for the device's arch", "image %p, blob %p", img,
          (const void *)blob);
  }

  int same = 1;
  for (int i = 0; i < 1000; i++) {
    s = crk_module_function(m, 0, kernel, &f);
    same = same && s == CRK_OK && f == f0;
  }
  CHECK(same && fake.load_calls[0] == 1 && fake.function_calls[0] == 1 && fake.init_calls == 1,
        "1000 repeated lookups: same handle, no runtime call", "load %d, lookups %d", fake.load_calls[0],
        fake.function_calls[0]);

  /* Another device: its own load and handle. */
  void *f1;
  s = crk_module_function(m, 1, kernel, &f1);
  CHECK(s == CRK_OK && f1 == fake_function_handle(1, kernel) && f1 != f0 && fake.load_calls[1] == 1 &&
            fake.load_calls[0] == 1,
        "device 1: loaded once there, its own handle", "%s, load %d/%d", crk_last_error(), fake.load_calls[0],
        fake.load_calls[1]);

  /* Opening the same blob again gives a handle of its own to the same
   * module: still one load. */
  crk_module *m2;
  s = crk_module_open(blob, blob_len, &m2);
  CHECK(s == CRK_OK && m2 != m, "the same blob opened twice: two handles", "%p vs %p", (void *)m2, (void *)m);
  s = crk_module_function(m2, 0, kernel, &f);
  CHECK(s == CRK_OK && f == f0 && fake.load_calls[0] == 1, "lookup through the second open: cache hit",
        "load %d", fake.load_calls[0]);
  s = crk_module_close(m2);
  CHECK(s == CRK_OK && fake.unload_calls[0] == 0 && fake.live_modules == 2, "closing one of two opens unloads nothing",
        "unloads %d, live %d", fake.unload_calls[0], fake.live_modules);
  s = crk_module_function(m, 0, kernel, &f);
  CHECK(s == CRK_OK && f == f0, "the module still works after the other close", "%s", crk_last_error());

  /* That caller's mistakes: an error each, and the other opener's module
   * stays loaded and working (before handles, a second close freed it). */
  s = crk_module_close(m2);
  CHECK(s == CRK_ERR_INVALID_ARG && contains(crk_last_error(), "crk_module_close: module handle") &&
            contains(crk_last_error(), "is not open (closed already"),
        "closing a handle twice: CRK_ERR_INVALID_ARG, says so", "%s: %s", crk_status_string(s), crk_last_error());
  s = crk_module_function(m2, 0, kernel, &f);
  CHECK(s == CRK_ERR_INVALID_ARG && contains(crk_last_error(), "crk_module_function: module handle"),
        "a lookup through a closed handle: CRK_ERR_INVALID_ARG", "%s: %s", crk_status_string(s), crk_last_error());
  char archs[256];
  CHECK(crk_module_archs(m2, archs, sizeof archs) == CRK_ERR_INVALID_ARG &&
            crk_module_check_device(m2, 0) == CRK_ERR_INVALID_ARG && contains(crk_last_error(), "is not open"),
        "crk_module_archs and crk_module_check_device refuse a closed handle", "%s", crk_last_error());
  s = crk_module_function(m, 0, kernel, &f);
  CHECK(s == CRK_OK && f == f0 && fake.unload_calls[0] == 0 && fake.live_modules == 2,
        "after the other caller's double close the module is still loaded and works", "%s, unloads %d, live %d",
        crk_last_error(), fake.unload_calls[0], fake.live_modules);

  /* A closed handle stays refused when its slot serves a new open. */
  crk_module *m3;
  s = crk_module_open(blob, blob_len, &m3);
  CHECK(s == CRK_OK && m3 != m2 && crk_module_close(m2) == CRK_ERR_INVALID_ARG && crk_module_close(m3) == CRK_OK,
        "a new open does not revive a closed handle", "%s: %s", crk_status_string(s), crk_last_error());
  /* Handles are not pointers the loader follows: a made-up one is refused. */
  CHECK(crk_module_close((crk_module *)(uintptr_t)0x1234) == CRK_ERR_INVALID_ARG &&
            crk_module_function((crk_module *)&f, 0, kernel, &f) == CRK_ERR_INVALID_ARG,
        "a made-up handle is refused", "%s", crk_last_error());

  s = crk_module_close(m);
  CHECK(s == CRK_OK && fake.unload_calls[0] == 1 && fake.unload_calls[1] == 1 && fake.unload_calls[2] == 0 &&
            fake.live_modules == 0 && fake.misuse == 0,
        "the last close unloads each loaded device once", "unloads %d %d %d, live %d, misuse %d",
        fake.unload_calls[0], fake.unload_calls[1], fake.unload_calls[2], fake.live_modules, fake.misuse);

  /* Reopened after close: a new module, loaded afresh. */
  s = crk_module_open(blob, blob_len, &m);
  if (s == CRK_OK) s = crk_module_function(m, 0, kernel, &f);
  CHECK(s == CRK_OK && fake.load_calls[0] == 2, "reopened after close: loads again", "%s, load %d",
        crk_last_error(), fake.load_calls[0]);
  crk_module_close(m);
  CHECK(fake.live_modules == 0 && fake.unload_calls[0] == 2, "and unloads again", "live %d", fake.live_modules);
}

static void test_errors(void) {
  char arch[96];
  snprintf(arch, sizeof arch, "%s:xnack-", blob_arch);
  fake_reset(4, arch);
  snprintf(fake.arch[2], sizeof fake.arch[2], "gfx803:xnack-"); /* no code for it, no generic target */
  crk_backend_set(&fake_backend_amd);
  crk_module *m;
  if (crk_module_open(blob, blob_len, &m) != CRK_OK) {
    CHECK(0, "open", "%s", crk_last_error());
    return;
  }
  void *f;
  const char *msg = crk_last_error();

  /* Unknown kernel: the name and the module, found by the loader itself on
   * a code object with symbols (QUANTIZED), else by the runtime. */
  crk_status s = crk_module_function(m, 0, "missing_q8_2", &f);
  CHECK(s == CRK_ERR_KERNEL_NOT_FOUND && contains(msg, "'missing_q8_2'") &&
            contains(msg, blob == QUANTIZED ? "module QUANTIZED" : "module blob@"),
        "unknown kernel: CRK_ERR_KERNEL_NOT_FOUND naming kernel and module", "%s: %s", crk_status_string(s), msg);
  if (blob == QUANTIZED)
    CHECK(fake.function_calls[0] == 0 && fake.load_calls[0] == 1,
          "unknown kernel is caught from the code object's symbols, before the runtime", "runtime lookups %d",
          fake.function_calls[0]);
  s = crk_module_function(m, 0, "missing_kernel", &f);
  CHECK(s == CRK_ERR_KERNEL_NOT_FOUND && contains(msg, "'missing_kernel'"), "unknown kernel: error names it",
        "%s: %s", crk_status_string(s), msg);
  s = crk_module_function(m, 0, kernel, &f);
  CHECK(s == CRK_OK && fake.load_calls[0] == 1, "a failed lookup leaves the loaded module usable", "%s: %s",
        crk_status_string(s), msg);

  /* Arch missing: both sides named; nothing handed to the runtime. */
  s = crk_module_function(m, 2, kernel, &f);
  int names_all = contains(msg, "gfx803:xnack-") && contains(msg, "device 2");
  for (size_t i = 0; blob == QUANTIZED && i < QUANTIZED_ARCH_COUNT; i++)
    names_all = names_all && contains(msg, QUANTIZED_ARCHS[i].arch);
  CHECK(s == CRK_ERR_ARCH_MISSING && names_all && contains(msg, blob_arch),
        "device arch not in the blob: CRK_ERR_ARCH_MISSING naming the device's arch and the blob's archs",
        "%s: %s", crk_status_string(s), msg);
  CHECK(fake.load_calls[2] == 0, "arch missing: the runtime was not asked to load", "loads %d",
        fake.load_calls[2]);
  s = crk_module_check_device(m, 2);
  CHECK(s == CRK_ERR_ARCH_MISSING && contains(msg, "gfx803"), "crk_module_check_device tells the same, loading nothing",
        "%s: %s", crk_status_string(s), msg);
  s = crk_module_check_device(m, 1);
  CHECK(s == CRK_OK && fake.load_calls[1] == 0, "crk_module_check_device: a supported device is OK", "%s: %s",
        crk_status_string(s), msg);

  /* Devices that do not exist. */
  s = crk_module_function(m, 4, kernel, &f);
  CHECK(s == CRK_ERR_INVALID_ARG && contains(msg, "device 4 does not exist") && contains(msg, "4 devices"),
        "device past the count: CRK_ERR_INVALID_ARG saying how many there are", "%s: %s", crk_status_string(s), msg);
  s = crk_module_function(m, -1, kernel, &f);
  CHECK(s == CRK_ERR_INVALID_ARG && contains(msg, "-1"), "negative device: CRK_ERR_INVALID_ARG", "%s: %s",
        crk_status_string(s), msg);
  s = crk_module_function(m, 100000, kernel, &f);
  CHECK(s == CRK_ERR_INVALID_ARG, "huge device: CRK_ERR_INVALID_ARG", "%s: %s", crk_status_string(s), msg);
  s = crk_module_function(NULL, 0, kernel, &f);
  CHECK(s == CRK_ERR_INVALID_ARG && contains(msg, "module"), "NULL module: CRK_ERR_INVALID_ARG", "%s", msg);
  s = crk_module_function(m, 0, NULL, &f);
  CHECK(s == CRK_ERR_INVALID_ARG && contains(msg, "kernel"), "NULL kernel name: CRK_ERR_INVALID_ARG", "%s", msg);
  s = crk_module_function(m, 0, kernel, NULL);
  CHECK(s == CRK_ERR_INVALID_ARG, "NULL function: CRK_ERR_INVALID_ARG", "%s", msg);

  /* A failing load caches nothing; the next call loads. */
  atomic_store(&fake.fail_loads, 1);
  s = crk_module_function(m, 3, kernel, &f);
  CHECK(s == CRK_ERR_RUNTIME && contains(msg, "device 3") && contains(msg, "fakeErrorInjected") &&
            contains(msg, blob == QUANTIZED ? "QUANTIZED" : "blob@"),
        "failed load: CRK_ERR_RUNTIME naming module, device and the runtime's error", "%s: %s", crk_status_string(s),
        msg);
  CHECK(fake.live_modules == 1, "failed load leaves no module behind", "live %d", fake.live_modules);
  s = crk_module_function(m, 3, kernel, &f);
  CHECK(s == CRK_OK && fake.load_calls[3] == 2 && f == fake_function_handle(3, kernel),
        "failed load is retried by the next call", "%s, loads %d", crk_status_string(s), fake.load_calls[3]);
  crk_module_close(m);
  CHECK(fake.unload_calls[3] == 1 && fake.unload_calls[0] == 1 && fake.live_modules == 0 && fake.misuse == 0,
        "close unloads once per successful load", "unloads %d %d, live %d, misuse %d", fake.unload_calls[0],
        fake.unload_calls[3], fake.live_modules, fake.misuse);
}

static void test_no_runtime_no_device(void) {
  fake_reset(-1, "gfx1100");
  crk_backend_set(&fake_backend_amd);
  const char *msg = crk_last_error();
  int n = -5;
  crk_status s = crk_device_count(&n);
  CHECK(s == CRK_ERR_NO_RUNTIME && n == 0 && contains(msg, "no FAKE runtime"),
        "no runtime: crk_device_count says so", "%s: %s (n=%d)", crk_status_string(s), msg, n);
  crk_module *m;
  void *f;
  s = crk_module_open(blob, blob_len, &m);
  CHECK(s == CRK_OK, "no runtime: open still works (no runtime needed)", "%s", msg);
  if (s != CRK_OK) return;
  s = crk_module_function(m, 0, kernel, &f);
  CHECK(s == CRK_ERR_NO_RUNTIME && contains(msg, "device 0") && contains(msg, "no FAKE runtime"),
        "no runtime: lookup fails cleanly, saying so", "%s: %s", crk_status_string(s), msg);
  char arch[64];
  s = crk_device_arch(0, arch, sizeof arch);
  CHECK(s == CRK_ERR_NO_RUNTIME, "no runtime: crk_device_arch fails cleanly", "%s: %s", crk_status_string(s), msg);

  /* The runtime appears (installed meanwhile): init is retried, works. */
  fake.devices = 0;
  s = crk_module_function(m, 0, kernel, &f);
  CHECK(s == CRK_ERR_NO_DEVICE && contains(msg, "no GPU"), "no device: lookup fails cleanly, saying so", "%s: %s",
        crk_status_string(s), msg);
  s = crk_device_count(&n);
  CHECK(s == CRK_ERR_NO_DEVICE && n == 0, "no device: crk_device_count is 0 with CRK_ERR_NO_DEVICE", "%s: %s",
        crk_status_string(s), msg);
  fake.devices = 1;
  s = crk_module_function(m, 0, kernel, &f);
  CHECK(s == CRK_OK && fake.load_calls[0] == 1, "a device appears: the same module loads", "%s: %s",
        crk_status_string(s), msg);
  int inits = fake.init_calls;
  s = crk_device_count(&n);
  CHECK(s == CRK_OK && n == 1 && fake.init_calls == inits && inits == 4,
        "init is retried after failures, then never again", "init calls %d", fake.init_calls);
  s = crk_device_arch(0, arch, sizeof arch);
  CHECK(s == CRK_OK && strcmp(arch, "gfx1100") == 0, "crk_device_arch gives the runtime's arch", "%s: %s", arch,
        msg);
  s = crk_device_arch(0, arch, 4);
  CHECK(s == CRK_ERR_INVALID_ARG && contains(msg, "gfx1100"), "crk_device_arch: small buffer is an error", "%s: %s",
        crk_status_string(s), msg);
  crk_module_close(m);
}

/* NVIDIA: the driver decides the arch; its "no binary" becomes our message. */
static void test_nvidia(void) {
  fake_reset(2, "sm_75");
  crk_backend_set(&fake_backend_nvidia);
  static const char ptx[] = ".version 8.0\n.target sm_90\n.address_size 64\n";
  crk_module *m;
  void *f;
  const char *msg = crk_last_error();
  crk_status s = crk_module_open_named(ptx, sizeof ptx, "MYPTX", &m);
  CHECK(s == CRK_OK, "NVIDIA: PTX opens", "%s", msg);
  if (s != CRK_OK) return;
  atomic_store(&fake.load_arch_missing, 1);
  s = crk_module_function(m, 0, "k", &f);
  CHECK(s == CRK_ERR_ARCH_MISSING && contains(msg, "sm_75") && contains(msg, "compute_90") && contains(msg, "MYPTX"),
        "NVIDIA: no binary for the GPU: CRK_ERR_ARCH_MISSING naming both archs and the module", "%s: %s",
        crk_status_string(s), msg);
  atomic_store(&fake.load_arch_missing, 0);
  s = crk_module_function(m, 0, "k", &f);
  CHECK(s == CRK_OK && atomic_load(&fake.loaded_image[0]) == (const void *)ptx,
        "NVIDIA: the whole blob goes to the driver", "%s: %s", crk_status_string(s), msg);
  s = crk_module_function(m, 0, "missing_k", &f);
  CHECK(s == CRK_ERR_KERNEL_NOT_FOUND && contains(msg, "'missing_k'") && contains(msg, "MYPTX") &&
            contains(msg, "fakeErrorNotFound"),
        "NVIDIA: unknown kernel as the driver reports it, named with the module", "%s: %s", crk_status_string(s),
        msg);
  s = crk_module_check_device(m, 1);
  CHECK(s == CRK_OK, "NVIDIA: check_device leaves the arch to the driver", "%s", msg);
  crk_module_close(m);
  CHECK(fake.live_modules == 0 && fake.misuse == 0, "NVIDIA: closed cleanly", "live %d", fake.live_modules);
}

/* crk_last_error belongs to the thread that failed. */
static void *fail_in_thread(void *arg) {
  (void)arg;
  crk_module *m;
  crk_module_open("garbage!", 8, &m);
  static int yes;
  return strstr(crk_last_error(), "not a code object") ? &yes : NULL;
}

static void test_thread_local_error(void) {
  crk_module *m;
  crk_module_open(NULL, 1, &m);
  char before[256];
  snprintf(before, sizeof before, "%s", crk_last_error());
  pthread_t t;
  void *ok;
  pthread_create(&t, NULL, fail_in_thread, NULL);
  pthread_join(t, &ok);
  CHECK(ok && strcmp(before, crk_last_error()) == 0 && contains(before, "no blob"),
        "each thread keeps its own last error", "here '%s', before '%s'", crk_last_error(), before);
}

/* How much a cached lookup costs (no GPU: the fake's handles). */
static void measure_cached_lookup(void) {
  fake_reset(1, blob_arch);
  crk_backend_set(&fake_backend_amd);
  crk_module *m;
  void *f;
  if (crk_module_open(blob, blob_len, &m) != CRK_OK || crk_module_function(m, 0, kernel, &f) != CRK_OK) return;
  struct timespec a, b;
  const long iters = 2000000;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < iters; i++) crk_module_function(m, 0, kernel, &f);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ns = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / iters;
  printf("# cached lookup: %.1f ns (sanitized build, fake backend)\n", ns);
  CHECK(fake.function_calls[0] == 1 && fake.load_calls[0] == 1, "2M cached lookups: still one runtime lookup",
        "lookups %d", fake.function_calls[0]);
  crk_module_close(m);
}

/* AMD: the runtime's "no binary for GPU" for a code object the blob lists
 * for the device's arch. The message must not claim the arch is missing:
 * it says what differs, or that the runtime refused the code as it is. */
static void test_amd_runtime_refused(void) {
  void *f;
  crk_module *m;
  const char *msg = crk_last_error();
  size_t el, l;
  /* The entry id says plain gfx90a; the object's e_flags pin xnack+. */
  unsigned char *elf = fake_amd_elf(0x3f, 0x300 | 0x400, &el);
  const char *ids[] = {"hipv4-amdgcn-amd-amdhsa--gfx90a"};
  const unsigned char *data[] = {elf};
  unsigned char *b = fake_bundle(1, ids, data, &el, &l);
  fake_reset(1, "gfx90a:sramecc+:xnack-");
  crk_backend_set(&fake_backend_amd);
  atomic_store(&fake.load_arch_missing, 1);
  crk_status s = crk_module_open_named(b, l, "MINE", &m);
  if (s == CRK_OK) s = crk_module_function(m, 0, kernel, &f);
  CHECK(s == CRK_ERR_ARCH_MISSING && !contains(msg, "only for") && contains(msg, "module MINE") &&
            contains(msg, "e_flags pin gfx90a:xnack+: xnack+ where the device has xnack-") &&
            contains(msg, "the runtime refused it (fakeModuleLoadData failed: no binary for GPU)"),
        "AMD: no binary for a listed arch: the message names the feature that differs", "%s: %s",
        crk_status_string(s), msg);
  crk_module_close(m);
  free(b);
  free(elf);

  /* Nothing differs: the runtime refused the code object as it is. */
  elf = fake_amd_elf(0x41, 0, &el);
  ids[0] = "hipv4-amdgcn-amd-amdhsa--gfx1100";
  data[0] = elf;
  b = fake_bundle(1, ids, data, &el, &l);
  fake_reset(1, "gfx1100");
  crk_backend_set(&fake_backend_amd);
  atomic_store(&fake.load_arch_missing, 1);
  s = crk_module_open_named(b, l, "MINE", &m);
  if (s == CRK_OK) s = crk_module_function(m, 0, kernel, &f);
  CHECK(s == CRK_ERR_ARCH_MISSING && !contains(msg, "only for") && contains(msg, "device 0 is gfx1100") &&
            contains(msg, "neither processor nor features differ, yet the runtime refused it") &&
            contains(msg, "code object v5"),
        "AMD: no binary though nothing differs: the runtime refused it, code object version named", "%s: %s",
        crk_status_string(s), msg);
  atomic_store(&fake.load_arch_missing, 0);
  crk_module_close(m);
  CHECK(fake.live_modules == 0 && fake.misuse == 0, "AMD: refused loads leave nothing loaded", "live %d",
        fake.live_modules);
  free(b);
  free(elf);
}

/* As many handles as there are slots, each working; one more is refused
 * until one is closed. */
static void test_handle_limit(void) {
  fake_reset(1, "gfx1100");
  crk_backend_set(&fake_backend_amd);
  crk_module **h = malloc(CRK_HANDLE_MAX * sizeof *h);
  size_t n = 0;
  while (n < CRK_HANDLE_MAX && crk_module_open(blob, blob_len, &h[n]) == CRK_OK) n++;
  char archs[256];
  int last_works = n > 0 && crk_module_archs(h[n - 1], archs, sizeof archs) == CRK_OK &&
                   crk_module_archs(h[0], archs, sizeof archs) == CRK_OK;
  CHECK(n == CRK_HANDLE_MAX && last_works, "CRK_HANDLE_MAX handles open, the first and the last work",
        "%zu opened: %s", n, crk_last_error());
  crk_module *more;
  crk_status s = crk_module_open(blob, blob_len, &more);
  CHECK(s == CRK_ERR_NO_MEMORY && more == NULL && contains(crk_last_error(), "handles open"),
        "one handle more is refused", "%s: %s", crk_status_string(s), crk_last_error());
  int closed = n > 0 && crk_module_close(h[n / 2]) == CRK_OK;
  s = crk_module_open(blob, blob_len, &more);
  CHECK(closed && s == CRK_OK && more != h[n / 2] && crk_module_archs(more, archs, sizeof archs) == CRK_OK,
        "after a close, an open gets the freed slot with a new handle", "%s", crk_last_error());
  if (s == CRK_OK) h[n / 2] = more;
  int all = 1;
  for (size_t i = 0; i < n; i++) all = all && crk_module_close(h[i]) == CRK_OK;
  CHECK(all, "every handle closes once", "%s", crk_last_error());
  free(h);
}

int main(void) {
  pick_blob();
  test_handle_limit();
  test_amd_runtime_refused();
  test_load_once();
  test_errors();
  test_no_runtime_no_device();
  test_nvidia();
  test_thread_local_error();
  measure_cached_lookup();
  crk_backend_set(NULL);
  if (blob != QUANTIZED) free((void *)blob);
  CHECK_EXIT();
}
