/* backend_cuda.c: the loader's NVIDIA backend, the CUDA driver API
 * (libcuda.so.1, the driver's library) found with dlopen.
 *
 * Like the HIP backend it declares the few calls it makes by their C ABI, so
 * it builds without cuda.h and links without the driver. Modules live in the
 * device's primary context (the one the runtime API and cudarc use): a load
 * retains it and pushes it around each call, so the caller's current
 * context is left alone; unloading releases it. Launch with the primary
 * context current (cuDevicePrimaryCtxRetain + cuCtxSetCurrent, or any CUDA
 * runtime call on that device).
 */
#include "backend.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CUresult values used (cuda.h). */
enum {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_STUB_LIBRARY = 34,
  CUDA_ERROR_INSUFFICIENT_DRIVER = 35,
  CUDA_ERROR_NO_DEVICE = 100,
  CUDA_ERROR_NO_BINARY_FOR_GPU = 209,
  CUDA_ERROR_NOT_FOUND = 500,
  CUDA_ERROR_SYSTEM_DRIVER_MISMATCH = 803,
  CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE = 804
};
enum { CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76 };

typedef int CUdevice;

static struct {
  void *lib;
  char lib_name[64];
  int (*Init)(unsigned);
  int (*DeviceGetCount)(int *);
  int (*DeviceGet)(CUdevice *, int);
  int (*DeviceGetAttribute)(int *, int, CUdevice);
  int (*PrimaryCtxRetain)(void **, CUdevice);
  int (*PrimaryCtxRelease)(CUdevice);
  int (*CtxPushCurrent)(void *);
  int (*CtxPopCurrent)(void **);
  int (*ModuleLoadData)(void **, const void *);
  int (*ModuleGetFunction)(void **, void *, const char *);
  int (*ModuleUnload)(void *);
  int (*GetErrorName)(int, const char **);
} cu;

/* What the loader holds as a module: the CUmodule and the primary context it
 * lives in. */
typedef struct {
  void *module;
  void *ctx;
  CUdevice dev;
} cuda_module;

static const char *errname(int e) {
  const char *n = NULL;
  if (!cu.GetErrorName || cu.GetErrorName(e, &n) != CUDA_SUCCESS || !n) return "unknown CUDA error";
  return n;
}

static crk_status cuda_init(char *err, size_t errlen) {
  if (!cu.lib) {
    static const char *const names[] = {"libcuda.so.1", "libcuda.so"};
    void *lib = NULL;
    char why[256] = "";
    for (size_t i = 0; i < 2 && !lib; i++) {
      lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
      if (lib) snprintf(cu.lib_name, sizeof cu.lib_name, "%s", names[i]);
      else if (i == 0) snprintf(why, sizeof why, "%s", dlerror()); /* the soname's reason */
    }
    if (!lib) {
      snprintf(err, errlen, "no CUDA driver: cannot load libcuda.so.1 (%s); install the NVIDIA driver", why);
      return CRK_ERR_NO_RUNTIME;
    }
    /* The _v2 names are what cuda.h maps the plain ones to. */
    struct { const char *sym; void **slot; } syms[] = {
      {"cuInit", (void **)&cu.Init},
      {"cuDeviceGetCount", (void **)&cu.DeviceGetCount},
      {"cuDeviceGet", (void **)&cu.DeviceGet},
      {"cuDeviceGetAttribute", (void **)&cu.DeviceGetAttribute},
      {"cuDevicePrimaryCtxRetain", (void **)&cu.PrimaryCtxRetain},
      {"cuDevicePrimaryCtxRelease_v2", (void **)&cu.PrimaryCtxRelease},
      {"cuCtxPushCurrent_v2", (void **)&cu.CtxPushCurrent},
      {"cuCtxPopCurrent_v2", (void **)&cu.CtxPopCurrent},
      {"cuModuleLoadData", (void **)&cu.ModuleLoadData},
      {"cuModuleGetFunction", (void **)&cu.ModuleGetFunction},
      {"cuModuleUnload", (void **)&cu.ModuleUnload},
      {"cuGetErrorName", (void **)&cu.GetErrorName},
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
      void *p = dlsym(lib, syms[i].sym);
      if (!p) {
        snprintf(err, errlen, "CUDA driver %s lacks %s: driver too old", cu.lib_name, syms[i].sym);
        memset(&cu, 0, sizeof cu);
        dlclose(lib);
        return CRK_ERR_NO_RUNTIME;
      }
      *syms[i].slot = p;
    }
    cu.lib = lib; /* never dlclosed */
  }
  int e = cu.Init(0);
  if (e == CUDA_SUCCESS) return CRK_OK;
  snprintf(err, errlen, "%s: cuInit failed: %s (%d)", cu.lib_name, errname(e), e);
  if (e == CUDA_ERROR_NO_DEVICE) return CRK_ERR_NO_DEVICE;
  if (e == CUDA_ERROR_STUB_LIBRARY || e == CUDA_ERROR_INSUFFICIENT_DRIVER ||
      e == CUDA_ERROR_SYSTEM_DRIVER_MISMATCH || e == CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE)
    return CRK_ERR_NO_RUNTIME;
  return CRK_ERR_RUNTIME;
}

