# embed.mk: the blob becomes C source, with the host-side blob tools.

BLOB2C := $(OUT)/tools/blob2c
BLOB_C := $(OUT)/quantized_hsaco.c
BLOB_ARCH_FLAG := $(if $(filter nvidia,$(PLATFORM)),--arch $(firstword $(BUILD_ARCHS)))

$(OUT)/tools/%.o: embed/%.c embed/bundle.h $(HOST_FLAGS)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c $< -o $@.tmp && mv $@.tmp $@

$(BLOB2C): $(OUT)/tools/blob2c.o $(OUT)/tools/bundle.o $(HOST_FLAGS)
	$(call say,LD,$@)$(CC) $(CFLAGS) $(LDFLAGS) $(filter %.o,$^) -o $@.tmp && mv $@.tmp $@

$(BLOB_C): $(BLOB) $(BLOB2C)
	$(call say,BLOB2C,$@)$(BLOB2C) $(BLOB_ARCH_FLAG) $(BLOB) $@
