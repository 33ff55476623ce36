# arch-list.mk: which AMD processors the default build covers, and why.
#
# One line per family: the processors and an example card (the int8 dot
# path of each is the processor table's dot column). The
# list is every processor of GFX9 (gfx900 on), CDNA and RDNA1-4 that a
# current ROCm release, or ROCm's own TheRock builds, or the community
# builds of its math libraries (Tensile/rocBLAS targets in Debian and
# Gentoo) run on; README's "Archs" says which source backs which.
# Processors the found compiler cannot target are skipped by name at
# `make` time (gfx950 and gfx1153 need LLVM 20, AMD_LLVM_NEEDED below;
# Debian's clang-19 lacks them).
# Left out, as no maintained build targets them: the APUs gfx902 gfx909
# gfx90c (Raven, Renoir) and gfx1013, gfx1033 (Steam Deck): the generic
# targets cover them, so does the loader's opt-in ISA fallback (README), and
# ARCH= builds them.
#
#   gfx900                      Vega 56/64, MI25
#   gfx906                      Radeon VII, MI50/60
#   gfx908 gfx90a               MI100, MI210/250 (CDNA1/2)
#   gfx942 gfx950               MI300A/X, MI325X; MI350/355X
#   gfx1010                     RX 5700 / 5600 XT (RDNA1)
#   gfx1011 gfx1012             Radeon Pro V520; RX 5500 XT
#   gfx1030 gfx1031 gfx1032     RX 6800/6900; 6700 XT; 6600
#   gfx1034 gfx1035 gfx1036     RX 6500 XT; Radeon 680M; Ryzen 7000 iGPU
#   gfx1100 gfx1101 gfx1102     RX 7900 XTX; 7800 XT; 7600
#   gfx1103                     Radeon 780M (Ryzen 7040/8040)
#   gfx1150 gfx1151 gfx1152 gfx1153   Strix Point 890M; Strix Halo 8060S; Krackan 860M; 820M
#   gfx1200 gfx1201             RX 9060 XT; RX 9070 XT (RDNA4)
AMD_DEFAULT_ARCHS := gfx900 gfx906 gfx908 gfx90a gfx942 gfx950 \
                     gfx1010 gfx1011 gfx1012 \
                     gfx1030 gfx1031 gfx1032 gfx1034 gfx1035 gfx1036 \
                     gfx1100 gfx1101 gfx1102 gfx1103 gfx1150 gfx1151 gfx1152 gfx1153 \
                     gfx1200 gfx1201

# The first LLVM release that targets each processor of the table
# (format/amdgpu_processors.def) that clang 19 cannot: PROCESSOR:VERSION.
# An ARCH= naming one with an older compiler is told which LLVM it needs.
AMD_LLVM_NEEDED := gfx950:20 gfx1153:20 gfx9-4-generic:20 gfx1250:21 gfx1251:22

# Generic targets (code object v6): one code object per family that runs on
# every processor of it, for GPUs not built specifically. `make GENERIC=1`
# adds them to the list; ARCH= may also name them. They need a runtime that
# loads generic code objects (README, "Generic targets"). They are the
# processor table's generic column (format/amdgpu_processors.def: which
# processors each covers, and the int8 dot path each compiles to), in the
# table's order, less those the compiler this build supports (clang 19)
# cannot build, named here.
AMD_GENERIC_UNBUILDABLE := gfx9-4-generic
AMD_PROCESSOR_TABLE := format/amdgpu_processors.def
AMD_GENERIC_ARCHS := $(filter-out $(AMD_GENERIC_UNBUILDABLE),$(shell \
  sed -n 's/^CRK_PROCESSOR."[^"]*", *0x[0-9a-fA-F]*, *"\([a-z0-9-]*\)".*/\1/p' $(AMD_PROCESSOR_TABLE) | awk '!seen[$$0]++'))
ifeq ($(strip $(AMD_GENERIC_ARCHS)),)
$(error mk/arch-list.mk: no generic target read from $(AMD_PROCESSOR_TABLE))
endif
GENERIC ?= 0

# Generic targets exist only in code object v6 and later.
GENERIC_CODE_OBJECT_VERSION := 6
arch_cov = $(if $(findstring -generic,$(1)),$(GENERIC_CODE_OBJECT_VERSION),$(CODE_OBJECT_VERSION))
