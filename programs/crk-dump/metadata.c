/* metadata.c: the AMDGPU metadata note (MessagePack) to kernel records.
 *
 * The note is a map: "amdhsa.version" [major, minor], "amdhsa.target"
 * "amdgcn-amd-amdhsa--gfx90a:xnack-", "amdhsa.kernels" [ {".name": ...,
 * ".sgpr_count": ..., ".args": [ {".offset", ".size", ".value_kind"}, ...]},
 * ...]. Keys we do not know are skipped whatever they hold. Kernels and
 * arguments are stored as they are read, so memory grows with the input's
 * real content, never with a count it claims, and stops at max_records of
 * them (content can be cheap: see CRK_CODEOBJ_MAX_RECORDS). */
#include "metadata.h"
#include "msgpack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  mp_reader r;
  size_t records, max_records; /* kernels and arguments read, and the cap */
  char *err;
  size_t errlen;
} md_ctx;

/* Counts one more kernel or argument record; -1 past the cap. */
static int take_record(md_ctx *c) {
  if (c->records >= c->max_records) {
    snprintf(c->err, c->errlen, "more than %zu kernel and argument records in one code object: "
             "refused as hostile input", c->max_records);
    return -1;
  }
  c->records++;
  return 0;
}

static char *dup_str(const mp_obj *o) {
  char *s = malloc((size_t)o->len + 1);
  if (s) {
    memcpy(s, o->data, o->len);
    s[o->len] = '\0';
  }
  return s;
}

/* Grows *arr (of *cap elements of size sz) to hold one more than n. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz) {
  if (n < *cap) return 0;
  size_t nc = *cap ? *cap * 2 : 8;
  void *p = realloc(*arr, nc * sz);
  if (!p) return -1;
  *arr = p;
  *cap = nc;
  return 0;
}

/* The next slot of a growing array of records (*arr, n used, *cap
 * allocated, sz bytes each), counted against the cap; NULL with err. */
static void *next_record(md_ctx *c, void **arr, size_t *cap, size_t n, size_t sz) {
  if (take_record(c) != 0) return NULL;
  if (grow(arr, cap, n, sz) != 0) {
    snprintf(c->err, c->errlen, "out of memory");
    return NULL;
  }
  return (char *)*arr + n * sz;
}

/* Reads a non-negative integer value into *v; what names the field. */
static int read_count(md_ctx *c, int64_t *v, const char *what, size_t k) {
  mp_obj o;
  if (mp_read(&c->r, &o, c->err, c->errlen) != 0) return -1;
  if (mp_as_i64(&o, v) != 0 || *v < 0) {
    snprintf(c->err, c->errlen, "kernel %zu: %s is not a non-negative integer", k, what);
    return -1;
  }
  return 0;
}

static int read_arg(md_ctx *c, crk_kernel_arg *a, size_t k, size_t ai) {
  mp_obj o;
  if (mp_read(&c->r, &o, c->err, c->errlen) != 0) return -1;
  if (o.type != MP_MAP) {
    snprintf(c->err, c->errlen, "kernel %zu: argument %zu is not a map", k, ai);
    return -1;
  }
  int have = 0; /* bit 0 offset, 1 size, 2 kind */
  memset(a, 0, sizeof *a);
  for (uint64_t i = 0; i < o.u; i++) {
    mp_obj key;
    if (mp_read(&c->r, &key, c->err, c->errlen) != 0) return -1;
    int64_t v;
    if (mp_str_is(&key, ".offset") || mp_str_is(&key, ".size")) {
      int is_off = mp_str_is(&key, ".offset");
      if (read_count(c, &v, is_off ? "an argument's .offset" : "an argument's .size", k) != 0)
        return -1;
      if (is_off) a->offset = (uint64_t)v; else a->size = (uint64_t)v;
      have |= is_off ? 1 : 2;
    } else if (mp_str_is(&key, ".value_kind")) {
      mp_obj s;
      if (mp_read(&c->r, &s, c->err, c->errlen) != 0) return -1;
      if (s.type != MP_STR) {
        snprintf(c->err, c->errlen, "kernel %zu: argument %zu: .value_kind is not a string", k, ai);
        return -1;
      }
      size_t n = s.len < sizeof a->kind - 1 ? s.len : sizeof a->kind - 1;
      memcpy(a->kind, s.data, n);
      a->kind[n] = '\0';
      a->hidden = s.len >= 7 && memcmp(s.data, "hidden_", 7) == 0;
      have |= 4;
    } else if (mp_skip(&c->r, c->err, c->errlen) != 0) {
      return -1;
    }
  }
  if (have != 7) {
    snprintf(c->err, c->errlen, "kernel %zu: argument %zu lacks %s", k, ai,
             !(have & 1) ? ".offset" : !(have & 2) ? ".size" : ".value_kind");
    return -1;
  }
  return 0;
}

