/* fake_backend.c: see fake_backend.h. */
#include "fake_backend.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

fake_state fake;

#define FAKE_MAGIC 0x6d6f64u /* "mod" */

typedef struct {
  unsigned magic;
  int device;
} fake_module;

void fake_reset(int devices, const char *arch) {
  memset(&fake, 0, sizeof fake);
  fake.devices = devices;
  for (int d = 0; d < FAKE_MAX_DEVICES; d++) snprintf(fake.arch[d], sizeof fake.arch[d], "%s", arch);
}

void *fake_function_handle(int device, const char *name) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const char *p = name; *p; p++) h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
  return (void *)(uintptr_t)(((h & 0xffffffffffull) << 4) | ((uint64_t)(device + 1) << 48));
}

static crk_status fake_init(char *err, size_t errlen) {
  atomic_fetch_add(&fake.init_calls, 1);
  if (fake.devices < 0) {
    snprintf(err, errlen, "no FAKE runtime: libfake.so not found");
    return CRK_ERR_NO_RUNTIME;
  }
  return CRK_OK;
}

static crk_status fake_device_count(int *count, char *err, size_t errlen) {
  *count = fake.devices;
  if (fake.devices == 0) {
    snprintf(err, errlen, "no GPU: the FAKE runtime sees no device");
    return CRK_ERR_NO_DEVICE;
  }
  return CRK_OK;
}

static crk_status fake_device_arch(int device, char *arch, size_t len, char *err, size_t errlen) {
  if (device < 0 || device >= fake.devices || device >= FAKE_MAX_DEVICES) {
    atomic_fetch_add(&fake.misuse, 1);
    snprintf(err, errlen, "fake: device_arch of absent device %d", device);
    return CRK_ERR_RUNTIME;
  }
  snprintf(arch, len, "%s", fake.arch[device]);
  return CRK_OK;
}

static crk_status fake_module_load(int device, const void *image, size_t size, void **module,
                                   char *err, size_t errlen) {
  (void)size;
  if (device < 0 || device >= FAKE_MAX_DEVICES) {
    atomic_fetch_add(&fake.misuse, 1);
    snprintf(err, errlen, "fake: load on device %d", device);
    return CRK_ERR_RUNTIME;
  }
  atomic_fetch_add(&fake.load_calls[device], 1);
  if (fake.load_delay_us) {
    struct timespec ts = {0, (long)fake.load_delay_us * 1000};
    nanosleep(&ts, NULL);
  }
  int n = atomic_load(&fake.fail_loads);
  while (n > 0 && !atomic_compare_exchange_weak(&fake.fail_loads, &n, n - 1)) {}
  if (n > 0) {
    snprintf(err, errlen, "fakeModuleLoadData failed: fakeErrorInjected (7)");
    return CRK_ERR_RUNTIME;
  }
  if (atomic_load(&fake.load_arch_missing)) {
    snprintf(err, errlen, "fakeModuleLoadData failed: no binary for GPU");
    return CRK_ERR_ARCH_MISSING;
  }
  fake_module *m = malloc(sizeof *m);
  if (!m) {
    snprintf(err, errlen, "fake: out of memory");
    return CRK_ERR_NO_MEMORY;
  }
  m->magic = FAKE_MAGIC;
  m->device = device;
  atomic_store(&fake.loaded_image[device], image);
  atomic_fetch_add(&fake.live_modules, 1);
  *module = m;
  return CRK_OK;
}

static crk_status fake_module_function(int device, void *module, const char *name, void **function,
                                       char *err, size_t errlen) {
  fake_module *m = module;
  if (device < 0 || device >= FAKE_MAX_DEVICES || !m || m->magic != FAKE_MAGIC || m->device != device) {
    atomic_fetch_add(&fake.misuse, 1);
    snprintf(err, errlen, "fake: function lookup in a module not loaded on device %d", device);
    return CRK_ERR_RUNTIME;
  }
  atomic_fetch_add(&fake.function_calls[device], 1);
  if (strncmp(name, "missing", 7) == 0) {
    snprintf(err, errlen, "fakeModuleGetFunction failed: fakeErrorNotFound (500)");
    return CRK_ERR_KERNEL_NOT_FOUND;
  }
  *function = fake_function_handle(device, name);
  return CRK_OK;
}

