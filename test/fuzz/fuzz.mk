# fuzz.mk: `make fuzz` builds the libFuzzer targets (clang's
# -fsanitize=fuzzer with ASan and UBSan); test/fuzz/run.sh runs them (see
# test/fuzz/README.md).
#
#   fuzz_blob, fuzz_metadata   crk-dump's parsers (programs/crk-dump/, format/)
#   fuzz_loader                the loader's checks of caller-supplied blobs
#                              (lib/, format/), then loads and lookups on the fake backend

ifeq ($(PLATFORM),amd)

FUZZ_CC ?= clang-$(or $(LLVM_VER),19)
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(CPPFLAGS) -Itest -Itest/dump -Itest/loader -Iprograms $(WARN)
FUZZ_OUT := $(OUT)/fuzz
FUZZ_TARGETS := $(FUZZ_OUT)/fuzz_blob $(FUZZ_OUT)/fuzz_metadata $(FUZZ_OUT)/fuzz_loader

$(FUZZ_OUT)/fuzz_blob $(FUZZ_OUT)/fuzz_metadata: $(FUZZ_OUT)/%: test/fuzz/%.c $(DUMP_LIB_SRCS) \
    $(wildcard programs/crk-dump/*.h) $(FORMAT_HDRS)
	$(call say,FUZZ,$@)mkdir -p $(@D) && $(FUZZ_CC) $(FUZZ_FLAGS) $(LDFLAGS) $< $(DUMP_LIB_SRCS) $(DUMP_LDLIBS) -o $@.tmp && mv $@.tmp $@

# The loader as the tests link it: both backends and the fake one. The blob
# (QUANTIZED) is data: compiled without instrumentation.
FUZZ_LOADER_SRCS := $(FORMAT_ALL_SRCS) $(LOADER_SRCS) $(sort $(LOADER_BACKEND_SRCS) lib/backend_hip.c lib/backend_cuda.c) \
                    test/loader/fake_backend.c
$(FUZZ_OUT)/quantized_hsaco.o: $(BLOB_C)
	$(call say,CC,$@)mkdir -p $(@D) && $(FUZZ_CC) $(CPPFLAGS) $(BLOB_INCBIN_FLAGS) -O1 -c $< -o $@.tmp && mv $@.tmp $@
$(FUZZ_OUT)/fuzz_loader: test/fuzz/fuzz_loader.c $(FUZZ_LOADER_SRCS) $(FUZZ_OUT)/quantized_hsaco.o \
    $(wildcard lib/*.h) $(FORMAT_HDRS) test/loader/fake_backend.h
	$(call say,FUZZ,$@)mkdir -p $(@D) && $(FUZZ_CC) $(FUZZ_FLAGS) $< $(FUZZ_LOADER_SRCS) $(FUZZ_OUT)/quantized_hsaco.o \
	  $(LDFLAGS) -ldl -lpthread -lzstd -lz -lmd -o $@.tmp && mv $@.tmp $@

.PHONY: fuzz
fuzz: $(FUZZ_TARGETS)

endif
