# kernels-amd.mk: hip/*.hip -> per-arch code objects -> one offload bundle.
#
#   hip/F.hip  --clang -x hip-->  $(OUT)/ARCH/F.bc          device bitcode, device libs linked
#   all F.bc   --llvm-link---->   $(OUT)/ARCH.bc            the arch's whole module
#              --clang -c----->   $(OUT)/ARCH.o             relocatable code object (ELF)
#              --ld.lld------->   $(OUT)/ARCH.hsaco         the arch's code object
#   all ARCH   --bundler------>   $(OUT)/quantized.hsaco    the QUANTIZED bundle
#
# The families are joined as bitcode, not as linked ELF objects: ld.lld would
# keep one AMDGPU metadata note per family, and a runtime whose code-object
# reader takes the first note only would see only the first family's
# kernels. One module per arch gives one note, as clang's own HIP link does.
# The code generated is the same as per family (the optimizer works within a
# function), so resource use does not change.
#
# Every step writes a temporary and renames it, so an interrupted build never
# leaves a file that looks finished; the compiler's dependency file too (a
# half-written one would break every later make). Inputs are not trusted
# either: the bitcode link refuses an empty family (llvm-link only warns),
# and the bundle step checks that each code object holds every kernel of
# spec/kernels.txt (mk/check-kernels.sh), as the manifest says it does.

HIP_CXXFLAGS ?= -O3
# The kernels fully unroll their #pragma unroll loops. On archs without an
# int8 dot instruction (gfx900, gfx1010, gfx9-generic, gfx10-1-generic) the
# scalar dot product makes mmq's inner loop bigger than LLVM's default limit
# for a pragma'd unroll (16384), and it would stay rolled (clang warns "loop
# not unrolled"). The limit only governs loops that ask for unrolling, and
# on every other arch they unroll under the default already, so their code
# is unchanged by it.
AMD_UNROLL_FLAGS := -mllvm -pragma-unroll-threshold=65536

# -cuid=FAMILY: clang names a per-file symbol (__hip_cuid_*) after a hash of
# the source path and the command line, which would make the same sources
# built in two folders (or into two BUILD dirs) give different code objects.
# The family name is unique among the files linked into a module, which is
# all the ID must be, and depends on nothing else.
# The code object version is per arch ($(call arch_cov,ARCH), mk/arch-list.mk):
# generic targets need v6.
HIP_FLAGS := -x hip --cuda-device-only --no-gpu-bundle-output -std=c++17 $(HIP_DEVFLAGS) \
             -Wall -Wextra -Werror=unknown-attributes -Ihip $(HIP_CXXFLAGS) $(AMD_UNROLL_FLAGS)
# clang 19 warns on every v6 compile that v6 is experimental, with no flag to
# silence it; v6 is the only version generic targets exist in, so that one
# line is dropped (mk/quiet-cov6.sh) and every other warning still shows.
cov_cmd = $(if $(filter 6,$(call arch_cov,$(1))),sh mk/quiet-cov6.sh )

BLOB := $(OUT)/quantized.hsaco
ARCH_OBJS = $(foreach a,$(BUILD_ARCHS),$(OUT)/$(a).hsaco)

# Device libs (Debian layout): links to the packaged bitcode, plus generated
# ISA bitcode for each arch the package lacks.
ifneq ($(DEVLIB_DIR),)
DEVLIB_STAMP := $(DEVLIB_DIR)/.linked
isa_suffix = $(patsubst gfx%,%,$(firstword $(subst :, ,$(1))))
DEVLIB_ISA := $(foreach a,$(BUILD_ARCHS),$(DEVLIB_DIR)/oclc_isa_version_$(call isa_suffix,$(a)).bc)
# The ABI-version bitcode clang links for the arch's code object version
# (the package has 400 and 500; v6 needs 600).
devlib_abi = $(if $(DEVLIB_DIR),$(DEVLIB_DIR)/oclc_abi_version_$(call arch_cov,$(1))00.bc)

