# blob2c.mk: blob2c, the build tool that turns the bundle into C source
# (quantized_hsaco.c, which the libraries compile), and the rule that runs it.
# Not installed. Its objects are built in $(OUT)/tools/ (no sanitizers, no
# -fPIC: a program of the build).

BLOB2C := $(OUT)/tools/blob2c
BLOB_C := $(OUT)/quantized_hsaco.c
BLOB_ARCH_FLAG := $(if $(filter nvidia,$(PLATFORM)),--arch $(firstword $(BUILD_ARCHS)))

$(OUT)/tools/blob2c.o: programs/blob2c/blob2c.c $(FORMAT_HDRS) $(HOST_FLAGS)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c $< -o $@.tmp && mv $@.tmp $@
$(OUT)/tools/format/%.o: format/%.c $(FORMAT_HDRS) $(HOST_FLAGS)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c $< -o $@.tmp && mv $@.tmp $@

$(BLOB2C): $(OUT)/tools/blob2c.o $(patsubst %.c,$(OUT)/tools/%.o,$(FORMAT_SRCS)) $(HOST_FLAGS)
	$(call say,LD,$@)$(CC) $(CFLAGS) $(LDFLAGS) $(filter %.o,$^) $(CCOB_LDLIBS) -o $@.tmp && mv $@.tmp $@

# quantized_hsaco.c pulls the blob in by file name (.incbin): its compiles
# put the blob's folder on the assembler's include path.
BLOB_INCBIN_FLAGS = -Wa,-I$(dir $(BLOB))

$(BLOB_C): $(BLOB) $(BLOB2C)
	$(call say,BLOB2C,$@)$(BLOB2C) $(BLOB_ARCH_FLAG) --incbin $(BLOB) $@
