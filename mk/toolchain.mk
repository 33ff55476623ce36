# toolchain.mk: find the compilers and tools, decide which archs to build.
#
# AMD: a ROCm install at $(ROCM_PATH) wins (its own clang, bundler and device
# libs); otherwise Debian's clang-19 packages with rocm-device-libs. Every
# tool can be overridden on the command line: CLANG= BUNDLER= LLD= LLVM_AS=
# LLVM_LINK= LLVM_NM=.
# NVIDIA: nvcc from $(CUDA_PATH) or PATH, overridable with NVCC=.

ifeq ($(PLATFORM),amd)

ROCM_PATH ?= /opt/rocm
ROCM_CLANG := $(wildcard $(ROCM_PATH)/llvm/bin/clang)

ifneq ($(ROCM_CLANG),)
  TOOLCHAIN    := ROCm at $(ROCM_PATH)
  LLVM_BIN     := $(ROCM_PATH)/llvm/bin
  CLANG        ?= $(LLVM_BIN)/clang
  BUNDLER      ?= $(LLVM_BIN)/clang-offload-bundler
  LLD          ?= $(LLVM_BIN)/ld.lld
  LLVM_AS      ?= $(LLVM_BIN)/llvm-as
  LLVM_LINK    ?= $(LLVM_BIN)/llvm-link
  LLVM_NM      ?= $(LLVM_BIN)/llvm-nm
  # ROCm's clang finds its HIP headers and device libs from --rocm-path.
  HIP_DEVFLAGS := --rocm-path=$(ROCM_PATH)
  DEVLIB_SRC   :=
