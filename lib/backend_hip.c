/* backend_hip.c: the loader's AMD backend, the HIP runtime (libamdhip64)
 * found with dlopen.
 *
 * Only the few calls below are used, declared here by their C ABI (int
 * error codes, opaque handles), so this file builds without HIP headers and
 * the library links without any ROCm package. Device properties are read
 * from the struct the runtime fills: its layout changed in ROCm 6
 * (hipGetDevicePropertiesR0600); both layouts are known and the arch name
 * read is checked to be a target ID before it is trusted.
 *
 * The HIP module calls act on the calling thread's current device, so each
 * call here makes the wanted device current and then restores the caller's.
 */
#include "backend.h"

#include "target_pick.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* hipError_t values used (stable across HIP releases). */
enum {
  hipSuccess = 0,
  hipErrorOutOfMemory = 2,
  hipErrorInsufficientDriver = 35,
  hipErrorNoDevice = 100,
  hipErrorInvalidDevice = 101,
  hipErrorNoBinaryForGpu = 209,
  hipErrorNotFound = 500
};

/* gcnArchName in hipDeviceProp_t: char[256] at byte 396 of the ROCm 5
 * layout (hipGetDeviceProperties), at byte 1160 of the ROCm 6+ layout
 * (hipGetDevicePropertiesR0600, 1472 bytes). */
#define ARCH_NAME_R0000 396
#define ARCH_NAME_R0600 1160
#define ARCH_NAME_LEN 256
#define PROPS_BUFFER 8192 /* past either layout, for safety */

static struct {
  void *lib;
  char lib_name[512];
  int (*Init)(unsigned);
  int (*GetDeviceCount)(int *);
  int (*GetDevice)(int *);
  int (*SetDevice)(int);
  int (*GetDeviceProperties)(void *, int);
  size_t arch_offset;
  int (*ModuleLoadData)(void **, const void *);
  int (*ModuleGetFunction)(void **, void *, const char *);
  int (*ModuleUnload)(void *);
  const char *(*GetErrorName)(int);
} hip;

static const char *errname(int e) {
  const char *n = hip.GetErrorName ? hip.GetErrorName(e) : NULL;
  return n ? n : "unknown HIP error";
}

/* Reuses a HIP runtime already in the process (the host's own), so the two
 * never differ; else loads the newest that the dynamic linker finds, then
 * the one under $ROCM_PATH (default /opt/rocm). */
static void *open_runtime(char *name, size_t namelen, char *tried, size_t triedlen) {
  static const char *const names[] = {"libamdhip64.so", "libamdhip64.so.7", "libamdhip64.so.6",
                                      "libamdhip64.so.5"};
  const size_t count = sizeof names / sizeof names[0];
  for (size_t i = 0; i < count; i++) {
    void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (h) {
      snprintf(name, namelen, "%s", names[i]);
      return h;
    }
  }
  const char *rocm = getenv("ROCM_PATH");
  if (!rocm || !*rocm) rocm = "/opt/rocm";
  size_t used = 0;
  tried[0] = '\0';
  for (size_t i = 0; i <= count; i++) {
    char path[512];
    if (i < count) snprintf(path, sizeof path, "%s", names[i]);
    else snprintf(path, sizeof path, "%.400s/lib/libamdhip64.so", rocm);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h) {
      snprintf(name, namelen, "%s", path);
      return h;
    }
    if (used < triedlen) {
      int w = snprintf(tried + used, triedlen - used, "%s%s", used ? ", " : "", path);
      used += w > 0 ? (size_t)w : 0;
    }
  }
  return NULL;
}

static crk_status hip_init(char *err, size_t errlen) {
  if (!hip.lib) {
    char tried[1024];
    void *lib = open_runtime(hip.lib_name, sizeof hip.lib_name, tried, sizeof tried);
    if (!lib) {
      snprintf(err, errlen, "no HIP runtime: cannot load libamdhip64 (tried %s); install ROCm or libamdhip64",
               tried);
      return CRK_ERR_NO_RUNTIME;
    }
    /* Resolve everything before keeping anything: all or nothing. */
    struct { const char *sym; void **slot; } syms[] = {
      {"hipInit", (void **)&hip.Init},
      {"hipGetDeviceCount", (void **)&hip.GetDeviceCount},
      {"hipGetDevice", (void **)&hip.GetDevice},
      {"hipSetDevice", (void **)&hip.SetDevice},
      {"hipModuleLoadData", (void **)&hip.ModuleLoadData},
      {"hipModuleGetFunction", (void **)&hip.ModuleGetFunction},
      {"hipModuleUnload", (void **)&hip.ModuleUnload},
      {"hipGetErrorName", (void **)&hip.GetErrorName},
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
      void *p = dlsym(lib, syms[i].sym);
      if (!p) {
        snprintf(err, errlen, "HIP runtime %s lacks %s: not a usable libamdhip64", hip.lib_name, syms[i].sym);
        memset(&hip, 0, sizeof hip);
        dlclose(lib);
        return CRK_ERR_NO_RUNTIME;
      }
      *syms[i].slot = p;
    }
    void *props = dlsym(lib, "hipGetDevicePropertiesR0600");
    hip.arch_offset = ARCH_NAME_R0600;
    if (!props) {
      props = dlsym(lib, "hipGetDeviceProperties");
      hip.arch_offset = ARCH_NAME_R0000;
    }
    if (!props) {
      snprintf(err, errlen, "HIP runtime %s lacks hipGetDeviceProperties", hip.lib_name);
      memset(&hip, 0, sizeof hip);
      dlclose(lib);
      return CRK_ERR_NO_RUNTIME;
    }
    *(void **)&hip.GetDeviceProperties = props;
    /* Never dlclosed: the runtime's own teardown runs at exit. */
    hip.lib = lib;
  }
  int e = hip.Init(0);
  if (e == hipSuccess) return CRK_OK;
  snprintf(err, errlen, "%s: hipInit failed: %s (%d)%s", hip.lib_name, errname(e), e,
           e == hipErrorNoDevice || e == hipErrorInvalidDevice || e == hipErrorInsufficientDriver
               ? ": no usable AMD GPU (is the amdgpu driver loaded and /dev/kfd accessible?)"
               : "");
  return e == hipErrorNoDevice || e == hipErrorInvalidDevice || e == hipErrorInsufficientDriver
             ? CRK_ERR_NO_DEVICE
             : CRK_ERR_RUNTIME;
}

