# loader.mk: tests of the loader library (lib/), no GPU needed.
#
#   test_loader_blob     blob vetting: bundles, target IDs, cubin/fatbin/PTX,
#                        truncated and corrupt bytes (ASan+UBSan)
#   test_loader_cache    load once, cache, errors, retry, close, against a
#                        fake backend that counts runtime calls (ASan+UBSan)
#   test_loader_runtime  the real backend(s): a clean error without a GPU or
#                        runtime, a real load with one (ASan+UBSan)
#   test_loader_threads_tsan  16 threads hammering lookups on many devices,
#                        exact call counts, built with ThreadSanitizer
# and builds examples/ (the README example and loader_bench) so they stay
# correct.

# The loader as tests link it: both backends, the platform's built-in choice.
LOADER_TEST_SRCS := embed/bundle.c embed/target_pick.c $(LOADER_SRCS) $(sort $(LOADER_BACKEND_SRCS) lib/backend_hip.c lib/backend_cuda.c) \
                    test/fake_backend.c
LOADER_TEST_OBJS := $(patsubst %.c,$(TEST_OUT)/obj/%.o,$(LOADER_TEST_SRCS)) $(TEST_OUT)/obj/quantized_hsaco.o

LOADER_TESTS := test_loader_blob test_loader_cache test_loader_runtime
TEST_PROGS += $(LOADER_TESTS) test_loader_threads_tsan
$(addprefix $(TEST_OUT)/,$(LOADER_TESTS)): $(LOADER_TEST_OBJS)
$(addprefix $(TEST_OUT)/,$(LOADER_TESTS)): TEST_LDLIBS += -ldl -lpthread

# ThreadSanitizer cannot be combined with ASan: the threaded test and the
# loader are compiled a second time, into their own folder.
TSAN_FLAGS ?= -fsanitize=thread -fno-omit-frame-pointer
TSAN_OUT   := $(OUT)/test-tsan
TSAN_OBJS  := $(patsubst %.c,$(TSAN_OUT)/obj/%.o,$(LOADER_TEST_SRCS) test/test_loader_threads.c) \
              $(TSAN_OUT)/obj/quantized_hsaco.o

$(TSAN_OUT)/obj/%.o: %.c
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) -Itest -O1 -g $(WARN) $(TSAN_FLAGS) -MMD -MP -c $< -o $@
$(TSAN_OUT)/obj/quantized_hsaco.o: $(BLOB_C)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) -O1 -c $< -o $@
$(TEST_OUT)/test_loader_threads_tsan: $(TSAN_OBJS)
	$(call say,LD,$@)mkdir -p $(@D) && $(CC) $(TSAN_FLAGS) $^ -ldl -lpthread -o $@

-include $(shell find $(TSAN_OUT)/obj -name '*.d' 2>/dev/null)

# Examples: compiled and linked against the library by `make test`, not run
# (they need a GPU). The HIP example needs the HIP headers and libamdhip64.
EXAMPLES_OUT := $(OUT)/examples
EXAMPLES := $(EXAMPLES_OUT)/loader_bench
ifeq ($(PLATFORM),amd)
EXAMPLES += $(EXAMPLES_OUT)/quantize_q8_1
endif
HIP_EXAMPLE_FLAGS ?= -D__HIP_PLATFORM_AMD__ $(if $(wildcard $(ROCM_PATH)/include/hip),-I$(ROCM_PATH)/include)
HIP_EXAMPLE_LIBS  ?= $(if $(wildcard $(ROCM_PATH)/lib/libamdhip64.so),-L$(ROCM_PATH)/lib) -lamdhip64

$(EXAMPLES_OUT)/loader_bench: examples/loader_bench.c $(LIB_A) $(PUBLIC_HDRS)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $< $(LIB_A) $(LIB_LDLIBS) -o $@
$(EXAMPLES_OUT)/quantize_q8_1: examples/quantize_q8_1.c $(LIB_A) $(PUBLIC_HDRS)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(HIP_EXAMPLE_FLAGS) $(CFLAGS) $(WARN) $< $(LIB_A) \
	  $(LIB_LDLIBS) $(HIP_EXAMPLE_LIBS) -o $@

.PHONY: examples
examples: $(EXAMPLES)
test-build: $(EXAMPLES)
