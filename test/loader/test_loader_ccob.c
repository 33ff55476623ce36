/* test_loader_ccob.c: the loader opens a compressed bundle (CCOB), as the
 * toolchain's bundler writes it with -compress (COMPRESS=1), from this
 * build's code objects (test/dump-fixtures/quantized.ccob): the archs the
 * build made (archs.list), and each device gets the very bytes of its
 * code object (ARCH.hsaco); a corrupted payload or a truncated bundle is
 * rejected at open. Whether QUANTIZED itself is compressed or not. */
#include "check.h"
#include "fake_backend.h"
#include "test_dump_util.h"

#include "bundle.h"
#include "ccob.h"
#include "candle_rocm_kernels.h"

#include <stdlib.h>
#include <string.h>

int main(void) {
  crk_backend_set(&fake_backend_amd);
  char archs[64][32];
  int narchs = built_archs(archs, 64);
  size_t len;
  unsigned char *ccob = dump_read_file(build_path("test/dump-fixtures/quantized.ccob", NULL), &len);
  if (!ccob || !crk_is_compressed_bundle(ccob, len) || narchs <= 0) {
    CHECK(0, "ccob: the fixture is a compressed bundle, and the build lists its archs", "%s",
          ccob ? "not both" : "cannot read test/dump-fixtures/quantized.ccob");
    CHECK_EXIT();
  }
  crk_ccob_header h;
  char err[256];
  int parsed = crk_ccob_parse(ccob, len, &h, err, sizeof err) == 0;
  printf("# compressed bundle v%u, %zu bytes for %llu uncompressed (%.0f%%)\n", parsed ? h.version : 0, len,
         parsed ? (unsigned long long)h.uncompressed_size : 0ull,
         parsed ? 100.0 * (double)len / (double)h.uncompressed_size : 0.0);

  crk_module *m;
  crk_status s = crk_module_open_named(ccob, len, "CCOB", &m);
  CHECK(s == CRK_OK, "ccob: the loader opens a compressed bundle", "%s", crk_last_error());
  if (s != CRK_OK) CHECK_EXIT();
  char have[4096], want[4096] = "";
  crk_module_archs(m, have, sizeof have);
  for (int a = 0; a < narchs; a++)
    snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", a ? " " : "", archs[a]);
  CHECK(!strcmp(have, want), "ccob: it holds the archs the build made", "%s vs %s", have, want);

  /* Each arch's device gets exactly that code object (its bytes, from the
   * decompressed bundle). */
  int n = narchs < FAKE_MAX_DEVICES ? narchs : FAKE_MAX_DEVICES;
  fake_reset(n, "gfx1100");
  int same = 1;
  for (int i = 0; i < n; i++) {
    snprintf(fake.arch[i], sizeof fake.arch[i], "%s", archs[i]);
    void *fn;
    size_t clen;
    unsigned char *co = dump_read_file(build_path("%s.hsaco", archs[i]), &clen);
    s = crk_module_function(m, i, "quantize_q8_1", &fn);
    const unsigned char *got = atomic_load(&fake.loaded_image[i]);
    if (s != CRK_OK || !co || !got || memcmp(got, co, clen) != 0) {
      CHECK(0, "ccob: a device gets its code object's bytes", "%s: %s", archs[i],
            s != CRK_OK ? crk_last_error() : "other bytes");
      same = 0;
    }
    free(co);
  }
  if (same) CHECK(1, "ccob: every device gets its code object's bytes", "");
  crk_module_close(m);
  CHECK(fake.live_modules == 0, "ccob: every load unloaded at close", "%d", fake.live_modules);

  /* Corruption: a flipped payload byte (zstd's or zlib's own check, or the
   * header's MD5) and a truncated bundle fail at open, saying so. */
  if (parsed) {
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

  /* QUANTIZED itself (compressed in a COMPRESS=1 build): the same archs. */
  s = crk_module_open(QUANTIZED, QUANTIZED_LEN, &m);
  CHECK(s == CRK_OK && crk_module_archs(m, have, sizeof have) == CRK_OK && !strcmp(have, want),
        "ccob: QUANTIZED opens with the same archs, compressed or not", "%s: %s", have, crk_last_error());
  crk_module_close(m);
  free(ccob);
  crk_backend_set(NULL);
  CHECK_EXIT();
}
