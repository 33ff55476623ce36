/* scan.c: the bundles a host file embeds (see reader.h): a HIP program's
 * .hip_fatbin section, this project's library with QUANTIZED in .rodata, an
 * ar archive of such objects. Every place that spells a bundle magic is a
 * candidate; one whose header parses is read as a bundle (blob.c). */
#include "reader.h"

#include "ccob.h"
#include "elf_view.h"
#include "rd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* More bundles than this in one host file is not a build output. */
#define MAX_EMBEDDED_BUNDLES 4096

/* The first place at or after p where either magic starts wholly inside
 * [p, end), or NULL. Both magics start with a letter that is rare in
 * binaries ('_', 'C'), so memchr does most of the work. */
static const unsigned char *next_magic(const unsigned char *p, const unsigned char *end,
                                       const unsigned char **under) {
  /* *under: the next '_' at or after p (end when none), kept across calls
   * and searched for once per '_', so that no run of 'C's or of rejected
   * candidates can make the scan quadratic. Starts NULL. */
  const unsigned char *u = *under;
  while (p < end) {
    if (!u || u < p) {
      u = memchr(p, '_', (size_t)(end - p));
      if (!u) u = end;
      *under = u;
    }
    const unsigned char *k = memchr(p, 'C', (size_t)(u - p));
    const unsigned char *q = k ? k : u;
    if (q == end) return NULL;
    size_t left = (size_t)(end - q);
    if (*q == '_' && left >= CRK_BUNDLE_MAGIC_LEN && memcmp(q, CRK_BUNDLE_MAGIC, CRK_BUNDLE_MAGIC_LEN) == 0)
      return q;
    if (*q == 'C' && left >= CRK_CCOB_MAGIC_LEN && memcmp(q, CRK_CCOB_MAGIC, CRK_CCOB_MAGIC_LEN) == 0)
      return q;
    p = q + 1;
  }
  return NULL;
}

/* Scans [start, end) of the file for embedded bundles; label names the
 * range (a section) in messages. */
static int scan_range(crk_reader *c, const unsigned char *file, size_t start, size_t end, const char *label,
                      crk_scan_state *s) {
  const unsigned char *p = file + start, *e = file + end, *under = NULL;
  while (p < e && (p = next_magic(p, e, &under)) != NULL) {
    size_t off = (size_t)(p - file) - start, left = (size_t)(e - p);
    char here[200], why[256];
    snprintf(here, sizeof here, "bundle at %s+0x%zx", label, off);
    int compressed = memcmp(p, CRK_CCOB_MAGIC, CRK_CCOB_MAGIC_LEN) == 0;
    /* A header that does not parse is some other bytes that happen to
     * spell the magic (this project's own library holds the string). */
    int header_ok;
    if (compressed) {
      crk_ccob_header h;
      header_ok = crk_ccob_parse(p, left, &h, why, sizeof why) == 0;
    } else {
      /* Checking a candidate looks at up to count entry headers: charge
       * that to a budget, so that a file of many near-miss headers cannot
       * make the scan quadratic. */
      size_t n;
      uint64_t claimed = left >= 32 ? rd_le(p + 24, 8) : 0, most = left / 24;
      s->work += claimed < most ? claimed : most;
      if (s->work > s->budget)
        return crk_reader_fail(c, "too many places spell a bundle magic (last at %s+0x%zx)", label, off);
      header_ok = crk_bundle_parse(p, left, NULL, 0, &n, why, sizeof why) == 0;
    }
    if (!header_ok) {
      if (s->rejected++ == 0) snprintf(s->first_reject, sizeof s->first_reject, "%s: %s", here, why);
      p++;
      continue;
    }
    uint64_t extent;
    size_t before = c->b->nobjs;
    if (crk_reader_bundle(c, p, left, here, &extent) != 0) {
      crk_reader_place(c, "%s", here);
      return -1;
    }
    if (c->b->nobjs > before && ++s->found > MAX_EMBEDDED_BUNDLES)
      return crk_reader_fail(c, "more than %d embedded bundles", MAX_EMBEDDED_BUNDLES);
    p += extent > 0 && extent <= left ? extent : 1;
  }
  return 0;
}

typedef struct {
  uint64_t off, size;
  uint32_t index;
} range;

static int range_cmp(const void *a, const void *b) {
  const range *x = a, *y = b;
  return x->off < y->off ? -1 : x->off > y->off ? 1 : (x->index > y->index) - (x->index < y->index);
}

static int read_host_elf(crk_reader *c, const unsigned char *data, size_t len, crk_scan_state *s) {
  crk_elf_view e;
  if (crk_elf_view_open(&e, data, len, c->err, c->errlen) != 0) return -1;
  if (e.shnum == 0)
    return crk_reader_fail(c, "host ELF has no section headers to find embedded bundles in");
  range *r = malloc(e.shnum * sizeof *r);
  if (!r) return crk_reader_fail(c, "out of memory for %u sections", e.shnum);
  size_t n = 0;
  for (uint32_t i = 1; i < e.shnum; i++) {
    crk_elf_view_shdr sh;
    if (crk_elf_view_section(&e, i, &sh, c->err, c->errlen) != 0) {
      free(r);
      return -1;
    }
    if (sh.type == CRK_SHT_NOBITS || sh.type == 0 || sh.size == 0) continue;
    r[n++] = (range){sh.offset, sh.size, i};
  }
  /* In file order, and each byte scanned once even if sections overlap. */
  qsort(r, n, sizeof *r, range_cmp);
  uint64_t done = 0;
  int rc = 0;
  for (size_t k = 0; k < n && rc == 0; k++) {
    uint64_t from = r[k].off > done ? r[k].off : done, to = r[k].off + r[k].size;
    if (from >= to) continue;
    crk_elf_view_shdr sh;
    crk_elf_view_section(&e, r[k].index, &sh, c->err, c->errlen);
    char label[80];
    snprintf(label, sizeof label, "%.60s", crk_elf_view_section_name(&e, &sh));
    if (from != r[k].off) /* the label's offsets stay section-relative */
      snprintf(label + strlen(label), sizeof label - strlen(label), "+0x%llx", (unsigned long long)(from - r[k].off));
    rc = scan_range(c, data, (size_t)from, (size_t)to, label, s);
    done = to;
  }
  free(r);
  return rc;
}

int crk_scan_host(crk_reader *c, const unsigned char *data, size_t len, int is_elf, crk_scan_state *s) {
  return is_elf ? read_host_elf(c, data, len, s) : scan_range(c, data, 8, len, "archive", s);
}
