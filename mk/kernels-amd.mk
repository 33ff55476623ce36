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
# -cuid=FAMILY: clang names a per-file symbol (__hip_cuid_*) after a hash of
# the source path and the command line, which would make the same sources
# built in two folders (or into two BUILD dirs) give different code objects.
# The family name is unique among the files linked into a module, which is
# all the ID must be, and depends on nothing else.
HIP_FLAGS := -x hip --cuda-device-only --no-gpu-bundle-output -std=c++17 \
             -mcode-object-version=$(CODE_OBJECT_VERSION) $(HIP_DEVFLAGS) \
             -Wall -Wextra -Werror=unknown-attributes -Ihip $(HIP_CXXFLAGS)

BLOB := $(OUT)/quantized.hsaco
ARCH_OBJS = $(foreach a,$(BUILD_ARCHS),$(OUT)/$(a).hsaco)

# Device libs (Debian layout): links to the packaged bitcode, plus generated
# ISA bitcode for each arch the package lacks.
ifneq ($(DEVLIB_DIR),)
DEVLIB_STAMP := $(DEVLIB_DIR)/.linked
isa_suffix = $(patsubst gfx%,%,$(firstword $(subst :, ,$(1))))
DEVLIB_ISA := $(foreach a,$(BUILD_ARCHS),$(DEVLIB_DIR)/oclc_isa_version_$(call isa_suffix,$(a)).bc)

$(DEVLIB_STAMP):
	$(Q)mkdir -p $(DEVLIB_DIR)
	$(Q)for f in $(DEVLIB_SRC)/*.bc; do ln -sf "$$f" $(DEVLIB_DIR)/; done
	$(Q)touch $@.tmp && mv $@.tmp $@

$(DEVLIB_DIR)/oclc_isa_version_%.bc: | $(DEVLIB_STAMP)
	$(call say,ISA,$@)if [ -e $(DEVLIB_SRC)/$(notdir $@) ]; then ln -sf $(DEVLIB_SRC)/$(notdir $@) $@.tmp && mv -fT $@.tmp $@; \
	else sh mk/isa-bitcode.sh gfx$* $@ $(CLANG) $(LLVM_AS); fi
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
# rebuilds the kernels rather than bundling what other flags made.
HIP_FLAGS_REC := $(OUT)/flags/hip
$(HIP_FLAGS_REC): FORCE
	$(Q)$(call write_if_changed,$(CLANG) $(HIP_FLAGS) | $(HIP_CXXFLAGS) $(CODE_OBJECT_VERSION) | $(LLVM_LINK) $(LLD) $(BUNDLER))
.PHONY: FORCE
FORCE:

# One pattern rule per arch: the arch is part of the path.
define ARCH_RULES
$(OUT)/$(1)/%.bc: hip/%.hip mk/kernels-amd.mk $(HIP_FLAGS_REC) $(DEVLIB_STAMP) $(DEVLIB_DIR)/oclc_isa_version_$(call isa_suffix,$(1)).bc
	$$(call say,HIP,$$@)mkdir -p $$(@D) && $(CLANG) $(HIP_FLAGS) --offload-arch=$(1) -cuid=$$* -emit-llvm -c $$< \
	  -MD -MP -MF $$@.d -MT $$@ -o $$@.tmp && mv $$@.tmp $$@

$(OUT)/$(1).bc: $(foreach n,$(KERNEL_NAMES),$(OUT)/$(1)/$(n).bc) $(FAMILY_LIST)
	$$(call say,LINK-BC,$$@)$(LLVM_LINK) $$(filter %.bc,$$^) -o $$@.tmp && mv $$@.tmp $$@

$(OUT)/$(1).o: $(OUT)/$(1).bc $(HIP_FLAGS_REC)
	$$(call say,CODEGEN,$$@)$(CLANG) --target=amdgcn-amd-amdhsa -mcpu=$(1) -nogpulib \
	  -mcode-object-version=$(CODE_OBJECT_VERSION) $(HIP_CXXFLAGS) -c $$< -o $$@.tmp && mv $$@.tmp $$@

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
