/* test_loader_ccob.c: the loader opens a compressed bundle (CCOB), as the
 * toolchain's bundler writes it with -compress (COMPRESS=1), from this
 * build's code objects (test/dump-fixtures/quantized.ccob): the same archs
 * as the uncompressed QUANTIZED, and each device gets the very bytes of its
 * code object; a corrupted payload or hash is rejected at open. */
#include "check.h"
#include "fake_backend.h"
#include "test_dump_util.h"

#include "bundle.h"
#include "candle_rocm_kernels.h"

#include <stdlib.h>
#include <string.h>

int main(void) {
  crk_backend_set(&fake_backend_amd);
  size_t len;
  unsigned char *ccob = dump_read_file(build_path("test/dump-fixtures/quantized.ccob", NULL), &len);
  if (!ccob || !crk_is_compressed_bundle(ccob, len) || !crk_is_bundle(QUANTIZED, QUANTIZED_LEN)) {
    CHECK(0, "ccob: the fixture is a compressed bundle and QUANTIZED an uncompressed one", "%s",
          ccob ? "not both" : "cannot read test/dump-fixtures/quantized.ccob");
    CHECK_EXIT();
  }
  printf("# compressed bundle %zu bytes, uncompressed %zu (%.0f%%)\n", len, (size_t)QUANTIZED_LEN,
         100.0 * (double)len / (double)QUANTIZED_LEN);

  crk_module *m, *q;
  crk_status s = crk_module_open_named(ccob, len, "CCOB", &m);
  CHECK(s == CRK_OK, "ccob: the loader opens a compressed bundle", "%s", crk_last_error());
  if (s != CRK_OK) CHECK_EXIT();
  char a[4096], b[4096];
  crk_module_open(QUANTIZED, QUANTIZED_LEN, &q);
  crk_module_archs(m, a, sizeof a);
  crk_module_archs(q, b, sizeof b);
  CHECK(!strcmp(a, b), "ccob: it holds the archs of the uncompressed bundle", "%s vs %s", a, b);

  /* Each arch's device gets exactly that code object (a copy of its bytes,
   * from the decompressed bundle). */
  size_t n = QUANTIZED_ARCH_COUNT < FAKE_MAX_DEVICES ? QUANTIZED_ARCH_COUNT : FAKE_MAX_DEVICES;
  fake_reset((int)n, "gfx1100");
  int same = 1;
  for (size_t i = 0; i < n; i++) {
    snprintf(fake.arch[i], sizeof fake.arch[i], "%s", QUANTIZED_ARCHS[i].arch);
    void *fn;
    s = crk_module_function(m, (int)i, "quantize_q8_1", &fn);
    const unsigned char *got = atomic_load(&fake.loaded_image[i]);
    if (s != CRK_OK || !got || memcmp(got, QUANTIZED_ARCHS[i].data, QUANTIZED_ARCHS[i].size) != 0) {
      CHECK(0, "ccob: a device gets its code object's bytes", "%s: %s", QUANTIZED_ARCHS[i].arch,
            s != CRK_OK ? crk_last_error() : "other bytes");
      same = 0;
    }
  }
  if (same) CHECK(1, "ccob: every device gets its code object's bytes", "");
  crk_module_close(m);
  crk_module_close(q);
  CHECK(fake.live_modules == 0, "ccob: every load unloaded at close", "%d", fake.live_modules);

  /* Corruption: a flipped payload byte (zstd's or zlib's own check, or the
   * header's MD5) and a truncated one fail at open, naming the bundle. */
  crk_ccob_header h;
  char err[256];
  if (crk_ccob_parse(ccob, len, &h, err, sizeof err) == 0) {
    size_t at = (size_t)(h.payload - ccob) + h.payload_len / 2;
    ccob[at] ^= 0x5a;
    s = crk_module_open_named(ccob, len, "bad", &m);
    CHECK(s == CRK_ERR_BAD_BLOB && strstr(crk_last_error(), "compressed bundle"),
          "ccob: a corrupted payload is rejected at open", "%s: %s", crk_status_string(s), crk_last_error());
    ccob[at] ^= 0x5a;
    s = crk_module_open_named(ccob, len - 100, "short", &m);
    CHECK(s == CRK_ERR_BAD_BLOB, "ccob: a truncated one too", "%s: %s", crk_status_string(s), crk_last_error());
  } else {
    CHECK(0, "ccob: its header parses", "%s", err);
  }
  free(ccob);
  crk_backend_set(NULL);
  CHECK_EXIT();
}
