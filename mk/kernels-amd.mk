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
# leaves a file that looks finished.

HIP_CXXFLAGS ?= -O3
# The kernels fully unroll their #pragma unroll loops. On archs without an
# int8 dot instruction (gfx900, gfx1010, gfx9-generic, gfx10-1-generic) the
# scalar dot product makes mmq's inner loop bigger than LLVM's default limit
# for a pragma'd unroll (16384), and it would stay rolled (clang warns "loop
# not unrolled"). The limit only governs loops that ask for unrolling, and
# on every other arch they unroll under the default already, so their code
# is unchanged by it.
AMD_UNROLL_FLAGS := -mllvm -pragma-unroll-threshold=65536
# The code object version is per arch ($(call arch_cov,ARCH), mk/archs.mk):
# generic targets need v6.
HIP_FLAGS := -x hip --cuda-device-only --no-gpu-bundle-output -std=c++17 $(HIP_DEVFLAGS) \
             -Wall -Wextra -Werror=unknown-attributes -Ihip $(HIP_CXXFLAGS) $(AMD_UNROLL_FLAGS)
# clang 19 warns on every v6 compile that v6 is experimental, with no flag to
# silence it; v6 is the only version generic targets exist in, so that one
# line is dropped (mk/quiet-cov6.sh) and every other warning still shows.
cov_cmd = $(if $(filter 6,$(call arch_cov,$(1))),sh mk/quiet-cov6.sh )

BLOB := $(OUT)/quantized.hsaco
ARCH_OBJS = $(foreach a,$(BUILD_ARCHS),$(OUT)/$(a).hsaco)
ARCH_LIST := $(OUT)/archs.list

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
	$(Q)touch $@

$(DEVLIB_DIR)/oclc_isa_version_%.bc: | $(DEVLIB_STAMP)
	$(call say,ISA,$@)if [ -e $(DEVLIB_SRC)/$(notdir $@) ]; then ln -sf $(DEVLIB_SRC)/$(notdir $@) $@; \
	else sh mk/isa-bitcode.sh gfx$* $@ $(CLANG) $(LLVM_AS); fi

$(DEVLIB_DIR)/oclc_abi_version_%.bc: | $(DEVLIB_STAMP)
	$(call say,ABI,$@)if [ -e $(DEVLIB_SRC)/$(notdir $@) ]; then ln -sf $(DEVLIB_SRC)/$(notdir $@) $@; \
	else sh mk/isa-bitcode.sh --abi $* $@ $(CLANG) $(LLVM_AS); fi
endif

# Likewise the list of families: removing a .hip relinks without it.
FAMILY_LIST := $(OUT)/families.list
$(FAMILY_LIST): FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '$(KERNEL_NAMES)' | cmp -s - $@ 2>/dev/null || echo '$(KERNEL_NAMES)' > $@

# The arch list is a file whose content changes only when BUILD_ARCHS does:
# a new ARCH re-bundles, and only the archs asked for go into the bundle.
$(ARCH_LIST): FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '$(BUILD_ARCHS)' | cmp -s - $@ 2>/dev/null || echo '$(BUILD_ARCHS)' > $@
.PHONY: FORCE
FORCE:

# One pattern rule per arch: the arch is part of the path.
define ARCH_RULES
$(OUT)/$(1)/%.bc: hip/%.hip $(DEVLIB_STAMP) $(if $(DEVLIB_DIR),$(DEVLIB_DIR)/oclc_isa_version_$(call isa_suffix,$(1)).bc) $(call devlib_abi,$(1))
	$$(call say,HIP,$$@)mkdir -p $$(@D) && $(call cov_cmd,$(1))$(CLANG) $(HIP_FLAGS) \
	  -mcode-object-version=$(call arch_cov,$(1)) --offload-arch=$(1) -emit-llvm -c $$< \
	  -MD -MP -MF $$@.d -MT $$@ -o $$@.tmp && mv $$@.tmp $$@

$(OUT)/$(1).bc: $(foreach n,$(KERNEL_NAMES),$(OUT)/$(1)/$(n).bc) $(FAMILY_LIST)
	$$(call say,LINK-BC,$$@)$(LLVM_LINK) $$(filter %.bc,$$^) -o $$@.tmp && mv $$@.tmp $$@

$(OUT)/$(1).o: $(OUT)/$(1).bc
	$$(call say,CODEGEN,$$@)$(call cov_cmd,$(1))$(CLANG) --target=amdgcn-amd-amdhsa -mcpu=$(1) -nogpulib \
	  -mcode-object-version=$(call arch_cov,$(1)) $(HIP_CXXFLAGS) $(AMD_UNROLL_FLAGS) -c $$< -o $$@.tmp && mv $$@.tmp $$@

$(OUT)/$(1).hsaco: $(OUT)/$(1).o
	$$(call say,LINK,$$@)$(LLD) -shared --no-undefined -o $$@.tmp $$^ && mv $$@.tmp $$@

-include $(foreach n,$(KERNEL_NAMES),$(OUT)/$(1)/$(n).bc.d)
endef
$(foreach a,$(BUILD_ARCHS),$(eval $(call ARCH_RULES,$(a))))

# The host entry is empty (/dev/null): Debian's bundler crashes without one.
empty :=
space := $(empty) $(empty)
comma := ,
BUNDLE_TARGETS = $(subst $(space),$(comma),host-x86_64-unknown-linux-gnu $(addprefix hipv4-amdgcn-amd-amdhsa--,$(BUILD_ARCHS)))
$(BLOB): $(ARCH_LIST) $(ARCH_OBJS)
	$(call say,BUNDLE,$@)$(BUNDLER) -type=o -bundle-align=4096 -targets=$(BUNDLE_TARGETS) \
	  -input=/dev/null $(addprefix -input=,$(ARCH_OBJS)) -output=$@.tmp && mv $@.tmp $@

.PHONY: kernels
kernels: $(BLOB)
