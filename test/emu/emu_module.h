/* emu_module.h: an AMDGPU code object made ready to run in the emulator.
 *
 * What the HIP runtime does at hipModuleLoadData, done on the host for one
 * emulated processor: pick the code object of that processor out of an
 * offload bundle (or take a bare one), lay its allocated sections out at
 * their addresses in host memory (the emulator runs global memory and code
 * at host addresses), and index every kernel: its descriptor (NAME.kd) and
 * its arguments from the metadata note, read by crk-dump's parsers.
 */
#ifndef CRK_EMU_MODULE_H
#define CRK_EMU_MODULE_H

#include "bundle.h"
#include "codeobj.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
  const crk_kernel *md;    /* name, arguments, kernarg size */
  const unsigned char *kd; /* the 64-byte kernel descriptor, in the loaded image */
  uint64_t entry;          /* host address of the first instruction */
  uint32_t lds;            /* group_segment_fixed_size */
  uint32_t scratch;        /* private_segment_fixed_size */
  uint32_t rsrc1, rsrc2, rsrc3;
  uint16_t properties;     /* kernel_code_properties */
} emu_kernel;

typedef struct {
  crk_codeobj co;          /* metadata, owned */
  unsigned char *image;    /* the allocated sections at their addresses */
  size_t image_size;
  emu_kernel *kernels;     /* co.nkernels of them */
  size_t nkernels;
} emu_module;

/* Result of emu_module_load. */
enum { EMU_LOAD_OK = 0, EMU_LOAD_NO_BINARY = 1, EMU_LOAD_BAD_IMAGE = 2, EMU_LOAD_NO_MEMORY = 3 };

/* Loads the code object for device target `dev` from image (a bundle or a
 * code object). EMU_LOAD_NO_BINARY when the bundle holds nothing the device
 * runs; other failures say why in err. */
int emu_module_load(emu_module *m, const void *image, const crk_target_id *dev, char *err,
                    size_t errlen);
void emu_module_free(emu_module *m);
const emu_kernel *emu_module_find(const emu_module *m, const char *name);

#endif