static crk_status cuda_device_count(int *count, char *err, size_t errlen) {
  int n = 0, e = cu.DeviceGetCount(&n);
  *count = 0;
  if (e == CUDA_ERROR_NO_DEVICE || (e == CUDA_SUCCESS && n <= 0)) {
    snprintf(err, errlen, "no GPU: the CUDA driver %s sees no NVIDIA device", cu.lib_name);
    return CRK_ERR_NO_DEVICE;
  }
  if (e != CUDA_SUCCESS) {
    snprintf(err, errlen, "cuDeviceGetCount failed: %s (%d)", errname(e), e);
    return CRK_ERR_RUNTIME;
  }
  *count = n;
  return CRK_OK;
}

static crk_status cuda_device_arch(int device, char *arch, size_t archlen, char *err, size_t errlen) {
  CUdevice dev;
  int major = 0, minor = 0, e = cu.DeviceGet(&dev, device);
  if (e == CUDA_SUCCESS) e = cu.DeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
  if (e == CUDA_SUCCESS) e = cu.DeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
  if (e != CUDA_SUCCESS) {
    snprintf(err, errlen, "reading the compute capability of device %d failed: %s (%d)", device, errname(e), e);
    return CRK_ERR_RUNTIME;
  }
  int w = snprintf(arch, archlen, "sm_%d%d", major, minor);
  if (w < 0 || (size_t)w >= archlen) {
    snprintf(err, errlen, "device %d: arch name too long", device);
    return CRK_ERR_RUNTIME;
  }
  return CRK_OK;
}

static crk_status cuda_module_load(int device, const void *image, size_t size, void **module,
                                   char *err, size_t errlen) {
  (void)size; /* cubins and fatbins carry their size; PTX is NUL-terminated */
  cuda_module *m = calloc(1, sizeof *m);
  if (!m) {
    snprintf(err, errlen, "out of host memory");
    return CRK_ERR_NO_MEMORY;
  }
  const char *call = "cuDeviceGet";
  int e = cu.DeviceGet(&m->dev, device);
  if (e == CUDA_SUCCESS) call = "cuDevicePrimaryCtxRetain", e = cu.PrimaryCtxRetain(&m->ctx, m->dev);
  if (e == CUDA_SUCCESS) {
    call = "cuCtxPushCurrent";
    e = cu.CtxPushCurrent(m->ctx);
    if (e == CUDA_SUCCESS) {
      void *popped;
      call = "cuModuleLoadData";
      e = cu.ModuleLoadData(&m->module, image);
      cu.CtxPopCurrent(&popped);
    }
    if (e != CUDA_SUCCESS) cu.PrimaryCtxRelease(m->dev);
  }
  if (e != CUDA_SUCCESS) {
    free(m);
    snprintf(err, errlen, "%s failed: %s (%d)", call, errname(e), e);
    return e == CUDA_ERROR_OUT_OF_MEMORY ? CRK_ERR_NO_MEMORY
           : e == CUDA_ERROR_NO_BINARY_FOR_GPU ? CRK_ERR_ARCH_MISSING
                                               : CRK_ERR_RUNTIME;
  }
  *module = m;
  return CRK_OK;
}

static crk_status cuda_module_function(int device, void *module, const char *name, void **function,
                                       char *err, size_t errlen) {
  cuda_module *m = module;
  (void)device;
  void *popped;
  int e = cu.CtxPushCurrent(m->ctx);
  if (e == CUDA_SUCCESS) {
    e = cu.ModuleGetFunction(function, m->module, name);
    cu.CtxPopCurrent(&popped);
    if (e == CUDA_SUCCESS) return CRK_OK;
    snprintf(err, errlen, "cuModuleGetFunction failed: %s (%d)", errname(e), e);
    return e == CUDA_ERROR_NOT_FOUND ? CRK_ERR_KERNEL_NOT_FOUND : CRK_ERR_RUNTIME;
  }
  snprintf(err, errlen, "cuCtxPushCurrent failed: %s (%d)", errname(e), e);
  return CRK_ERR_RUNTIME;
}

static void cuda_module_unload(int device, void *module) {
  cuda_module *m = module;
  void *popped;
  (void)device;
  if (cu.CtxPushCurrent(m->ctx) == CUDA_SUCCESS) {
    cu.ModuleUnload(m->module);
    cu.CtxPopCurrent(&popped);
  }
  cu.PrimaryCtxRelease(m->dev);
  free(m);
}

const crk_backend crk_backend_cuda = {
  .name = "CUDA",
  .platform = CRK_PLATFORM_NVIDIA,
  .init = cuda_init,
  .device_count = cuda_device_count,
  .device_arch = cuda_device_arch,
  .module_load = cuda_module_load,
  .module_function = cuda_module_function,
  .module_unload = cuda_module_unload,
};
