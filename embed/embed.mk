# embed.mk: the blob becomes C source, with the host-side blob tools.

BLOB2C := $(OUT)/tools/blob2c
BLOB_C := $(OUT)/quantized_hsaco.c
BLOB_ARCH_FLAG := $(if $(filter nvidia,$(PLATFORM)),--arch $(firstword $(BUILD_ARCHS)))

$(OUT)/tools/%.o: embed/%.c embed/bundle.h embed/decompress.h embed/md5.h
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c $< -o $@

# decompress and md5: a compressed bundle's archs are read from inside it.
$(BLOB2C): $(OUT)/tools/blob2c.o $(OUT)/tools/bundle.o $(OUT)/tools/decompress.o $(OUT)/tools/md5.o
	$(call say,LD,$@)$(CC) $(CFLAGS) $^ -lzstd -lz -o $@

$(BLOB_C): $(BLOB) $(BLOB2C)
	$(call say,BLOB2C,$@)$(BLOB2C) $(BLOB_ARCH_FLAG) --incbin $(BLOB) $@
