/* fuzz_loader.c: libFuzzer target for the loader's checks of caller-supplied
 * blobs (lib/module_blob.c, lib/elf_check.c, format/bundle.c): the input is what a caller
 * passes to crk_module_open. A blob the checks accept then goes through
 * everything that reads it later, against the fake backend (no GPU): the
 * target list, the device check, the load of the code object picked for a
 * device of the blob's own first arch, and a kernel lookup, which reads
 * the code object's dynamic symbols. Properties checked besides ASan and
 * UBSan: every failure has a one-line printable message, and every load is
 * unloaded once by the last close.
 *
 * Seeds (corpus/loader/): code objects and offload bundles of this build's
 * fixtures, a cubin, a fatbin and PTX as the NVIDIA build takes them.
 * test_loader_corpus replays the corpus through this same function (renamed
 * with FUZZ_LOADER_ENTRY) in every `make test`. */
#include "fake_backend.h"

#include "candle_rocm_kernels.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FUZZ_LOADER_ENTRY
#define FUZZ_LOADER_ENTRY LLVMFuzzerTestOneInput
#endif

int FUZZ_LOADER_ENTRY(const uint8_t *data, size_t size);

/* A failed call must say why, in one line of printable ASCII. */
static void check_message(crk_status s) {
  if (s == CRK_OK) return;
  const char *msg = crk_last_error();
  if (!msg[0]) abort();
  for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
    if (*p < 0x20 || *p >= 0x7f) abort();
}

/* Everything a caller does with an open blob, on device 0. */
static void use(crk_module *m) {
  char archs[512];
  void *fn;
  check_message(crk_module_archs(m, archs, sizeof archs));
  check_message(crk_module_archs(m, archs, 4)); /* too small: cut, with an error */
  check_message(crk_module_check_device(m, 0));
  check_message(crk_module_function(m, 0, "quantize_q8_1", &fn));
  check_message(crk_module_function(m, 0, "missing_kernel", &fn));
}

int FUZZ_LOADER_ENTRY(const uint8_t *data, size_t size) {
  const crk_backend *backend = &fake_backend_amd;
  fake_reset(1, "gfx1100");
  crk_backend_set(backend);
  crk_module *m, *again;
  crk_status s = crk_module_open(data, size, &m);
  check_message(s);
  if (s == CRK_ERR_BAD_BLOB && strstr(crk_last_error(), "PLATFORM=nvidia")) {
    /* Checked fine, but it is NVIDIA code: open it as that build would. */
    crk_backend_set(backend = &fake_backend_nvidia);
    check_message(s = crk_module_open(data, size, &m));
  }
  if (s != CRK_OK) return 0;

  /* A device of the blob's first arch (the first word of its list), with
   * the features a device reports, so that the load really happens. */
  char archs[512], arch[64];
  if (crk_module_archs(m, archs, sizeof archs) != CRK_OK) archs[0] = '\0';
  size_t n = strcspn(archs, " ");
  if (n == 0 || n > 40) snprintf(arch, sizeof arch, "gfx1100");
  else snprintf(arch, sizeof arch, "%.*s", (int)n, archs);
  if (backend == &fake_backend_amd && !strchr(arch, ':')) strcat(arch, ":sramecc+:xnack-");
  snprintf(fake.arch[0], sizeof fake.arch[0], "%s", arch);
  use(m);

  /* A second open shares the module; closes unload what was loaded, once,
   * and a second close of the same handle is refused. */
  if (crk_module_open(data, size, &again) != CRK_OK || again == m) abort();
  use(again);
  if (crk_module_close(again) != CRK_OK || crk_module_close(again) != CRK_ERR_INVALID_ARG) abort();
  if (crk_module_close(m) != CRK_OK) abort();
  if (atomic_load(&fake.live_modules) != 0 || atomic_load(&fake.misuse) != 0) abort();
  crk_backend_set(NULL);
  return 0;
}
