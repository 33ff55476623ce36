# kernels-nvidia.mk: the NVIDIA build of the same hip/*.hip sources (nvcc).
#
#   hip/F.hip --nvcc -rdc -cubin-->  $(OUT)/ARCH/F.cubin   relocatable device code
#   all F.cubin --nvlink--------->   $(OUT)/ARCH.cubin     the arch's module
#   one arch:                        $(OUT)/quantized.cubin   (a copy of it)
#   several archs --fatbinary---->   $(OUT)/quantized.fatbin
#
# Each family compiles in a translation unit of its own and the device linker
# joins them, so file-local helpers of two families never clash. The kernels
# see the same hip/common.h as on AMD: it maps the few names they use to CUDA.
# Spills and local memory are reported as warnings (they cost bandwidth).

NVCC_FLAGS ?= -O3
NVCC_DEVFLAGS := -x cu -std=c++17 -rdc=true -cubin -Ihip \
                 -Xptxas -warn-spills,-warn-lmem-usage $(NVCC_FLAGS)
NVLINK ?= $(dir $(NVCC))nvlink
FATBINARY ?= $(dir $(NVCC))fatbinary

# sm_90 -> 90, sm_90a -> 90a (the fatbinary image spec wants the number).
sm_number = $(patsubst sm_%,%,$(1))

ifeq ($(words $(BUILD_ARCHS)),1)
BLOB := $(OUT)/quantized.cubin
else
BLOB := $(OUT)/quantized.fatbin
endif
ARCH_OBJS = $(foreach a,$(BUILD_ARCHS),$(OUT)/$(a).cubin)

# The arch list (mk/archs.mk) is a file whose content changes only when
# BUILD_ARCHS does, so that asking for another arch rebuilds the blob from
# the archs asked for, and only those; later runs without ARCH= keep it.
$(ARCH_LIST): FORCE
	$(Q)$(call write_if_changed,$(BUILD_ARCHS))
.PHONY: FORCE
FORCE:

# The device tools and flags, recorded (Makefile: write_if_changed): every
# kernel step depends on them, so other NVCC_FLAGS rebuild the kernels.
NV_FLAGS_REC := $(OUT)/flags/nvcc
$(NV_FLAGS_REC): FORCE
	$(Q)$(call write_if_changed,$(NVCC) $(NVCC_DEVFLAGS) | $(NVLINK) $(FATBINARY))

# Every step writes a temporary and renames it, so an interrupted build never
# leaves a file that looks finished. The dependency file gets an empty rule
# per header (as -MP would), so a deleted header does not break the build.
define NV_ARCH_RULES
$(OUT)/$(1)/%.cubin: hip/%.hip $(NV_FLAGS_REC)
	$$(call say,NVCC,$$@)mkdir -p $$(@D) && $(NVCC) $(NVCC_DEVFLAGS) -arch=$(1) $$< \
	  -MD -MF $$@.d.tmp -MT $$@ -o $$@.tmp && mv $$@.tmp $$@ && \
	  { cat $$@.d.tmp; sed -n 's/^[ ]*\([^ :\\][^ :\\]*\)[ \\]*$$$$/\1:/p' $$@.d.tmp; } > $$@.d.tmp2 && \
	  mv $$@.d.tmp2 $$@.d && rm -f $$@.d.tmp

$(OUT)/$(1).cubin: $(foreach n,$(KERNEL_NAMES),$(OUT)/$(1)/$(n).cubin) $(NV_FLAGS_REC)
	$$(call say,NVLINK,$$@)$(NVLINK) -arch=$(1) $$(filter %.cubin,$$^) -o $$@.tmp && mv $$@.tmp $$@

-include $(foreach n,$(KERNEL_NAMES),$(OUT)/$(1)/$(n).cubin.d)
endef
$(foreach a,$(BUILD_ARCHS),$(eval $(call NV_ARCH_RULES,$(a))))

ifeq ($(words $(BUILD_ARCHS)),1)
$(BLOB): $(ARCH_LIST) $(ARCH_OBJS)
	$(call say,CP,$@)cp $(ARCH_OBJS) $@.tmp && mv $@.tmp $@
else
$(BLOB): $(ARCH_LIST) $(ARCH_OBJS)
	$(call say,FATBIN,$@)$(FATBINARY) --create=$@.tmp \
	  $(foreach a,$(BUILD_ARCHS),--image3=kind=elf,sm=$(call sm_number,$(a)),file=$(OUT)/$(a).cubin) \
	  && mv $@.tmp $@
endif

.PHONY: kernels
kernels: $(BLOB)