static int read_args(md_ctx *c, crk_kernel *kn, size_t k) {
  mp_obj o;
  if (mp_read(&c->r, &o, c->err, c->errlen) != 0) return -1;
  if (o.type != MP_ARRAY) {
    snprintf(c->err, c->errlen, "kernel %zu: .args is not an array", k);
    return -1;
  }
  /* A repeated .args replaces the first. */
  free(kn->args);
  kn->args = NULL;
  kn->nargs = kn->explicit_args = 0;
  size_t cap = 0;
  for (uint64_t i = 0; i < o.u; i++) {
    crk_kernel_arg *a = next_record(c, (void **)&kn->args, &cap, kn->nargs, sizeof *kn->args);
    if (!a || read_arg(c, a, k, (size_t)i) != 0) return -1;
    kn->nargs++;
    if (!a->hidden) kn->explicit_args++;
  }
  return 0;
}

static int read_string(md_ctx *c, char **dst, const char *what, size_t k) {
  mp_obj s;
  if (mp_read(&c->r, &s, c->err, c->errlen) != 0) return -1;
  if (s.type != MP_STR || s.len == 0 || memchr(s.data, '\0', s.len)) {
    snprintf(c->err, c->errlen, "kernel %zu: %s is not a non-empty string", k, what);
    return -1;
  }
  free(*dst);
  if (!(*dst = dup_str(&s))) {
    snprintf(c->err, c->errlen, "out of memory");
    return -1;
  }
  return 0;
}

static void kernel_free(crk_kernel *kn) {
  free(kn->name);
  free(kn->symbol);
  free(kn->args);
}

static const struct {
  const char *key;
  size_t field;
} count_fields[] = {
  {".sgpr_count", offsetof(crk_kernel, sgpr)},
  {".vgpr_count", offsetof(crk_kernel, vgpr)},
  {".agpr_count", offsetof(crk_kernel, agpr)},
  {".group_segment_fixed_size", offsetof(crk_kernel, lds)},
  {".private_segment_fixed_size", offsetof(crk_kernel, scratch)},
  {".sgpr_spill_count", offsetof(crk_kernel, sgpr_spill)},
  {".vgpr_spill_count", offsetof(crk_kernel, vgpr_spill)},
  {".wavefront_size", offsetof(crk_kernel, wavefront)},
  {".max_flat_workgroup_size", offsetof(crk_kernel, max_wg)},
  {".kernarg_segment_size", offsetof(crk_kernel, kernarg_size)},
};

static int read_kernel(md_ctx *c, crk_kernel *kn, size_t k) {
  mp_obj o;
  memset(kn, 0, sizeof *kn);
  for (size_t f = 0; f < sizeof count_fields / sizeof count_fields[0]; f++)
    *(int64_t *)((char *)kn + count_fields[f].field) = CRK_ABSENT;
  kn->dynamic_stack = CRK_ABSENT;
  if (mp_read(&c->r, &o, c->err, c->errlen) != 0) return -1;
  if (o.type != MP_MAP) {
    snprintf(c->err, c->errlen, "kernel %zu is not a map", k);
    return -1;
  }
  for (uint64_t i = 0; i < o.u; i++) {
    mp_obj key;
    if (mp_read(&c->r, &key, c->err, c->errlen) != 0) return -1;
    size_t f, nf = sizeof count_fields / sizeof count_fields[0];
    for (f = 0; f < nf && !mp_str_is(&key, count_fields[f].key); f++) {}
    if (f < nf) {
      if (read_count(c, (int64_t *)((char *)kn + count_fields[f].field), count_fields[f].key, k) != 0)
        return -1;
    } else if (mp_str_is(&key, ".name")) {
      if (read_string(c, &kn->name, ".name", k) != 0) return -1;
    } else if (mp_str_is(&key, ".symbol")) {
      if (read_string(c, &kn->symbol, ".symbol", k) != 0) return -1;
    } else if (mp_str_is(&key, ".args")) {
      if (read_args(c, kn, k) != 0) return -1;
    } else if (mp_str_is(&key, ".uses_dynamic_stack")) {
      mp_obj b;
      if (mp_read(&c->r, &b, c->err, c->errlen) != 0) return -1;
      if (b.type != MP_BOOL) {
        snprintf(c->err, c->errlen, "kernel %zu: .uses_dynamic_stack is not a boolean", k);
        return -1;
      }
      kn->dynamic_stack = (int)b.u;
    } else if (mp_skip(&c->r, c->err, c->errlen) != 0) {
      return -1;
    }
  }
  if (!kn->name) {
    snprintf(c->err, c->errlen, "kernel %zu has no .name", k);
    return -1;
  }
  return 0;
}

