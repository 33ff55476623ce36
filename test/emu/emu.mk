# emu.mk: the AMD code objects run in tinygrad's ISA emulator (test/emu/).
#
#   make emu-test TINYGRAD=/path/to/tinygrad [EMU_ARCH="gfx942 gfx1100"] [EMU_JOBS=2]
#
# Builds the stand-in HIP runtime (libamdhip64.so.5 over the emulator) and
# runs, per emulated arch, the loader checks (test/emu/emu_loader.c) and the
# GPU harness in its small mode (gpu_test --small) against it. Without
# TINYGRAD it says so and succeeds: `make test` (CI) builds everything here
# and runs nothing. See test/emu/README.md.

ifeq ($(PLATFORM),amd)
ifneq ($(REF_SRCS),)

EMU_OUT   := $(OUT)/emu
EMU_HIP   := $(EMU_OUT)/libamdhip64.so.5
EMU_LOADER := $(EMU_OUT)/emu_loader
# The emulator is Python: the stand-in embeds the interpreter. Debian's
# python3-config first (the interpreter the install script provides).
PYTHON_CONFIG ?= $(firstword $(wildcard /usr/bin/python3-config) python3-config)
EMU_PY_CFLAGS  = $(shell $(PYTHON_CONFIG) --includes)
EMU_PY_LDLIBS  = $(shell $(PYTHON_CONFIG) --embed --ldflags)

EMU_SRCS := test/emu/hip_emu.c test/emu/emu_module.c test/emu/emu_dispatch.c \
            format/bundle.c format/target_pick.c format/processors.c format/elf_view.c \
            $(addprefix programs/crk-dump/,msgpack.c metadata.c codeobj.c)
EMU_OBJS := $(patsubst %.c,$(EMU_OUT)/obj/%.o,$(EMU_SRCS))

# -MF/-MT name the .d file and its target as if -o were $@ (not the .tmp),
# so a changed header rebuilds the object.
$(EMU_OUT)/obj/%.o: %.c $(HOST_FLAGS)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) -Iprograms/crk-dump -Itest/emu $(EMU_PY_CFLAGS) \
	  -D__HIP_PLATFORM_AMD__ $(if $(ROCM_CLANG),-I$(ROCM_PATH)/include) -O2 -g $(WARN) -fPIC -MMD -MP \
	  -MF $(@:.o=.d).tmp -MT $@ -c $< -o $@.tmp && mv $(@:.o=.d).tmp $(@:.o=.d) && mv $@.tmp $@

$(EMU_HIP): $(EMU_OBJS) test/emu/hip_emu.map
	$(call say,LD,$@)$(CC) $(LDFLAGS) -shared -Wl,-soname,libamdhip64.so.5 -Wl,--version-script=test/emu/hip_emu.map \
	  $(EMU_OBJS) $(EMU_PY_LDLIBS) -o $@.tmp && mv $@.tmp $@
	$(Q)ln -sf libamdhip64.so.5 $(EMU_OUT)/libamdhip64.so

$(EMU_LOADER): $(GPU_OUT)/obj/test/emu/emu_loader.o $(GPU_COMMON_OBJS) $(LIB_A)
	$(call say,LD,$@)$(CC) $(filter %.o %.a,$^) $(GPU_IMPL_LDLIBS) $(GPU_LDLIBS) -o $@.tmp && mv $@.tmp $@

# A bundle of one arch's code object each, for the wrong-arch check: the
# script hands each emulated arch one that lacks it.
$(EMU_OUT)/one/%.hsaco: $(OUT)/%.hsaco
	$(call say,BUNDLE,$@)mkdir -p $(@D) && $(BUNDLER) -type=o -bundle-align=4096 \
	  -targets=host-x86_64-unknown-linux-gnu,hipv4-amdgcn-amd-amdhsa--$* -input=/dev/null -input=$< \
	  -output=$@.tmp && mv $@.tmp $@
EMU_ONE := $(patsubst %,$(EMU_OUT)/one/%.hsaco,$(wordlist 1,2,$(BUILD_ARCHS)))

-include $(shell find $(EMU_OUT)/obj -name '*.d' 2>/dev/null)

.PHONY: emu-build emu-test
emu-build: $(EMU_HIP) $(EMU_LOADER) $(EMU_ONE)
test-build: emu-build

# `make test` runs test/emu/emu-smoke.sh: a few kernels in the emulator when
# TINYGRAD is given, else one SKIP line saying why.
TEST_PROGS += emu
test-build: $(TEST_OUT)/emu
$(TEST_OUT)/emu: test/emu/emu.mk
	$(call say,GEN,$@)mkdir -p $(@D) && \
	  printf '#!/bin/sh\nexec sh "%s/test/emu/emu-smoke.sh" "$$@"\n' '$(CURDIR)' > $@.tmp && \
	  chmod +x $@.tmp && mv $@.tmp $@

# The archs the emulator executes: GFX9 (its CDNA mode, wave64), RDNA3 and
# RDNA4. RDNA1/2 (gfx10) it has no decoder for.
EMU_RUNNABLE = $(filter-out %generic,$(filter gfx9% gfx11% gfx12%,$(BUILD_ARCHS)))
EMU_ARCH  ?= $(EMU_RUNNABLE)
EMU_JOBS  ?= $(shell nproc 2>/dev/null || echo 1)
TINYGRAD  ?=

emu-test: emu-build $(GPU_TEST_BIN)
	$(Q)EMU_OUT=$(EMU_OUT) BUILD_ARCHS="$(BUILD_ARCHS)" EMU_ARCH="$(EMU_ARCH)" EMU_JOBS=$(EMU_JOBS) \
	  TINYGRAD="$(TINYGRAD)" GPU_TEST=$(GPU_TEST_BIN) EMU_LOADER=$(EMU_LOADER) \
	  CRK_DATA=$(CRK_DATA) test/emu/emu-test.sh

include test/emu/profile.mk

endif
else
emu-test emu-profile:
	@echo "$@: the emulator runs AMD code objects: nothing to run in the $(PLATFORM) build"
endif
