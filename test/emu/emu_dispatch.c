/* emu_dispatch.c: see emu_dispatch.h. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "emu_dispatch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* kernel_code_properties: the user SGPRs a kernel asks for, in the order
 * the hardware loads them, and their counts (AMDGPU HSA ABI). */
static const struct { int bit, count; } user_sgprs[] = {
  {0, 4}, /* private segment buffer descriptor */
  {1, 2}, /* dispatch packet pointer */
  {2, 2}, /* queue pointer */
  {3, 2}, /* kernarg segment pointer */
  {4, 2}, /* dispatch id */
  {5, 2}, /* flat scratch init */
  {6, 1}, /* private segment size */
};
#define PROP_WAVE32 (1u << 10)
#define RSRC2_USER_SGPR_COUNT(r) (((r) >> 1) & 0x1f)
#define RSRC2_LDS_SHIFT 15
#define RSRC2_LDS_MASK (0x1ffu << RSRC2_LDS_SHIFT)

const char *emu_isa_of(const char *p) {
  if (strncmp(p, "gfx9", 4) == 0 && strlen(p) == 6) return "cdna"; /* gfx906 ... gfx950 */
  if (strncmp(p, "gfx11", 5) == 0) return "rdna3";
  if (strncmp(p, "gfx12", 5) == 0) return "rdna4";
  return NULL;
}

/* hsa_kernel_dispatch_packet_t, as the runtime writes it. */
static void fill_packet(unsigned char *pk, const emu_kernel *k, const unsigned grid[3],
                        const unsigned block[3], uint64_t kernarg) {
  memset(pk, 0, 64);
  uint16_t setup = 3;
  memcpy(pk + 2, &setup, 2);
  for (int d = 0; d < 3; d++) {
    uint16_t ws = (uint16_t)block[d];
    uint32_t gs = grid[d] * block[d];
    memcpy(pk + 4 + 2 * d, &ws, 2);
    memcpy(pk + 12 + 4 * d, &gs, 4);
  }
  memcpy(pk + 24, &k->scratch, 4);
  memcpy(pk + 28, &k->lds, 4);
  uint64_t kobj = (uint64_t)(uintptr_t)k->kd;
  memcpy(pk + 32, &kobj, 8);
  memcpy(pk + 40, &kernarg, 8);
}

static void put(unsigned char *ka, const crk_kernel_arg *a, uint64_t v) {
  size_t n = a->size < 8 ? (size_t)a->size : 8;
  memcpy(ka + a->offset, &v, n); /* little-endian host */
}

/* The kernel argument segment. Explicit arguments come from args[] in
 * order; hidden ones are what the runtime writes for a launch in
 * workgroups (so no partial workgroups: the remainders are 0). */
static int fill_kernarg(unsigned char *ka, size_t kasize, const emu_kernel *k, const unsigned grid[3],
                        const unsigned block[3], void **args, char *err, size_t errlen) {
  size_t explicit = 0;
  for (size_t i = 0; i < k->md->nargs; i++) {
    const crk_kernel_arg *a = &k->md->args[i];
    if (a->offset + a->size > kasize) {
      snprintf(err, errlen, "%s: argument %zu lies past the %zu-byte kernarg segment", k->md->name, i, kasize);
      return -1;
    }
    if (!a->hidden) {
      memcpy(ka + a->offset, args[explicit++], (size_t)a->size);
      continue;
    }
    const char *kind = a->kind + strlen("hidden_");
    if (strncmp(kind, "block_count_", 12) == 0) put(ka, a, grid[kind[12] - 'x']);
    else if (strncmp(kind, "group_size_", 11) == 0) put(ka, a, block[kind[11] - 'x']);
    else if (strcmp(kind, "grid_dims") == 0) put(ka, a, 3);
    /* Everything else (global offsets, remainders, printf/hostcall buffers,
     * queues, heap, dynamic LDS size, apertures) is 0 for these launches:
     * no offsets, whole workgroups, no device-side services, no dynamic LDS. */
  }
  return 0;
}

static PyObject *glue_dispatch;

