/* loader.c: the public loader API (candle_rocm_kernels.h): modules opened
 * once per blob, loaded once per device, kernels cached by name.
 *
 * Concurrency, from the outside in:
 * - a registry (one mutex) maps each open blob to its module, so a blob has
 *   one module, hence one load per device, however often it is opened;
 *   each open gets a handle of its own (handle.h), so a caller's extra
 *   close or use after close is an error, never another caller's loss;
 * - a module has one slot per device, created under the module's mutex and
 *   published as an atomic pointer;
 * - a slot's mutex serializes the load of the module on that device and the
 *   runtime lookups of kernels not yet cached; `loaded` is published with
 *   release ordering only after the load succeeded, so no thread ever sees a
 *   half-loaded module, and a failed load leaves the slot empty for a retry;
 * - a cached lookup takes no lock at all (fn_cache.h) and makes no runtime
 *   call: two acquire loads, a hash and a string compare.
 */
#include "candle_rocm_kernels.h"

#include "backend.h"
#include "diagnose.h"
#include "module_blob.h"
#include "elf_check.h"
#include "error.h"
#include "escape.h"
#include "fn_cache.h"
#include "handle.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Device ordinals a module can be used on; slots cost a pointer each. */
#define CRK_MAX_DEVICES 256

typedef struct {
  pthread_mutex_t lock;     /* the load, and lookups that miss the cache */
  atomic_int loaded;        /* 1 once module is valid (release/acquire) */
  void *module;             /* the backend's module, once loaded */
  const crk_backend *backend; /* the one that loaded it, to unload it */
  int target;               /* index into the blob's targets */
  unsigned char *retargeted; /* ISA fallback: the copy handed to the runtime, marked as
                                the device's processor; freed after the unload */
  crk_fn_cache fns;
} device_slot;

