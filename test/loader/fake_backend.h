/* fake_backend.h: a loader backend for tests, with no GPU. It counts every
 * call, can be told to fail, and checks that the loader uses it correctly
 * (a function looked up only in a module that is loaded, on its device; a
 * module unloaded once). Plus makers of small synthetic blobs.
 */
#ifndef CRK_FAKE_BACKEND_H
#define CRK_FAKE_BACKEND_H

#include "../lib/backend.h"

#include <stdatomic.h>
#include <stddef.h>

#define FAKE_MAX_DEVICES 8

typedef struct {
  /* Set by the test (before threads start). */
  int devices;                         /* -1: init fails (no runtime); 0: no device */
  char arch[FAKE_MAX_DEVICES][64];     /* what device_arch reports */
  int load_delay_us;                   /* widens race windows */
  atomic_int fail_loads;               /* the next N module loads fail */
  atomic_int load_arch_missing;        /* module loads fail as the driver's "no binary" */
  /* Counted by the fake. */
  atomic_int init_calls;
  atomic_int load_calls[FAKE_MAX_DEVICES];
  atomic_int function_calls[FAKE_MAX_DEVICES];
  atomic_int unload_calls[FAKE_MAX_DEVICES];
  atomic_int live_modules;             /* loaded and not yet unloaded */
  atomic_int misuse;                   /* wrong module/device, double unload */
  _Atomic(const void *) loaded_image[FAKE_MAX_DEVICES]; /* the last image loaded */
} fake_state;

extern fake_state fake;
/* The same fake, loading AMD blobs or NVIDIA blobs. module_function knows
 * every name except those starting with "missing", which it reports as the
 * runtime's "not found". */
extern const crk_backend fake_backend_amd;
extern const crk_backend fake_backend_nvidia;

/* Zeroes the counters and sets devices, each with arch. */
void fake_reset(int devices, const char *arch);

/* The handle the fake returns for a kernel on a device. */
void *fake_function_handle(int device, const char *name);

/* Synthetic blobs (heap, free() them). */
/* A 64-byte AMDGPU ELF header for processor mach (EF_AMDGPU_MACH) with the
 * v4+ feature bits in flags_features (e.g. 0x200 xnack off). */
unsigned char *fake_amd_elf(unsigned mach, unsigned flags_features, size_t *len);
/* An offload bundle of n entries: ids[i] and data[i] of size[i] bytes. */
unsigned char *fake_bundle(size_t n, const char *const *ids, const unsigned char *const *data,
                           const size_t *size, size_t *len);
/* A 64-byte CUDA cubin header for sm (new ABI when new_abi). */
unsigned char *fake_cubin(unsigned sm, int new_abi, size_t *len);
/* A fatbin of n entries, kinds[i] (1 PTX, 2 cubin) for archs[i], payload 16 bytes each. */
unsigned char *fake_fatbin(size_t n, const unsigned *kinds, const unsigned *archs, size_t *len);

#endif