static void fake_module_unload(int device, void *module) {
  fake_module *m = module;
  if (device < 0 || device >= FAKE_MAX_DEVICES || !m || m->magic != FAKE_MAGIC || m->device != device) {
    atomic_fetch_add(&fake.misuse, 1);
    return;
  }
  m->magic = 0;
  atomic_fetch_add(&fake.unload_calls[device], 1);
  atomic_fetch_sub(&fake.live_modules, 1);
  free(m);
}

const crk_backend fake_backend_amd = {
  "FAKE", CRK_PLATFORM_AMD, fake_init, fake_device_count, fake_device_arch,
  fake_module_load, fake_module_function, fake_module_unload,
};
const crk_backend fake_backend_nvidia = {
  "FAKE", CRK_PLATFORM_NVIDIA, fake_init, fake_device_count, fake_device_arch,
  fake_module_load, fake_module_function, fake_module_unload,
};

/* ---- synthetic blobs ---- */

static void wr16(unsigned char *p, unsigned v) { p[0] = v & 0xff, p[1] = (v >> 8) & 0xff; }
static void wr32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (v >> (8 * i)) & 0xff; }
static void wr64(unsigned char *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (v >> (8 * i)) & 0xff; }

static unsigned char *elf_header(unsigned machine, unsigned char osabi, unsigned char abiversion,
                                 uint32_t flags, size_t *len) {
  unsigned char *p = calloc(1, 64);
  if (!p) abort();
  memcpy(p, "\177ELF", 4);
  p[4] = 2;  /* 64-bit */
  p[5] = 1;  /* little-endian */
  p[6] = 1;  /* version */
  p[7] = osabi;
  p[8] = abiversion;
  wr16(p + 16, 3); /* ET_DYN */
  wr16(p + 18, machine);
  wr32(p + 20, 1);
  wr32(p + 48, flags);
  wr16(p + 52, 64);
  *len = 64;
  return p;
}

unsigned char *fake_amd_elf(unsigned mach, unsigned flags_features, size_t *len) {
  return elf_header(224, 64 /* AMDGPU HSA */, 3 /* code object v5 */, mach | flags_features, len);
}

unsigned char *fake_cubin(unsigned sm, int new_abi, size_t *len) {
  return new_abi ? elf_header(190, 0x41, 8, sm << 8 | 0x06000002u, len)
                 : elf_header(190, 0x33, 7, sm | 0x00500000u, len);
}

unsigned char *fake_bundle(size_t n, const char *const *ids, const unsigned char *const *data,
                           const size_t *size, size_t *len) {
  size_t header = 24 + 8;
  for (size_t i = 0; i < n; i++) header += 24 + strlen(ids[i]);
  size_t total = header;
  for (size_t i = 0; i < n; i++) total += (size[i] + 7) / 8 * 8;
  unsigned char *p = calloc(1, total);
  if (!p) abort();
  memcpy(p, "__CLANG_OFFLOAD_BUNDLE__", 24);
  wr64(p + 24, n);
  size_t pos = 32, off = header;
  for (size_t i = 0; i < n; i++) {
    size_t idl = strlen(ids[i]);
    wr64(p + pos, off);
    wr64(p + pos + 8, size[i]);
    wr64(p + pos + 16, idl);
    memcpy(p + pos + 24, ids[i], idl);
    pos += 24 + idl;
    if (size[i]) memcpy(p + off, data[i], size[i]);
    off += (size[i] + 7) / 8 * 8;
  }
  *len = total;
  return p;
}

unsigned char *fake_fatbin(size_t n, const unsigned *kinds, const unsigned *archs, size_t *len) {
  const size_t ehs = 64, payload = 16;
  size_t total = 16 + n * (ehs + payload);
  unsigned char *p = calloc(1, total);
  if (!p) abort();
  wr32(p, 0xBA55ED50u);
  wr16(p + 4, 1);
  wr16(p + 6, 16);
  wr64(p + 8, total - 16);
  for (size_t i = 0; i < n; i++) {
    unsigned char *e = p + 16 + i * (ehs + payload);
    wr16(e, kinds[i]);
    wr16(e + 2, 0x101);
    wr32(e + 4, (uint32_t)ehs);
    wr64(e + 8, payload);
    wr32(e + 28, archs[i]);
  }
  *len = total;
  return p;
}