/* What every open of one blob shares; callers hold handles to it. */
typedef struct module module;
struct module {
  const unsigned char *blob;
  size_t len;
  char *name;
  crk_ldr_blob info;
  int refs;                 /* open handles; under registry_lock */
  struct module *next;      /* registry list */
  pthread_mutex_t lock;     /* creates slots */
  _Atomic(device_slot *) slots[CRK_MAX_DEVICES];
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static module *registry;

/* The public enum and the shared pick rules count alike. */
_Static_assert((int)CRK_MATCH_EXACT == (int)CRK_PICK_EXACT && (int)CRK_MATCH_GENERIC == (int)CRK_PICK_GENERIC &&
                   (int)CRK_MATCH_ISA_COMPATIBLE == (int)CRK_PICK_ISA && (int)CRK_MATCH_NONE == (int)CRK_PICK_NONE,
               "crk_match and crk_pick_kind differ");

/* ISA fallback: -1 until the host decides (then CRK_ISA_FALLBACK does). */
static atomic_int isa_fallback_set = -1;

void crk_set_isa_fallback(int on) { atomic_store(&isa_fallback_set, on != 0); }

static int isa_fallback(void) {
  int v = atomic_load(&isa_fallback_set);
  if (v >= 0) return v;
  const char *e = getenv("CRK_ISA_FALLBACK");
  return e && strcmp(e, "1") == 0;
}

/* ---- opening and closing -------------------------------------------------- */

/* A new module for the blob, with no handle yet (refs 0, not in the
 * registry); the caller holds registry_lock. */
static crk_status module_new(const void *blob, size_t len, const char *name, module **out) {
  crk_status s = CRK_OK;
  char err[512];
  module *m = calloc(1, sizeof *m);
  char *copy = strdup(name);
  if (!m || !copy) {
    s = crk_fail(CRK_ERR_NO_MEMORY, "opening module %s: out of host memory", name);
  } else if ((s = crk_ldr_blob_inspect(blob, len, &m->info, err, sizeof err)) != CRK_OK) {
    s = crk_fail(s, "module %s (%zu bytes) is rejected: %s", name, len, err);
  } else {
    const crk_backend *b = crk_backend_current();
    if (crk_ldr_blob_platform(m->info.kind) != b->platform) {
      char archs[256];
      crk_ldr_blob_targets(&m->info, archs, sizeof archs);
      s = crk_fail(CRK_ERR_BAD_BLOB,
                   "module %s is a %s (%s), which the %s runtime of this %s build cannot load: "
                   "build the library with PLATFORM=%s",
                   name, crk_ldr_blob_kind_name(m->info.kind), archs, b->name,
                   b->platform == CRK_PLATFORM_AMD ? "AMD" : "NVIDIA",
                   b->platform == CRK_PLATFORM_AMD ? "nvidia" : "amd");
      crk_ldr_blob_free(&m->info);
    }
  }
  if (s != CRK_OK) {
    free(copy);
    free(m);
    return s;
  }
  m->blob = blob;
  m->len = len;
  m->name = copy;
  pthread_mutex_init(&m->lock, NULL);
  for (int d = 0; d < CRK_MAX_DEVICES; d++) atomic_init(&m->slots[d], NULL);
  *out = m;
  return CRK_OK;
}

/* Unloads every per-device module loaded for m, once each, and frees it. */
static void module_free(module *m) {
  for (int d = 0; d < CRK_MAX_DEVICES; d++) {
    device_slot *s = atomic_load_explicit(&m->slots[d], memory_order_acquire);
    if (!s) continue;
    if (atomic_load_explicit(&s->loaded, memory_order_acquire))
      s->backend->module_unload(d, s->module);
    free(s->retargeted);
    crk_fn_cache_destroy(&s->fns);
    pthread_mutex_destroy(&s->lock);
    free(s);
  }
  pthread_mutex_destroy(&m->lock);
  crk_ldr_blob_free(&m->info);
  free(m->name);
  free(m);
}

crk_status crk_module_open_named(const void *blob, size_t len, const char *name,
                                 crk_module **out) {
  if (!out) return crk_fail(CRK_ERR_INVALID_ARG, "crk_module_open: out is NULL");
  *out = NULL;
  if (!blob || len == 0)
    return crk_fail(CRK_ERR_INVALID_ARG, "crk_module_open: no blob (pointer %p, %zu bytes)", blob, len);
  char fallback[64];
  if (!name) {
    if (blob == QUANTIZED) name = "QUANTIZED";
    else snprintf(fallback, sizeof fallback, "blob@%p", blob), name = fallback;
  }

  /* The handle is made under the registry lock, so that no close can drop
   * the module's last reference between finding it and counting this one. */
  pthread_mutex_lock(&registry_lock);
  module *m = NULL;
  for (module *r = registry; r && !m; r = r->next)
    if (r->blob == blob && r->len == len) m = r;
  crk_status s = m ? CRK_OK : module_new(blob, len, name, &m);
  if (s == CRK_OK && crk_handle_new(m, out) != 0) {
    s = crk_fail(CRK_ERR_NO_MEMORY, "opening module %s: out of host memory for a handle, or %zu handles open",
                 name, CRK_HANDLE_MAX);
    if (m->refs == 0) module_free(m);
  } else if (s == CRK_OK && m->refs++ == 0) {
    m->next = registry;
    registry = m;
  }
  pthread_mutex_unlock(&registry_lock);
  return s;
}

crk_status crk_module_open(const void *blob, size_t len, crk_module **out) {
  return crk_module_open_named(blob, len, NULL, out);
}

/* The module behind an open handle, or NULL with the error set; `what`
 * names the call. */
static module *open_module(const crk_module *h, const char *what) {
  if (!h) {
    crk_fail(CRK_ERR_INVALID_ARG, "%s: module is NULL", what);
    return NULL;
  }
  module *m = crk_handle_get(h);
  if (!m)
    crk_fail(CRK_ERR_INVALID_ARG, "%s: module handle %p is not open (closed already, or not from crk_module_open)",
             what, (const void *)h);
  return m;
}

crk_status crk_module_close(crk_module *h) {
  if (!h) return CRK_OK;
  module *m = crk_handle_close(h);
  if (!m)
    return crk_fail(CRK_ERR_INVALID_ARG,
                    "crk_module_close: module handle %p is not open (closed already, or not from crk_module_open)",
                    (void *)h);
  pthread_mutex_lock(&registry_lock);
  if (--m->refs > 0) {
    pthread_mutex_unlock(&registry_lock);
    return CRK_OK;
  }
  for (module **p = &registry; *p; p = &(*p)->next) {
    if (*p == m) {
      *p = m->next;
      break;
    }
  }
  pthread_mutex_unlock(&registry_lock);
  module_free(m);
  return CRK_OK;
}

crk_status crk_module_archs(const crk_module *h, char *buf, size_t len) {
  const module *m = open_module(h, "crk_module_archs");
  if (!m) return CRK_ERR_INVALID_ARG;
  if (!buf || len == 0) return crk_fail(CRK_ERR_INVALID_ARG, "crk_module_archs: no buffer");
  size_t need = crk_ldr_blob_targets(&m->info, buf, len);
  if (need >= len)
    return crk_fail(CRK_ERR_INVALID_ARG,
                    "crk_module_archs: the archs of module %s need %zu bytes, the buffer has %zu",
                    m->name, need + 1, len);
  return CRK_OK;
}

/* ---- devices ---------------------------------------------------------------- */

/* Starts the backend and checks that device exists. `what` says what the
 * caller was doing, for the message. */
static crk_status device_ready(int device, const char *what, const crk_backend **b) {
  char err[512];
  if (device < 0 || device >= CRK_MAX_DEVICES)
    return crk_fail(CRK_ERR_INVALID_ARG, "%s: device %d is out of range (0..%d)", what, device,
                    CRK_MAX_DEVICES - 1);
  crk_status s = crk_backend_ready(b, err, sizeof err);
  if (s != CRK_OK) return crk_fail(s, "%s: %s", what, err);
  int n = 0;
  if ((s = (*b)->device_count(&n, err, sizeof err)) != CRK_OK) return crk_fail(s, "%s: %s", what, err);
  if (device >= n)
    return crk_fail(CRK_ERR_INVALID_ARG, "%s: device %d does not exist: the %s runtime sees %d device%s",
                    what, device, (*b)->name, n, n == 1 ? "" : "s");
  return CRK_OK;
}

/* The device's arch into arch; on AMD also parsed into tid. A name with a
 * byte that is not printable ASCII is the runtime's fault, refused (and
 * shown escaped): it would otherwise reach callers' logs and terminals. */
static crk_status device_target(const crk_backend *b, int device, const char *what, char *arch,
                                size_t archlen, crk_target_id *tid) {
  char err[512], shown[CRK_TARGET_MAX * 4 * 4 + 1];
  crk_status s = b->device_arch(device, arch, archlen, err, sizeof err);
  if (s != CRK_OK) return crk_fail(s, "%s: %s", what, err);
  if (crk_needs_escape(arch, strlen(arch)))
    return crk_fail(CRK_ERR_RUNTIME, "%s: device %d reports arch '%s', which holds bytes that are not printable ASCII",
                    what, device, crk_escape(shown, sizeof shown, arch, strlen(arch)));
  if (tid && crk_target_id_parse(arch, strlen(arch), tid))
    return crk_fail(CRK_ERR_RUNTIME, "%s: device %d reports arch '%s', which is not an AMD target ID",
                    what, device, arch);
  return CRK_OK;
}

crk_status crk_device_count(int *count) {
  char err[512];
  const crk_backend *b;
  if (!count) return crk_fail(CRK_ERR_INVALID_ARG, "crk_device_count: count is NULL");
  *count = 0;
  crk_status s = crk_backend_ready(&b, err, sizeof err);
  if (s == CRK_OK) s = b->device_count(count, err, sizeof err);
  return s == CRK_OK ? s : crk_fail(s, "counting devices: %s", err);
}

crk_status crk_device_arch(int device, char *buf, size_t len) {
  const crk_backend *b;
  char what[64], arch[CRK_TARGET_MAX * 4];
  if (!buf || len == 0) return crk_fail(CRK_ERR_INVALID_ARG, "crk_device_arch: no buffer");
  buf[0] = '\0';
  snprintf(what, sizeof what, "reading the arch of device %d", device);
  crk_status s = device_ready(device, what, &b);
  if (s == CRK_OK) s = device_target(b, device, what, arch, sizeof arch, NULL);
  if (s != CRK_OK) return s;
  if (strlen(arch) >= len)
    return crk_fail(CRK_ERR_INVALID_ARG, "%s: '%s' needs %zu bytes, the buffer has %zu", what, arch,
                    strlen(arch) + 1, len);
  memcpy(buf, arch, strlen(arch) + 1);
  return CRK_OK;
}

static crk_status device_arch_missing(const module *m, int device, const char *arch) {
  char who[32];
  snprintf(who, sizeof who, "device %d", device);
  return crk_diagnose_arch_missing(&m->info, m->name, who, arch, isa_fallback());
}

crk_status crk_module_pick(const crk_module *h, const char *device_arch, char *buf, size_t len,
                           crk_match *how) {
  if (how) *how = CRK_MATCH_NONE;
  const module *m = open_module(h, "crk_module_pick");
  if (!m) return CRK_ERR_INVALID_ARG;
  if (!device_arch || !buf || len == 0)
    return crk_fail(CRK_ERR_INVALID_ARG, "crk_module_pick: %s is NULL or empty", !device_arch ? "device_arch" : "buf");
  buf[0] = '\0';
  if (crk_ldr_blob_platform(m->info.kind) != CRK_PLATFORM_AMD)
    return crk_fail(CRK_ERR_BAD_BLOB, "crk_module_pick: module %s is a %s: the CUDA driver picks its code",
                    m->name, crk_ldr_blob_kind_name(m->info.kind));
  crk_target_id tid;
  if (crk_target_id_parse(device_arch, strlen(device_arch), &tid)) {
    char shown[256];
    return crk_fail(CRK_ERR_INVALID_ARG, "crk_module_pick: '%s' is not an AMD target ID (like gfx1100 or "
                    "gfx90a:sramecc+:xnack-)", crk_escape(shown, sizeof shown, device_arch, strnlen(device_arch, 60)));
  }
  crk_pick_kind kind;
  int t = crk_ldr_blob_pick(&m->info, &tid, isa_fallback(), &kind);
  if (t < 0) return crk_diagnose_arch_missing(&m->info, m->name, "a device", device_arch, isa_fallback());
  const char *target = m->info.targets[t].target;
  if (strlen(target) >= len)
    return crk_fail(CRK_ERR_INVALID_ARG, "crk_module_pick: '%s' needs %zu bytes, the buffer has %zu", target,
                    strlen(target) + 1, len);
  memcpy(buf, target, strlen(target) + 1);
  if (how) *how = (crk_match)kind;
  return CRK_OK;
}

crk_status crk_module_check_device(const crk_module *h, int device) {
  const crk_backend *b;
  char what[160], arch[CRK_TARGET_MAX * 4];
  crk_target_id tid;
  const module *m = open_module(h, "crk_module_check_device");
  if (!m) return CRK_ERR_INVALID_ARG;
  snprintf(what, sizeof what, "checking module %s against device %d", m->name, device);
  crk_status s = device_ready(device, what, &b);
  if (s != CRK_OK || b->platform != CRK_PLATFORM_AMD) return s;
  if ((s = device_target(b, device, what, arch, sizeof arch, &tid)) != CRK_OK) return s;
  return crk_ldr_blob_pick(&m->info, &tid, isa_fallback(), NULL) < 0 ? device_arch_missing(m, device, arch) : CRK_OK;
}

/* ---- loading and lookups ----------------------------------------------------- */

static crk_status get_slot(module *m, int device, device_slot **out) {
  device_slot *s = atomic_load_explicit(&m->slots[device], memory_order_acquire);
  if (s) {
    *out = s;
    return CRK_OK;
  }
  pthread_mutex_lock(&m->lock);
  s = atomic_load_explicit(&m->slots[device], memory_order_relaxed);
  if (!s) {
    s = calloc(1, sizeof *s);
    if (s && crk_fn_cache_init(&s->fns) != 0) {
      free(s);
      s = NULL;
    }
    if (s) {
      pthread_mutex_init(&s->lock, NULL);
      atomic_init(&s->loaded, 0);
      atomic_store_explicit(&m->slots[device], s, memory_order_release);
    }
  }
  pthread_mutex_unlock(&m->lock);
  if (!s)
    return crk_fail(CRK_ERR_NO_MEMORY, "loading module %s on device %d: out of host memory", m->name, device);
  *out = s;
  return CRK_OK;
}

/* Loads the module on the device; the caller holds s->lock. */
static crk_status load(module *m, int device, device_slot *s) {
  const crk_backend *b;
  char what[160], err[512], arch[CRK_TARGET_MAX * 4];
  snprintf(what, sizeof what, "loading module %s on device %d", m->name, device);
  crk_status st = device_ready(device, what, &b);
  if (st != CRK_OK) return st;
  int target = 0;
  unsigned char *retargeted = NULL;
  crk_target_id tid;
  if (b->platform == CRK_PLATFORM_AMD) {
    /* Pick the code object ourselves and hand the runtime that one ELF, so
     * a missing arch is our error with both sides named (not the runtime's
     * "no binary for GPU"), and a generic or fallback code object is used
     * even by a runtime that would look only for the device's own entry in
     * a bundle. */
    crk_pick_kind kind;
    if ((st = device_target(b, device, what, arch, sizeof arch, &tid)) != CRK_OK) return st;
    if ((target = crk_ldr_blob_pick(&m->info, &tid, isa_fallback(), &kind)) < 0)
      return device_arch_missing(m, device, arch);
    if (kind == CRK_PICK_ISA) {
      /* The runtime loads a code object only for the device's processor:
       * a copy marked as that processor (the ISA is the same). */
      const crk_ldr_blob_target *t = &m->info.targets[target];
      if (!(retargeted = malloc(t->size)))
        return crk_fail(CRK_ERR_NO_MEMORY, "%s: out of host memory copying %s's code object", what, t->target);
      memcpy(retargeted, t->image, t->size);
      if (crk_elf_amdgpu_set_processor(retargeted, t->size, tid.processor) != 0) {
        free(retargeted);
        return device_arch_missing(m, device, arch);
      }
    }
  }
  const crk_ldr_blob_target *t = &m->info.targets[target];
  void *module = NULL;
  int marked = retargeted != NULL;
  st = b->module_load(device, retargeted ? retargeted : t->image, t->size, &module, err, sizeof err);
  if (st != CRK_OK) free(retargeted);
  if (st == CRK_ERR_ARCH_MISSING && b->platform == CRK_PLATFORM_AMD)
    return crk_diagnose_runtime_refused(m->name, device, arch, &tid, t, err);
  if (st == CRK_ERR_ARCH_MISSING) {
    /* The CUDA driver found no cubin or PTX for the device. */
    if (b->device_arch(device, arch, sizeof arch, err, sizeof err) != CRK_OK) snprintf(arch, sizeof arch, "unknown");
    return device_arch_missing(m, device, arch);
  }
  if (st != CRK_OK)
    return crk_fail(st, "%s (%s %s%s, %zu bytes): %s", what, t->target, crk_ldr_blob_kind_name(m->info.kind),
                    marked ? " marked as the device's processor" : "", t->size, err);
  s->retargeted = retargeted;
  s->module = module;
  s->backend = b;
  s->target = target;
  atomic_store_explicit(&s->loaded, 1, memory_order_release);
  return CRK_OK;
}

/* Resolves a kernel not in the cache; the caller holds s->lock. */
static crk_status resolve(module *m, int device, device_slot *s, const char *kernel,
                          uint64_t hash, void **function) {
  const crk_ldr_blob_target *t = &m->info.targets[s->target];
  char err[512];
  if (m->info.kind == CRK_LDR_BLOB_AMD_BUNDLE || m->info.kind == CRK_LDR_BLOB_AMD_ELF) {
    /* Kernels are found by their descriptor symbol NAME.kd: check it here,
     * so an unknown name is our error whatever the runtime says. */
    size_t n = strlen(kernel);
    char *kd = malloc(n + 4);
    if (!kd) return crk_fail(CRK_ERR_NO_MEMORY, "looking up kernel '%s': out of host memory", kernel);
    memcpy(kd, kernel, n);
    memcpy(kd + n, ".kd", 4);
    int found = crk_elf_has_dynsym(t->image, t->size, kd);
    free(kd);
    if (found == 0)
      return crk_fail(CRK_ERR_KERNEL_NOT_FOUND, "kernel '%s' not found in module %s (%s code object, device %d)",
                      kernel, m->name, t->target, device);
  }
  void *fn = NULL;
  crk_status st = s->backend->module_function(device, s->module, kernel, &fn, err, sizeof err);
  if (st == CRK_ERR_KERNEL_NOT_FOUND)
    return crk_fail(st, "kernel '%s' not found in module %s (%s, device %d): %s", kernel, m->name,
                    t->target, device, err);
  if (st != CRK_OK)
    return crk_fail(st, "looking up kernel '%s' in module %s on device %d: %s", kernel, m->name, device, err);
  /* Out of memory here only costs the cache: the handle is good. */
  (void)crk_fn_cache_insert(&s->fns, kernel, hash, fn);
  *function = fn;
  return CRK_OK;
}

crk_status crk_module_function(crk_module *h, int device, const char *kernel, void **function) {
  module *m = open_module(h, "crk_module_function");
  if (!m) return CRK_ERR_INVALID_ARG;
  if (!kernel || !function)
    return crk_fail(CRK_ERR_INVALID_ARG, "crk_module_function: %s is NULL", !kernel ? "kernel name" : "function");
  if (device < 0 || device >= CRK_MAX_DEVICES)
    return crk_fail(CRK_ERR_INVALID_ARG, "looking up kernel '%s': device %d is out of range (0..%d)", kernel,
                    device, CRK_MAX_DEVICES - 1);
  uint64_t hash = crk_fn_hash(kernel);

  /* The hit path: no lock, no runtime call. */
  device_slot *s = atomic_load_explicit(&m->slots[device], memory_order_acquire);
  if (s && atomic_load_explicit(&s->loaded, memory_order_acquire)) {
    const crk_fn_entry *e = crk_fn_cache_find(&s->fns, kernel, hash);
    if (e) {
      *function = e->fn;
      return CRK_OK;
    }
  }

  crk_status st = get_slot(m, device, &s);
  if (st != CRK_OK) return st;
  pthread_mutex_lock(&s->lock);
  if (!atomic_load_explicit(&s->loaded, memory_order_relaxed)) st = load(m, device, s);
  if (st == CRK_OK) {
    /* Another thread may have resolved it while this one waited. */
    const crk_fn_entry *e = crk_fn_cache_find(&s->fns, kernel, hash);
    if (e) *function = e->fn;
    else st = resolve(m, device, s, kernel, hash, function);
  }
  pthread_mutex_unlock(&s->lock);
  return st;
}
