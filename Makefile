# candle-rocm-kernels: HIP kernels -> per-arch code objects -> one QUANTIZED
# bundle -> C source -> libraries.
#
#   make                      every default arch the compiler can target
#   make ARCH=gfx1100         one arch;  make ARCH="gfx90a gfx1100"  several
#   make PLATFORM=nvidia ARCH=sm_90   the NVIDIA proxy build (nvcc)
#   make test | install PREFIX=... DESTDIR=... | clean | V=1
#
# Every output goes under $(BUILD)/$(PLATFORM). The pieces live in fragments
# beside what they build: mk/ (toolchain and kernels), embed/, lib/, test/.

PLATFORM ?= amd
BUILD    ?= build
OUT      := $(BUILD)/$(PLATFORM)
PREFIX   ?= /usr/local
LIBDIR   ?= $(PREFIX)/lib
INCDIR   ?= $(PREFIX)/include
DESTDIR  ?=

# Code object version of the AMD build. v5 is what ROCm 6.x and 7.x runtimes
# load (and ROCm 5.3 onwards); v4 still loads on ROCm 5.x but is deprecated.
# Generic targets are always v6 (mk/archs.mk).
CODE_OBJECT_VERSION ?= 5

# AMD_DEFAULT_ARCHS, AMD_GENERIC_ARCHS (GENERIC=1): mk/archs.mk.
include mk/archs.mk
NVIDIA_DEFAULT_ARCHS := sm_90

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra
CPPFLAGS += -Iinclude -Iembed

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
.PHONY: all lib test install uninstall clean check-tools

# Kernel families: one .hip per family under hip/.
KERNEL_SRCS := $(sort $(wildcard hip/*.hip))
KERNEL_HDRS := $(wildcard hip/*.h)
KERNEL_NAMES := $(notdir $(KERNEL_SRCS:.hip=))

include mk/toolchain.mk
include mk/kernels-$(PLATFORM).mk
include embed/embed.mk
include lib/lib.mk
-include test/test.mk
-include mk/extra-*.mk

all: lib

clean:
	rm -rf $(BUILD)
