/* emu_loader.c: the loader's HIP backend (lib/backend_hip.c) driven through
 * a real HIP runtime ABI: the stand-in runtime of test/emu, whose device is
 * the emulated processor ($CRK_EMU_ARCH).
 *
 *   emu_loader [OTHER_BUNDLE]
 *
 * Checks: the device count and arch the runtime reports; QUANTIZED opens and
 * every kernel of the catalog resolves to its own handle; an unknown name
 * fails naming the kernel and the module; a bundle that lacks the device's
 * processor (OTHER_BUNDLE, made by make emu-test from another arch) fails at
 * the first lookup with CRK_ERR_ARCH_MISSING naming the device's arch and
 * the bundle's. Lines "ok - ...", "FAIL - ...", "SKIP - ...".
 */
#include "candle_rocm_kernels.h"
#include "kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fails;

static void report(int ok, const char *what, const char *detail) {
  printf("%s - loader on the stand-in runtime: %s%s%s\n", ok ? "ok" : "FAIL", what, detail ? ": " : "",
         detail ? detail : "");
  fails += !ok;
}

static unsigned char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  unsigned char *buf = NULL;
  size_t cap = 0, n = 0, r;
  do {
    if (n == cap) {
      unsigned char *nb = realloc(buf, cap = cap ? 2 * cap : 1 << 20);
      if (!nb) break;
      buf = nb;
    }
    r = fread(buf + n, 1, cap - n, f);
    n += r;
  } while (r > 0);
  fclose(f);
  *len = n;
  return buf;
}

static void check_all_kernels(crk_module *m) {
  static kernel_desc cat[KERNEL_COUNT];
  int n = kernel_catalog(cat), found = 0;
  void *prev = NULL;
  char detail[512] = "";
  for (int i = 0; i < n; i++) {
    void *fn = NULL;
    crk_status s = crk_module_function(m, 0, cat[i].name, &fn);
    if (s != CRK_OK || !fn || fn == prev) {
      if (!detail[0]) snprintf(detail, sizeof detail, "%.64s: %s: %.300s", cat[i].name, crk_status_string(s), crk_last_error());
      continue;
    }
    prev = fn;
    found++;
  }
  char what[96];
  snprintf(what, sizeof what, "%d of the catalog's %d kernels resolve from QUANTIZED", found, n);
  report(found == n, what, detail[0] ? detail : NULL);
}

int main(int argc, char **argv) {
  const char *want = getenv("CRK_EMU_ARCH");
  int count = 0;
  crk_status s = crk_device_count(&count);
  char arch[128] = "";
  if (s == CRK_OK) s = crk_device_arch(0, arch, sizeof arch);
  char detail[512];
  snprintf(detail, sizeof detail, "%d device(s), device 0 is %s (%s)", count, arch, s == CRK_OK ? "ok" : crk_last_error());
  report(s == CRK_OK && count == 1 && want && strncmp(arch, want, strlen(want)) == 0,
         "the runtime reports the emulated device", detail);
  if (s != CRK_OK) return 1;
  char processor[64];
  snprintf(processor, sizeof processor, "%.*s", (int)strcspn(arch, ":"), arch);

  crk_module *m = NULL;
  s = crk_module_open(QUANTIZED, QUANTIZED_LEN, &m);
  report(s == CRK_OK, "QUANTIZED opens", s == CRK_OK ? NULL : crk_last_error());
  if (s != CRK_OK) return 1;
  s = crk_module_check_device(m, 0);
  report(s == CRK_OK, "QUANTIZED holds code for the device", s == CRK_OK ? NULL : crk_last_error());
  check_all_kernels(m);
  void *fn = NULL;
  s = crk_module_function(m, 0, "no_such_kernel", &fn);
  const char *msg = crk_last_error();
  report(s == CRK_ERR_KERNEL_NOT_FOUND && strstr(msg, "no_such_kernel") && strstr(msg, "QUANTIZED"),
         "an unknown kernel fails naming the kernel and the module", msg);
  crk_module_close(m);

  if (argc < 2) {
    printf("SKIP - loader on the stand-in runtime: wrong-arch error: no bundle without %s given\n", processor);
    return fails != 0;
  }
  size_t len = 0;
  unsigned char *other = slurp(argv[1], &len);
  if (!other) {
    report(0, "reading the other-arch bundle", argv[1]);
    return 1;
  }
  s = crk_module_open_named(other, len, "OTHER", &m);
  if (s != CRK_OK) {
    report(0, "the other-arch bundle opens", crk_last_error());
    free(other);
    return 1;
  }
  char archs[256] = "";
  crk_module_archs(m, archs, sizeof archs);
  s = crk_module_function(m, 0, "quantize_q8_1", &fn);
  msg = crk_last_error();
  snprintf(detail, sizeof detail, "%s: %s", crk_status_string(s), msg);
  report(s == CRK_ERR_ARCH_MISSING && strstr(msg, processor) && archs[0] && strstr(msg, archs),
         "a bundle without the device's processor fails naming both archs", detail);
  crk_module_close(m);
  free(other);
  return fails != 0;
}
