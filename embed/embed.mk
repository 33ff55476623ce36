# embed.mk: the blob becomes C source, with the host-side blob tools.

BLOB2C := $(OUT)/tools/blob2c
BLOB_C := $(OUT)/quantized_hsaco.c
BLOB_ARCH_FLAG := $(if $(filter nvidia,$(PLATFORM)),--arch $(firstword $(BUILD_ARCHS)))

$(OUT)/tools/%.o: embed/%.c embed/bundle.h embed/ccob.h embed/decompress.h $(HOST_FLAGS)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c $< -o $@.tmp && mv $@.tmp $@

# decompress, ccob and libmd's MD5: a compressed bundle's archs are read from inside it.
$(BLOB2C): $(OUT)/tools/blob2c.o $(OUT)/tools/bundle.o $(OUT)/tools/ccob.o $(OUT)/tools/decompress.o $(HOST_FLAGS)
	$(call say,LD,$@)$(CC) $(CFLAGS) $(LDFLAGS) $(filter %.o,$^) -lzstd -lz -lmd -o $@.tmp && mv $@.tmp $@

# quantized_hsaco.c pulls the blob in by file name (.incbin): its compiles
# put the blob's folder on the assembler's include path.
BLOB_INCBIN_FLAGS = -Wa,-I$(dir $(BLOB))

$(BLOB_C): $(BLOB) $(BLOB2C)
	$(call say,BLOB2C,$@)$(BLOB2C) $(BLOB_ARCH_FLAG) --incbin $(BLOB) $@