static int read_kernels(md_ctx *c, crk_codeobj *co) {
  mp_obj o;
  if (mp_read(&c->r, &o, c->err, c->errlen) != 0) return -1;
  if (o.type != MP_ARRAY) {
    snprintf(c->err, c->errlen, "amdhsa.kernels is not an array");
    return -1;
  }
  if (co->kernels) {
    snprintf(c->err, c->errlen, "amdhsa.kernels appears twice");
    return -1;
  }
  size_t cap = 0;
  for (uint64_t i = 0; i < o.u; i++) {
    crk_kernel *kn = next_record(c, (void **)&co->kernels, &cap, co->nkernels, sizeof *co->kernels);
    if (!kn) return -1;
    int rc = read_kernel(c, kn, (size_t)i);
    if (rc != 0 && kn->name) {
      /* Name the kernel at fault: prefix the reason with its name. */
      char tmp[512];
      snprintf(tmp, sizeof tmp, "%s", c->err);
      snprintf(c->err, c->errlen, "%s (%.100s)", tmp, kn->name);
    }
    if (rc != 0) {
      kernel_free(kn);
      return -1;
    }
    co->nkernels++;
  }
  return 0;
}

int crk_metadata_parse(crk_codeobj *co, const void *md, size_t len, size_t max_records,
                       char *err, size_t errlen) {
  md_ctx c = {.max_records = max_records, .err = err, .errlen = errlen};
  mp_init(&c.r, md, len);
  mp_obj top;
  int have_version = 0;
  co->md_version[0] = co->md_version[1] = CRK_ABSENT;
  if (mp_read(&c.r, &top, err, errlen) != 0) goto fail;
  if (top.type != MP_MAP) {
    snprintf(err, errlen, "metadata is not a msgpack map");
    goto fail;
  }
  for (uint64_t i = 0; i < top.u; i++) {
    mp_obj key;
    if (mp_read(&c.r, &key, err, errlen) != 0) goto fail;
    if (mp_str_is(&key, "amdhsa.kernels")) {
      if (read_kernels(&c, co) != 0) goto fail;
    } else if (mp_str_is(&key, "amdhsa.target")) {
      mp_obj s;
      if (mp_read(&c.r, &s, err, errlen) != 0) goto fail;
      if (s.type != MP_STR || memchr(s.data, '\0', s.len)) {
        snprintf(err, errlen, "amdhsa.target is not a string");
        goto fail;
      }
      free(co->md_target);
      if (!(co->md_target = dup_str(&s))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
      }
    } else if (mp_str_is(&key, "amdhsa.version")) {
      mp_obj a, v;
      int64_t n[2];
      if (mp_read(&c.r, &a, err, errlen) != 0) goto fail;
      if (a.type != MP_ARRAY || a.u < 2) {
        snprintf(err, errlen, "amdhsa.version is not an array [major, minor]");
        goto fail;
      }
      for (uint64_t j = 0; j < a.u; j++) {
        if (mp_read(&c.r, &v, err, errlen) != 0) goto fail;
        if (j < 2 && (mp_as_i64(&v, &n[j]) != 0 || n[j] < 0 || n[j] > 1000)) {
          snprintf(err, errlen, "amdhsa.version holds something other than small integers");
          goto fail;
        }
        if (j >= 2 && (v.type == MP_ARRAY || v.type == MP_MAP)) {
          snprintf(err, errlen, "amdhsa.version holds a nested value");
          goto fail;
        }
      }
      co->md_version[0] = (int)n[0];
      co->md_version[1] = (int)n[1];
      have_version = 1;
    } else if (mp_skip(&c.r, err, errlen) != 0) {
      goto fail;
    }
  }
  if (!have_version) {
    snprintf(err, errlen, "metadata has no amdhsa.version");
    goto fail;
  }
  co->records = c.records;
  return 0;
fail:
  for (size_t k = 0; k < co->nkernels; k++) kernel_free(&co->kernels[k]);
  free(co->kernels);
  free(co->md_target);
  co->kernels = NULL;
  co->nkernels = 0;
  co->md_target = NULL;
  return -1;
}

void crk_codeobj_free(crk_codeobj *co) {
  for (size_t k = 0; k < co->nkernels; k++) kernel_free(&co->kernels[k]);
  free(co->kernels);
  free(co->md_target);
  co->kernels = NULL;
  co->nkernels = co->kernels_cap = co->records = 0;
  co->md_target = NULL;
}
