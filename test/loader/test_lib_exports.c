/* test_lib_exports.c: what libcandle_rocm_kernels.so exports: every call
 * and symbol of the public header, and none of the format layer's parsers
 * nor the loader's internals (hidden). Checked with dlopen and dlsym on the
 * built library; test_lib_symbols.sh compares the whole export list with
 * the header. */
#include "check.h"
#include "test_dump_util.h"

#include <dlfcn.h>

int main(void) {
  const char *path = build_path("libcandle_rocm_kernels.so", NULL);
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    CHECK(0, "exports: the library loads", "%s", dlerror());
    CHECK_EXIT();
  }
  static const char *const public_names[] = {
    "QUANTIZED", "QUANTIZED_LEN", "QUANTIZED_ARCHS", "QUANTIZED_ARCH_COUNT", "crk_module_open",
    "crk_module_open_named", "crk_module_function", "crk_module_archs", "crk_module_check_device",
    "crk_device_arch", "crk_device_count", "crk_module_close", "crk_status_string", "crk_last_error",
  };
  for (size_t i = 0; i < sizeof public_names / sizeof public_names[0]; i++) {
    char what[96];
    snprintf(what, sizeof what, "exports: %s", public_names[i]);
    CHECK(dlsym(lib, public_names[i]) != NULL, what, "%s lacks it", path);
  }
  static const char *const absent[] = {
    "crk_ccob_parse", "crk_is_compressed_bundle", /* used inside, hidden (format/ccob.h) */
    "crk_bundle_parse", "crk_target_id_parse", "crk_pick_score", "crk_decompress", /* format/, hidden */
    "crk_blob_open", "crk_blob_vet", "crk_flags_target_decode", "crk_pick_best", "crk_elf_view_vet", "crk_escape",
    "crk_fail", "crk_handle_new", "crk_handle_get", "crk_ldr_blob_inspect", "crk_diagnose_arch_missing", /* internal */
  };
  for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
    char what[96];
    snprintf(what, sizeof what, "exports: not %s", absent[i]);
    CHECK(dlsym(lib, absent[i]) == NULL, what, "%s exports it", path);
  }
  dlclose(lib);
  CHECK_EXIT();
}