static int python_ready(char *err, size_t errlen) {
  if (glue_dispatch) return 0;
  const char *tg = getenv("TINYGRAD"), *glue = getenv("CRK_EMU_GLUE_DIR");
  if (!tg || !*tg || !glue || !*glue) {
    snprintf(err, errlen, "TINYGRAD (the patched emulator checkout) and CRK_EMU_GLUE_DIR must be set");
    return -1;
  }
  if (!Py_IsInitialized()) Py_InitializeEx(0);
  PyObject *path = PySys_GetObject("path"); /* borrowed */
  PyObject *a = PyUnicode_FromString(tg), *b = PyUnicode_FromString(glue);
  PyList_Insert(path, 0, a);
  PyList_Insert(path, 0, b);
  Py_XDECREF(a);
  Py_XDECREF(b);
  PyObject *mod = PyImport_ImportModule("emu_glue");
  if (mod) glue_dispatch = PyObject_GetAttrString(mod, "dispatch");
  Py_XDECREF(mod);
  if (!glue_dispatch) {
    PyErr_Print();
    snprintf(err, errlen, "cannot import the emulator (emu_glue from %s, tinygrad from %s): see stderr", glue, tg);
    return -1;
  }
  return 0;
}

int emu_dispatch(const emu_kernel *k, const char *processor, const unsigned grid[3],
                 const unsigned block[3], void **args, char *err, size_t errlen) {
  const char *isa = emu_isa_of(processor);
  if (!isa) {
    snprintf(err, errlen, "the emulator has no ISA for %s", processor);
    return -1;
  }
  if (strcmp(isa, "cdna") != 0 && !(k->properties & PROP_WAVE32)) {
    snprintf(err, errlen, "%s: a wave64 kernel on %s, which the emulator runs as wave32", k->md->name, processor);
    return -1;
  }
  if (k->scratch) {
    snprintf(err, errlen, "%s uses %u bytes of scratch per work-item: not emulated", k->md->name, k->scratch);
    return -1;
  }
  if (python_ready(err, errlen)) return -1;

  size_t kasize = (size_t)(k->md->kernarg_size > 0 ? k->md->kernarg_size : 0);
  unsigned char *ka = NULL, *packet = NULL;
  if (posix_memalign((void **)&ka, 64, kasize + 64) || posix_memalign((void **)&packet, 64, 64)) {
    free(ka);
    snprintf(err, errlen, "out of host memory");
    return -1;
  }
  memset(ka, 0, kasize + 64);
  int rc = -1;
  if (fill_kernarg(ka, kasize, k, grid, block, args, err, errlen)) goto out;
  fill_packet(packet, k, grid, block, (uint64_t)(uintptr_t)ka);

  /* User SGPRs, in order, padded to the count the descriptor declares. */
  uint64_t sg[16] = {0};
  int n = 0;
  for (size_t i = 0; i < sizeof user_sgprs / sizeof *user_sgprs; i++) {
    if (!(k->properties & (1u << user_sgprs[i].bit))) continue;
    uint64_t v = user_sgprs[i].bit == 1 ? (uint64_t)(uintptr_t)packet
                 : user_sgprs[i].bit == 3 ? (uint64_t)(uintptr_t)ka
                                          : 0;
    for (int j = 0; j < user_sgprs[i].count && n < 16; j++) sg[n++] = j == 0 ? v & 0xffffffffu : j == 1 ? v >> 32 : 0;
  }
  int want = (int)RSRC2_USER_SGPR_COUNT(k->rsrc2);
  if (want < n || want > 16) {
    snprintf(err, errlen, "%s: descriptor declares %d user SGPRs, its properties need %d", k->md->name, want, n);
    goto out;
  }
  /* The emulator sizes LDS from rsrc2 (512-byte units), which HSA code
   * objects leave 0: the descriptor's group segment size says it. */
  uint32_t rsrc2 = (k->rsrc2 & ~RSRC2_LDS_MASK) | (((k->lds + 511) / 512) << RSRC2_LDS_SHIFT & RSRC2_LDS_MASK);
  int unpacked = strcmp(processor, "gfx906") == 0 || strcmp(processor, "gfx908") == 0 ||
                 strcmp(processor, "gfx900") == 0;

  PyObject *usr = PyList_New(want);
  for (int i = 0; i < want; i++) PyList_SetItem(usr, i, PyLong_FromUnsignedLongLong(i < n ? sg[i] : 0));
  PyObject *res = PyObject_CallFunction(
      glue_dispatch, "K(III)(III)KIIIsOis", (unsigned long long)k->entry, grid[0], grid[1], grid[2], block[0],
      block[1], block[2], (unsigned long long)(uintptr_t)ka, k->rsrc1, rsrc2, k->scratch, isa, usr, unpacked,
      k->md->name);
  Py_DECREF(usr);
  if (!res) {
    PyErr_Print();
    snprintf(err, errlen, "%s: the emulator failed (its traceback is on stderr)", k->md->name);
    goto out;
  }
  Py_DECREF(res);
  rc = 0;
out:
  free(ka);
  free(packet);
  return rc;
}