$(DEVLIB_STAMP):
	$(Q)mkdir -p $(DEVLIB_DIR)
	$(Q)for f in $(DEVLIB_SRC)/*.bc; do ln -sf "$$f" $(DEVLIB_DIR)/; done
	$(Q)touch $@.tmp && mv $@.tmp $@

$(DEVLIB_DIR)/oclc_isa_version_%.bc: | $(DEVLIB_STAMP)
	$(call say,ISA,$@)if [ -e $(DEVLIB_SRC)/$(notdir $@) ]; then ln -sf $(DEVLIB_SRC)/$(notdir $@) $@.tmp && mv -fT $@.tmp $@; \
	else sh mk/isa-bitcode.sh gfx$* $@ $(CLANG) $(LLVM_AS); fi

$(DEVLIB_DIR)/oclc_abi_version_%.bc: | $(DEVLIB_STAMP)
	$(call say,ABI,$@)if [ -e $(DEVLIB_SRC)/$(notdir $@) ]; then ln -sf $(DEVLIB_SRC)/$(notdir $@) $@; \
	else sh mk/isa-bitcode.sh --abi $* $@ $(CLANG) $(LLVM_AS); fi
endif

# Likewise the list of families: removing a .hip relinks without it.
FAMILY_LIST := $(OUT)/families.list
$(FAMILY_LIST): FORCE
	$(Q)$(call write_if_changed,$(KERNEL_NAMES))

# The arch list (mk/archs.mk) is a file whose content changes only when
# BUILD_ARCHS does: a new ARCH re-bundles, and only the archs asked for go
# into the bundle; later runs without ARCH= keep it.
$(ARCH_LIST): FORCE
	$(Q)$(call write_if_changed,$(BUILD_ARCHS))

# The device tools and flags, recorded (Makefile: write_if_changed): every
# kernel step depends on them, so `make HIP_CXXFLAGS=-O2` or another clang
# rebuilds the kernels rather than bundling what other flags made. The
# device-lib folder is the build dir's own, so it is recorded by name only:
# the same build dir named relative or absolute (BUILD=build or
# BUILD=$(CURDIR)/build, as the install test does) is not a change.
HIP_FLAGS_REC := $(OUT)/flags/hip
$(HIP_FLAGS_REC): FORCE
	$(Q)$(call write_if_changed,$(CLANG) $(subst $(DEVLIB_DIR),BUILD/devlibs,$(HIP_FLAGS)) | $(HIP_CXXFLAGS) $(CODE_OBJECT_VERSION) | $(LLVM_LINK) $(LLD) $(BUNDLER))
.PHONY: FORCE
FORCE:

# $(call nonempty_inputs,FILES): a recipe's first command: fails naming the
# first empty file of FILES (and removes it, so that the next make rebuilds it).
nonempty_inputs = for f in $(1); do [ -s "$$f" ] || { echo "error: $$f is empty (left by an interrupted or failed step): removed it; make again rebuilds it" >&2; rm -f "$$f"; exit 1; }; done;

# One pattern rule per arch: the arch is part of the path.
define ARCH_RULES
$(OUT)/$(1)/%.bc: hip/%.hip mk/kernels-amd.mk $(HIP_FLAGS_REC) $(DEVLIB_STAMP) $(if $(DEVLIB_DIR),$(DEVLIB_DIR)/oclc_isa_version_$(call isa_suffix,$(1)).bc) $(call devlib_abi,$(1))
	$$(call say,HIP,$$@)mkdir -p $$(@D) && $(call cov_cmd,$(1))$(CLANG) $(HIP_FLAGS) \
	  -mcode-object-version=$(call arch_cov,$(1)) --offload-arch=$(1) -cuid=$$* -emit-llvm -c $$< \
	  -MD -MP -MF $$@.d.tmp -MT $$@ -o $$@.tmp && mv $$@.d.tmp $$@.d && mv $$@.tmp $$@

$(OUT)/$(1).bc: $(foreach n,$(KERNEL_NAMES),$(OUT)/$(1)/$(n).bc) $(FAMILY_LIST)
	$$(call say,LINK-BC,$$@)$$(call nonempty_inputs,$$(filter %.bc,$$^))$(LLVM_LINK) $$(filter %.bc,$$^) -o $$@.tmp && mv $$@.tmp $$@

$(OUT)/$(1).o: $(OUT)/$(1).bc $(HIP_FLAGS_REC)
	$$(call say,CODEGEN,$$@)$(call cov_cmd,$(1))$(CLANG) --target=amdgcn-amd-amdhsa -mcpu=$(1) -nogpulib \
	  -mcode-object-version=$(call arch_cov,$(1)) $(HIP_CXXFLAGS) $(AMD_UNROLL_FLAGS) -c $$< -o $$@.tmp && mv $$@.tmp $$@

$(OUT)/$(1).hsaco: $(OUT)/$(1).o
	$$(call say,LINK,$$@)$(LLD) -shared --no-undefined -o $$@.tmp $$^ && mv $$@.tmp $$@

-include $(foreach n,$(KERNEL_NAMES),$(OUT)/$(1)/$(n).bc.d)
endef
$(foreach a,$(BUILD_ARCHS),$(eval $(call ARCH_RULES,$(a))))

# COMPRESS=1 writes a compressed bundle (CCOB, zstd or zlib, as the
# bundler's -compress makes it): a fraction of the size, loadable by the HIP
# runtimes of ROCm 6.2 onwards and by this loader (README, "Compressed
# bundle"). Its setting is kept in the build dir as the arch list is: given
# on the command line (or in the environment) it wins, else the build dir's
# last one holds, else 0; changing it re-bundles.
BUNDLE_OPTS := $(OUT)/bundle.opts
ifneq ($(filter command line environment,$(origin COMPRESS)),)
else ifneq ($(wildcard $(BUNDLE_OPTS)),)
  COMPRESS := $(patsubst compress=%,%,$(strip $(file < $(BUNDLE_OPTS))))
  ifeq ($(COMPRESS),1)
    ifneq ($(filter-out $(NO_TOOLS_GOALS),$(or $(MAKECMDGOALS),all)),)
      $(info note: COMPRESS=1, kept from the last build in $(OUT): give COMPRESS=0 to change)
    endif
  endif
else
  COMPRESS := 0
endif
ifneq ($(filter-out 0 1,$(COMPRESS)),)
  $(error COMPRESS='$(COMPRESS)'$(if $(filter command line environment,$(origin COMPRESS)),, (kept in $(BUNDLE_OPTS))): use COMPRESS=1 (a compressed bundle) or COMPRESS=0)
endif
$(BUNDLE_OPTS): FORCE
	$(Q)$(call write_if_changed,compress=$(COMPRESS))

# The host entry is empty (/dev/null): Debian's bundler crashes without one.
empty :=
space := $(empty) $(empty)
comma := ,
BUNDLE_TARGETS = $(subst $(space),$(comma),host-x86_64-unknown-linux-gnu $(addprefix hipv4-amdgcn-amd-amdhsa--,$(BUILD_ARCHS)))
# The kernel names of the spec, one a line: what every code object must
# define (checked here) and what the manifest lists.
SPEC_KERNELS_CMD := sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)$$/\1/p' spec/kernels.txt
$(BLOB): $(ARCH_LIST) $(BUNDLE_OPTS) $(ARCH_OBJS) spec/kernels.txt mk/check-kernels.sh
	$(call say,BUNDLE,$@)$(SPEC_KERNELS_CMD) | sh mk/check-kernels.sh $(LLVM_NM) $(ARCH_OBJS) && $(BUNDLER) -type=o -bundle-align=4096 -targets=$(BUNDLE_TARGETS) \
	  -input=/dev/null $(addprefix -input=,$(ARCH_OBJS)) -output=$@.tmp $(if $(filter 1,$(COMPRESS)),-compress) \
	  && mv $@.tmp $@

.PHONY: kernels
kernels: $(BLOB)

# quantized.manifest, beside the bundle: what it holds, for the Rust crate's
# build.rs (which reads this instead of the code objects): the bundle's size
# and POSIX cksum (which tie the manifest to those bytes), the archs bundled
# and the kernel names, spec/kernels.txt's (make test's test_build checks
# that every arch's code object defines exactly those).
MANIFEST := $(OUT)/quantized.manifest
$(MANIFEST): $(BLOB) spec/kernels.txt
	$(call say,MANIFEST,$@){ echo '# what quantized.hsaco holds: written by make (mk/kernels-amd.mk), read by the Rust crate'; \
	  cksum < $(BLOB) | awk '{ print "bytes " $$2; print "cksum " $$1 }'; printf 'arch %s\n' $(BUILD_ARCHS); \
	  $(SPEC_KERNELS_CMD) | sed 's/^/kernel /'; } > $@.tmp && mv $@.tmp $@
all kernels: $(MANIFEST)