static crk_status hip_device_count(int *count, char *err, size_t errlen) {
  int n = 0, e = hip.GetDeviceCount(&n);
  *count = 0;
  if (e == hipErrorNoDevice || (e == hipSuccess && n <= 0)) {
    snprintf(err, errlen, "no GPU: the HIP runtime %s sees no AMD device", hip.lib_name);
    return CRK_ERR_NO_DEVICE;
  }
  if (e != hipSuccess) {
    snprintf(err, errlen, "hipGetDeviceCount failed: %s (%d)", errname(e), e);
    return CRK_ERR_RUNTIME;
  }
  *count = n;
  return CRK_OK;
}

static crk_status hip_device_arch(int device, char *arch, size_t archlen, char *err, size_t errlen) {
  unsigned char *props = calloc(1, PROPS_BUFFER);
  if (!props) {
    snprintf(err, errlen, "out of host memory reading the properties of device %d", device);
    return CRK_ERR_NO_MEMORY;
  }
  int e = hip.GetDeviceProperties(props, device);
  if (e != hipSuccess) {
    free(props);
    snprintf(err, errlen, "hipGetDeviceProperties(device %d) failed: %s (%d)", device, errname(e), e);
    return CRK_ERR_RUNTIME;
  }
  const char *name = (const char *)props + hip.arch_offset;
  size_t n = strnlen(name, ARCH_NAME_LEN);
  crk_target_id tid;
  crk_status s = CRK_OK;
  if (n == 0 || n == ARCH_NAME_LEN || crk_target_id_parse(name, n, &tid) || strncmp(name, "gfx", 3) != 0) {
    snprintf(err, errlen, "device %d: the HIP runtime %s gave no readable gcnArchName (%.32s)", device,
             hip.lib_name, n < ARCH_NAME_LEN ? name : "unterminated");
    s = CRK_ERR_RUNTIME;
  } else if (n >= archlen) {
    snprintf(err, errlen, "device %d: arch name '%s' is too long", device, name);
    s = CRK_ERR_RUNTIME;
  } else {
    memcpy(arch, name, n + 1);
  }
  free(props);
  return s;
}

/* Makes device current for one runtime call; *old gets the caller's. */
static int enter(int device, int *old, char *err, size_t errlen) {
  int e = hip.GetDevice(old);
  if (e != hipSuccess) *old = -1;
  e = hip.SetDevice(device);
  if (e != hipSuccess) {
    snprintf(err, errlen, "hipSetDevice(%d) failed: %s (%d)", device, errname(e), e);
    return -1;
  }
  return 0;
}

static void leave(int old) {
  if (old >= 0) hip.SetDevice(old);
}

static crk_status hip_module_load(int device, const void *image, size_t size, void **module,
                                  char *err, size_t errlen) {
  int old;
  (void)size; /* a code object carries its own size */
  if (enter(device, &old, err, errlen)) return CRK_ERR_RUNTIME;
  int e = hip.ModuleLoadData(module, image);
  leave(old);
  if (e == hipSuccess) return CRK_OK;
  snprintf(err, errlen, "hipModuleLoadData failed: %s (%d)", errname(e), e);
  return e == hipErrorOutOfMemory ? CRK_ERR_NO_MEMORY
         : e == hipErrorNoBinaryForGpu ? CRK_ERR_ARCH_MISSING
                                       : CRK_ERR_RUNTIME;
}

static crk_status hip_module_function(int device, void *module, const char *name, void **function,
                                      char *err, size_t errlen) {
  int old;
  if (enter(device, &old, err, errlen)) return CRK_ERR_RUNTIME;
  int e = hip.ModuleGetFunction(function, module, name);
  leave(old);
  if (e == hipSuccess) return CRK_OK;
  snprintf(err, errlen, "hipModuleGetFunction failed: %s (%d)", errname(e), e);
  return e == hipErrorNotFound ? CRK_ERR_KERNEL_NOT_FOUND : CRK_ERR_RUNTIME;
}

static void hip_module_unload(int device, void *module) {
  int old;
  char err[128];
  if (enter(device, &old, err, sizeof err)) return;
  hip.ModuleUnload(module);
  leave(old);
}

const crk_backend crk_backend_hip = {
  .name = "HIP",
  .platform = CRK_PLATFORM_AMD,
  .init = hip_init,
  .device_count = hip_device_count,
  .device_arch = hip_device_arch,
  .module_load = hip_module_load,
  .module_function = hip_module_function,
  .module_unload = hip_module_unload,
};
