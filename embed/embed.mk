# embed.mk: the blob becomes C source, with the host-side blob tools.

BLOB2C := $(OUT)/tools/blob2c
BLOB_C := $(OUT)/quantized_hsaco.c
BLOB_ARCH_FLAG := $(if $(filter nvidia,$(PLATFORM)),--arch $(firstword $(BUILD_ARCHS)))

# Compressed bundles (COMPRESS=1, CCOB) are AMD's: in the AMD build blob2c
# lists their archs and the loader opens them (decompressed, the hash
# checked: zstd, zlib, libmd's MD5). The NVIDIA build reads none and links
# none of those (CRK_CCOB undefined).
ifeq ($(PLATFORM),amd)
CCOB_SRCS   := embed/ccob.c embed/decompress.c
CCOB_LDLIBS := -lzstd -lz -lmd
CPPFLAGS    += -DCRK_CCOB=1
else
CCOB_SRCS   :=
CCOB_LDLIBS :=
endif

$(OUT)/tools/%.o: embed/%.c embed/bundle.h embed/ccob.h embed/decompress.h $(HOST_FLAGS)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c $< -o $@.tmp && mv $@.tmp $@

$(BLOB2C): $(OUT)/tools/blob2c.o $(OUT)/tools/bundle.o $(patsubst embed/%.c,$(OUT)/tools/%.o,$(CCOB_SRCS)) $(HOST_FLAGS)
	$(call say,LD,$@)$(CC) $(CFLAGS) $(LDFLAGS) $(filter %.o,$^) $(CCOB_LDLIBS) -o $@.tmp && mv $@.tmp $@

# quantized_hsaco.c pulls the blob in by file name (.incbin): its compiles
# put the blob's folder on the assembler's include path.
BLOB_INCBIN_FLAGS = -Wa,-I$(dir $(BLOB))

$(BLOB_C): $(BLOB) $(BLOB2C)
	$(call say,BLOB2C,$@)$(BLOB2C) $(BLOB_ARCH_FLAG) --incbin $(BLOB) $@