else
  # Debian: the newest packaged clang that targets gfx12 and gfx942.
  LLVM_VER     ?= 19
  TOOLCHAIN    := Debian clang-$(LLVM_VER) with rocm-device-libs
  CLANG        ?= clang-$(LLVM_VER)
  BUNDLER      ?= clang-offload-bundler-$(LLVM_VER)
  LLD          ?= ld.lld-$(LLVM_VER)
  LLVM_AS      ?= llvm-as-$(LLVM_VER)
  LLVM_LINK    ?= llvm-link-$(LLVM_VER)
  LLVM_NM      ?= llvm-nm-$(LLVM_VER)
  # rocm-device-libs installs under the multiarch lib dir.
  DEVLIB_SRC   ?= $(firstword $(wildcard /usr/lib/*/amdgcn/bitcode /usr/lib/amdgcn/bitcode))
  # Device libs are assembled under build/: links to the packaged bitcode
  # plus generated ISA-version bitcode for archs the package predates.
  DEVLIB_DIR   := $(BUILD)/devlibs
  HIP_DEVFLAGS := --rocm-path=/usr --rocm-device-lib-path=$(DEVLIB_DIR)
endif

REQUIRED_TOOLS := $(CLANG) $(BUNDLER) $(LLD) $(LLVM_LINK) $(LLVM_NM) $(if $(DEVLIB_SRC),$(LLVM_AS))
INSTALL_HINT := run scripts/install-deps.sh (Debian: clang-$(LLVM_VER) lld-$(LLVM_VER) llvm-$(LLVM_VER) rocm-device-libs libamdhip64-dev), or point ROCM_PATH at a ROCm install

DEFAULT_ARCHS := $(AMD_DEFAULT_ARCHS)

else ifeq ($(PLATFORM),nvidia)

CUDA_PATH ?= /usr/local/cuda
NVCC      ?= $(firstword $(wildcard $(CUDA_PATH)/bin/nvcc) nvcc)
TOOLCHAIN := nvcc ($(NVCC))
REQUIRED_TOOLS := $(NVCC)
INSTALL_HINT := install the CUDA toolkit (nvcc) or set NVCC= / CUDA_PATH=
DEFAULT_ARCHS := $(NVIDIA_DEFAULT_ARCHS)

else
$(error PLATFORM=$(PLATFORM) is not known: use PLATFORM=amd (default) or PLATFORM=nvidia)
endif

include mk/archs.mk

# Fail at once, naming the tool, rather than half-way through a build.
# Skipped for targets that need no compiler.
ifneq ($(filter-out $(NO_TOOLS_GOALS),$(or $(MAKECMDGOALS),all)),)
  MISSING_TOOLS := $(foreach t,$(REQUIRED_TOOLS),$(if $(shell command -v $(t) 2>/dev/null),,$(t)))
  ifneq ($(strip $(MISSING_TOOLS)),)
    $(error missing tool(s): $(strip $(MISSING_TOOLS)). To fix: $(INSTALL_HINT))
  endif
  ifeq ($(PLATFORM),amd)
    ifneq ($(ROCM_CLANG),)
    else ifeq ($(DEVLIB_SRC),)
      $(error no ROCm device libs (amdgcn/bitcode) found. To fix: $(INSTALL_HINT))
    endif
    # Archs: what was asked, minus what the compiler cannot target. An arch
    # asked for (by ARCH= or the build dir's list) that cannot be built is an
    # error; the default list skips it and says so.
    CLANG_CPUS := $(shell $(CLANG) --target=amdgcn-amd-amdhsa -nogpulib --print-supported-cpus 2>&1 | sed -n 's/^[[:space:]]*\(gfx[0-9a-z-]*\).*/\1/p')
    BUILD_ARCHS := $(filter $(CLANG_CPUS),$(ARCH))
    SKIPPED_ARCHS := $(filter-out $(CLANG_CPUS),$(ARCH))
    ifneq ($(SKIPPED_ARCHS),)
      # Why: the LLVM an arch needs (mk/arch-list.mk), else whether the
      # processor table knows it at all.
      llvm_needed = $(patsubst $(1):%,%,$(filter $(1):%,$(AMD_LLVM_NEEDED)))
      table_processors := $(shell sed -n 's/^CRK_PROCESSOR."\([^"]*\)".*/\1/p' format/amdgpu_processors.def)
      skipped_why := $(foreach a,$(SKIPPED_ARCHS),$(if $(call llvm_needed,$(a)),$(a) needs LLVM $(call llvm_needed,$(a)) or newer.,$(if $(filter $(a),$(table_processors)),$(a) is a processor this compiler is too old for.,$(a) is no processor of format/amdgpu_processors.def (a typo?).)))
      newest_needed := $(lastword $(sort $(foreach a,$(SKIPPED_ARCHS),$(call llvm_needed,$(a)))))
      newer_llvm_hint := a newer LLVM: make LLVM_VER=$(or $(newest_needed),N) (Debian's clang-$(or $(newest_needed),N) lld-$(or $(newest_needed),N) llvm-$(or $(newest_needed),N) packages), or ROCM_PATH= a ROCm install whose clang targets it, or CLANG= and the other tools
      ifeq ($(ARCH_ASKED_EXPLICITLY),1)
        $(error $(CLANG) cannot target $(SKIPPED_ARCHS) ($(ARCH_FROM)): $(skipped_why) To fix: drop it from ARCH$(if $(filter-out $(table_processors),$(SKIPPED_ARCHS)), or correct $(filter-out $(table_processors),$(SKIPPED_ARCHS))), or use $(newer_llvm_hint))
      else
        $(info note: skipping $(SKIPPED_ARCHS), which $(CLANG) cannot target: $(skipped_why) To build them: $(newer_llvm_hint))
      endif
    endif
    ifeq ($(strip $(BUILD_ARCHS)),)
      $(error no arch to build: ARCH='$(ARCH)')
    endif
  else
    BUILD_ARCHS := $(ARCH)
  endif
endif

.PHONY: toolchain
toolchain:
	@echo "platform:  $(PLATFORM)"
	@echo "toolchain: $(TOOLCHAIN)"
	@echo "tools:     $(REQUIRED_TOOLS)"
	@echo "host cc:   $(CC)"
	@echo "archs:     $(BUILD_ARCHS)"
