/* test_loader_runtime.c: the built-in backend against the real runtime.
 * Without a GPU (CI) every call must fail cleanly with CRK_ERR_NO_RUNTIME or
 * CRK_ERR_NO_DEVICE and a message that says so; with a GPU, QUANTIZED loads
 * and quantize_q8_1 resolves. The other platform's backend is tried too:
 * its runtime is absent here, or it sees its own GPUs. */
#include "check.h"
#include "fake_backend.h"

#include "candle_rocm_kernels.h"

#include <string.h>

/* The HIP runtime keeps allocations alive until exit by design: not ours. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libamdhip64\nleak:libhsa-runtime64\n"; }

static int contains(const char *s, const char *sub) { return strstr(s, sub) != NULL; }

static int clean_absence(crk_status s) { return s == CRK_ERR_NO_RUNTIME || s == CRK_ERR_NO_DEVICE; }

static void test_builtin(void) {
  const crk_backend *b = crk_backend_builtin();
  const char *msg = crk_last_error();
  char name[256];
  int n = -1;
  crk_backend_set(NULL);
  crk_status s = crk_device_count(&n);
  if (s == CRK_OK && n > 0) {
    /* A GPU: load for real. */
    char arch[64];
    s = crk_device_arch(0, arch, sizeof arch);
    snprintf(name, sizeof name, "%s: device 0 reports its arch", b->name);
    CHECK(s == CRK_OK && arch[0], name, "%s: %s", crk_status_string(s), msg);
    crk_module *m;
    void *f;
    s = crk_module_open(QUANTIZED, QUANTIZED_LEN, &m);
    CHECK(s == CRK_OK, "QUANTIZED opens", "%s", msg);
    if (s != CRK_OK) return;
    s = crk_module_function(m, 0, "quantize_q8_1", &f);
    if (s == CRK_ERR_ARCH_MISSING) {
      SKIP("real load of QUANTIZED", "%s", msg);
    } else {
      snprintf(name, sizeof name, "%s: QUANTIZED loads on device 0 (%s), quantize_q8_1 resolves", b->name, arch);
      CHECK(s == CRK_OK && f, name, "%s: %s", crk_status_string(s), msg);
      s = crk_module_function(m, 0, "no_such_kernel", &f);
      CHECK(s == CRK_ERR_KERNEL_NOT_FOUND && contains(msg, "no_such_kernel"), "real runtime: unknown kernel named",
            "%s: %s", crk_status_string(s), msg);
    }
    crk_module_close(m);
    return;
  }
  snprintf(name, sizeof name, "%s backend, no GPU: crk_device_count fails cleanly, saying why", b->name);
  CHECK(clean_absence(s) && n == 0 && (contains(msg, "no GPU") || contains(msg, "no usable") || contains(msg, "no HIP") ||
                                       contains(msg, "no CUDA")),
        name, "%s: %s", crk_status_string(s), msg);
  printf("# %s\n", msg);
  crk_status first = s;

  crk_module *m;
  void *f;
  s = crk_module_open(QUANTIZED, QUANTIZED_LEN, &m);
  CHECK(s == CRK_OK, "no GPU: QUANTIZED still opens", "%s", msg);
  if (s != CRK_OK) return;
  s = crk_module_function(m, 0, "quantize_q8_1", &f);
  snprintf(name, sizeof name, "%s backend, no GPU: a lookup fails cleanly with the same status, naming module and device",
           b->name);
  CHECK(s == first && contains(msg, "QUANTIZED") && contains(msg, "device 0"), name, "%s: %s", crk_status_string(s),
        msg);
  /* And again: the failure was not cached as a half-loaded module. */
  s = crk_module_function(m, 0, "quantize_q8_1", &f);
  CHECK(s == first, "no GPU: a second lookup fails the same way", "%s: %s", crk_status_string(s), msg);
  char arch[64];
  s = crk_device_arch(0, arch, sizeof arch);
  CHECK(s == first, "no GPU: crk_device_arch fails cleanly", "%s: %s", crk_status_string(s), msg);
  s = crk_module_check_device(m, 0);
  CHECK(s == first, "no GPU: crk_module_check_device fails cleanly", "%s: %s", crk_status_string(s), msg);
  crk_module_close(m);
}

static void test_other_backend(void) {
  const crk_backend *other =
      crk_backend_builtin() == &crk_backend_hip ? &crk_backend_cuda : &crk_backend_hip;
  char name[128];
  int n = -1;
  crk_backend_set(other);
  crk_status s = crk_device_count(&n);
  snprintf(name, sizeof name, "%s backend: no runtime or no device is a clean error (or it sees GPUs)", other->name);
  CHECK(clean_absence(s) ? n == 0 && crk_last_error()[0] : s == CRK_OK && n > 0, name, "%s: %s (n=%d)",
        crk_status_string(s), crk_last_error(), n);
  printf("# %s\n", s == CRK_OK ? "devices found" : crk_last_error());
  crk_backend_set(NULL);
}

int main(void) {
  test_builtin();
  test_other_backend();
  CHECK_EXIT();
}
