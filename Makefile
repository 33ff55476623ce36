# candle-rocm-kernels: HIP kernels -> per-arch code objects -> one QUANTIZED
# bundle -> C source -> libraries.
#
#   make                      every default arch the compiler can target
#   make ARCH=gfx1100         one arch;  make ARCH="gfx90a gfx1100"  several
#   make PLATFORM=nvidia ARCH=sm_90   the NVIDIA proxy build (nvcc)
#   make test | install PREFIX=... DESTDIR=... | clean | V=1 | help
#   make emu-test TINYGRAD=...   the AMD code objects in an ISA emulator (test/emu/)
#
# Every output goes under $(BUILD)/$(PLATFORM). The pieces live in fragments
# beside what they build: mk/ (toolchain, archs, version, the kernel
# pipelines), format/, lib/, programs/*/, test/ (test.mk and a fragment per
# subject folder), bench/.

PLATFORM ?= amd
BUILD    ?= build
# One build dir, one name: a BUILD inside this tree named by its absolute path
# (as the install and README tests name it) is made relative, so that it
# gives the same flags (include paths, debug path maps) and so the same
# objects, not a rebuild of every host object.
override BUILD := $(patsubst $(CURDIR)/%,%,$(or $(realpath $(BUILD)),$(abspath $(BUILD))))
OUT      := $(BUILD)/$(PLATFORM)
PREFIX   ?= /usr/local
LIBDIR   ?= $(PREFIX)/lib
INCDIR   ?= $(PREFIX)/include
DESTDIR  ?=
# Where the tests and the GPU harness read the spec (spec/) and GGML's
# vectors (testdata/ggml/): this repository, unless pointed elsewhere.
CRK_DATA ?= $(CURDIR)

# Code object version of the AMD build. v5 is what ROCm 6.x and 7.x runtimes
# load (and ROCm 5.3 onwards); v4 still loads on ROCm 5.x but is deprecated.
# Generic targets are always v6 (mk/arch-list.mk).
CODE_OBJECT_VERSION ?= 5

# AMD_DEFAULT_ARCHS, AMD_GENERIC_ARCHS (GENERIC=1): mk/arch-list.mk.
include mk/arch-list.mk
NVIDIA_DEFAULT_ARCHS := sm_90

CC      ?= cc
CFLAGS  ?= -O2 -g
LDFLAGS ?=
WARN    := -Wall -Wextra
CPPFLAGS += -Iinclude
# Reproducible host objects: debug info names paths relative to the tree
# and to the build dir, not where either happens to be.
CPPFLAGS += -ffile-prefix-map=$(CURDIR)=.
ifneq ($(filter /%,$(BUILD)),)
CPPFLAGS += -ffile-prefix-map=$(BUILD)=build
endif

V ?= 0
ifeq ($(V),0)
Q = @
say = @printf '  %-8s %s\n' $(1) $(2);
else
Q =
say =
endif

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
# Keep every intermediate (bitcode, per-arch objects): they are the cache
# that makes a one-file change rebuild one file per arch.
.SECONDARY:
.PHONY: all lib test install uninstall clean check-tools help

# $(call write_if_changed,TEXT): the recipe of a file that records a choice
# (archs, families, install dirs): written through a temporary, and only
# when TEXT differs, so its timestamp moves only when the choice does.
write_if_changed = mkdir -p $(@D) && echo '$(subst ','\'',$(1))' > $@.tmp && \
  if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

# The flags host code is compiled and linked with, recorded the same way:
# objects and links depend on it, so `make CFLAGS=-O0` after a build
# rebuilds with those flags instead of keeping what other flags made.
# (mk/kernels-*.mk records the device compiler's flags likewise.)
HOST_FLAGS := $(OUT)/flags/host
$(HOST_FLAGS): FORCE
	$(Q)$(call write_if_changed,$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) $(LIB_LDLIBS))

# Kernel families: one .hip per family under hip/.
KERNEL_SRCS := $(sort $(wildcard hip/*.hip))
KERNEL_HDRS := $(wildcard hip/*.h)
KERNEL_NAMES := $(notdir $(KERNEL_SRCS:.hip=))

include mk/version.mk
include mk/toolchain.mk
include mk/kernels-$(PLATFORM).mk
# One way up: the format layer, the loader over it, the programs over both.
include format/format.mk
include programs/blob2c/blob2c.mk
include lib/lib.mk
include programs/crk-dump/crk-dump.mk
# The tests, the GPU harness (its rules use test.mk's CPU reference), the
# benchmarks and the emulator run (which link the harness's objects), where
# the tree has them (the Rust crate's csrc/ does not).
-include test/test.mk
-include test/gpu/gpu.mk
-include bench/bench.mk
-include test/emu/emu.mk

all: lib

clean:
	rm -rf $(BUILD)

# `make help`: every target and variable README names (test/build/
# test_makefile.sh checks it against README's make commands).
help:
	@echo 'candle-rocm-kernels $(CRK_VERSION): targets'
	@echo '  all (default)   bundle, libraries ($(OUT)/libcandle_rocm_kernels.{a,so}), crk-dump (AMD build)'
	@echo '  kernels         the QUANTIZED bundle ($(OUT)/quantized.hsaco) and its manifest only'
	@echo '  test            build, then run every test (no GPU needed; with TINYGRAD, an emulator smoke run too)'
	@echo '  dump            crk-dump'"'"'s table of the built bundle'
	@echo '  install         libraries, headers, .pc, crk-dump and its man page;  uninstall'
	@echo '  clean | toolchain (what was found) | examples | help'
	@echo '  emu-test        every kernel in tinygrad'"'"'s AMD ISA emulator (TINYGRAD=...; test/emu/README.md)'
	@echo '  gpu-test | gpu-memcheck | bench   on a GPU (README, "How the kernels are verified")'
	@echo '  fuzz            the libFuzzer targets (test/fuzz/README.md)'
	@echo 'variables'
	@echo '  ARCH="gfx90a gfx1100"   archs to build; kept in $(OUT)/archs.list for later'
	@echo '                          runs until given again; ARCH=default: the default list'
	@echo '  GENERIC=1       add the family-generic targets (gfx9-generic ... gfx12-generic)'
	@echo '  COMPRESS=1      a compressed bundle; kept in $(OUT)/bundle.opts like ARCH (COMPRESS=0 undoes it)'
	@echo '  PLATFORM=amd|nvidia  BUILD=dir (default build)  V=1 (show commands)'
	@echo '  PREFIX LIBDIR INCDIR BINDIR MANDIR DESTDIR   install locations'
	@echo '  CC CFLAGS CPPFLAGS LDFLAGS   host compiler and flags'
	@echo '  ROCM_PATH LLVM_VER CLANG BUNDLER LLD LLVM_LINK LLVM_AS LLVM_NM HIP_CXXFLAGS CODE_OBJECT_VERSION'
	@echo '                  the AMD toolchain (LLVM_VER=20: Debian'"'"'s clang-20 and its tools)'
	@echo '  CUDA_PATH NVCC NVCC_FLAGS   the NVIDIA toolchain'
	@echo '  TINYGRAD EMU_ARCH EMU_JOBS   the emulator run;  GPU_TEST_ARGS BENCH_ARGS   the GPU runs'
	@echo '  CRK_DATA   where tests read spec/ and testdata/ (default: this repository)'
