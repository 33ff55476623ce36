# loader.mk: tests of the loader library (lib/), no GPU needed.
#
#   test_loader_blob     blob vetting: bundles, target IDs, cubin/fatbin/PTX,
#                        truncated and corrupt bytes (ASan+UBSan)
#   test_loader_cache    load once, cache, errors, retry, close, against a
#                        fake backend that counts runtime calls (ASan+UBSan)
#   test_loader_runtime  the real backend(s): a clean error without a GPU or
#                        runtime, a real load with one (ASan+UBSan)
#   test_loader_corpus   the loader's fuzz corpus replayed (test/fuzz/)
#   test_lib_exports     the shared library exports the public API, and no
#                        internals or crk-dump-only parsers (dlsym)
#   lib_symbols          test/loader/test_lib_symbols.sh: nm -D lists exactly the
#                        public header's functions and objects
#   test_loader_threads_tsan  16 threads hammering lookups on many devices,
#                        exact call counts, built with ThreadSanitizer
#   test_loader_pick     which code object each device gets (exact, generic,
#                        ISA fallback), against bundles made here (below)
#   test_loader_ccob     a compressed bundle opened, decompressed, vetted
#   test_processors      every row of format/amdgpu_processors.def, named alike
#                        by the loader and by crk-dump's parser (ASan+UBSan)
#   test_dump_vet        hostile blobs refused alike by the loader and crk-dump
#                        --arch; --arch usage errors; --json one document
#   test_dot_path        hip/common.h's int8 dot #if chain and mat-vec register
#                        cap agree with the table's dot column, per processor
#                        the build's clang knows (clang -E -dM)
# and builds examples/ (the README example and loader_bench) so they stay
# correct.

# The loader as tests link it: both backends, the platform's built-in choice.
LOADER_TEST_SRCS := $(FORMAT_ALL_SRCS) $(LOADER_SRCS) $(sort $(LOADER_BACKEND_SRCS) lib/backend_hip.c lib/backend_cuda.c) \
                    test/loader/fake_backend.c
LOADER_TEST_OBJS := $(patsubst %.c,$(TEST_OUT)/obj/%.o,$(LOADER_TEST_SRCS)) $(TEST_OUT)/obj/quantized_hsaco.o

LOADER_TESTS := test_loader_blob test_loader_cache test_loader_runtime test_loader_corpus
TEST_PROGS += $(LOADER_TESTS) test_loader_threads_tsan
$(addprefix $(TEST_OUT)/,$(LOADER_TESTS)): $(LOADER_TEST_OBJS)
$(addprefix $(TEST_OUT)/,$(LOADER_TESTS)): TEST_LDLIBS += -ldl -lpthread -lzstd -lz -lmd
$(TEST_OUT)/obj/test/loader/test_loader_corpus.o: test/fuzz/fuzz_loader.c
TEST_PROGS += test_lib_exports lib_symbols
$(TEST_OUT)/test_lib_exports $(TEST_OUT)/lib_symbols: $(LIB_SO)
$(TEST_OUT)/test_lib_exports: TEST_LDLIBS += -ldl

# ThreadSanitizer cannot be combined with ASan: the threaded test and the
# loader are compiled a second time, into their own folder.
TSAN_FLAGS ?= -fsanitize=thread -fno-omit-frame-pointer
TSAN_OUT   := $(OUT)/test-tsan
TSAN_OBJS  := $(patsubst %.c,$(TSAN_OUT)/obj/%.o,$(LOADER_TEST_SRCS) test/loader/test_loader_threads.c) \
              $(TSAN_OUT)/obj/quantized_hsaco.o

$(TSAN_OUT)/obj/%.o: %.c | $(VERSION_H)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(TEST_INCLUDES) -O1 -g $(WARN) $(TSAN_FLAGS) -MMD -MP -MF $(@:.o=.d).tmp -MT $@ \
	  -c $< -o $@.tmp && mv $(@:.o=.d).tmp $(@:.o=.d) && mv $@.tmp $@
$(TSAN_OUT)/obj/quantized_hsaco.o: $(BLOB_C) | $(VERSION_H)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(BLOB_INCBIN_FLAGS) -O1 -c $< -o $@.tmp && mv $@.tmp $@
$(TEST_OUT)/test_loader_threads_tsan: $(TSAN_OBJS)
	$(call say,LD,$@)mkdir -p $(@D) && $(CC) $(TSAN_FLAGS) $(LDFLAGS) $^ -ldl -lpthread -lzstd -lz -lmd -o $@.tmp && mv $@.tmp $@

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
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) $< $(LIB_A) $(LIB_LDLIBS) \
	  -o $@.tmp && mv $@.tmp $@
$(EXAMPLES_OUT)/quantize_q8_1: examples/quantize_q8_1.c $(LIB_A) $(PUBLIC_HDRS)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(HIP_EXAMPLE_FLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) $< $(LIB_A) \
	  $(LIB_LDLIBS) $(HIP_EXAMPLE_LIBS) -o $@.tmp && mv $@.tmp $@

.PHONY: examples
examples: $(EXAMPLES)
test-build: $(EXAMPLES)

# The loader's choice of code object (test_loader_pick), against bundles the
# toolchain makes here: the small fixture kernel built for specific
# processors, for the five generic targets (code object v6), and bundled
# three ways: specific processors only, generic targets only, and both.
ifeq ($(PLATFORM),amd)
PICK_FIX := $(TEST_OUT)/pick-fixtures
PICK_SPECIFIC := gfx900 gfx1010 gfx1011 gfx1030 gfx1100 gfx1150 gfx1200 gfx90a:xnack+ gfx90a:xnack-
PICK_GENERIC := $(AMD_GENERIC_ARCHS)
PICK_MIXED := gfx1030 gfx1100 gfx10-3-generic gfx11-generic
# A target ID's file name: ':' cannot be in a make target.
pick_co = $(PICK_FIX)/$(subst :,_,$(1)).co
pick_ids = $(subst $(space),$(comma),host-x86_64-unknown-linux-gnu $(addprefix hipv4-amdgcn-amd-amdhsa--,$(1)))

define PICK_CO_RULE
$(call pick_co,$(1)): $(DUMP_FIXTURE_SRC)
	$$(call say,HIP,$$@)mkdir -p $$(@D) && $(call cov_cmd,$(1))$(CLANG) $(DUMP_FIX_HIPFLAGS) --cuda-device-only \
	  --no-gpu-bundle-output --offload-arch=$(1) -mcode-object-version=$(call arch_cov,$(1)) $$< -o $$@.tmp && mv $$@.tmp $$@
endef
$(foreach t,$(sort $(PICK_SPECIFIC) $(PICK_GENERIC)),$(eval $(call PICK_CO_RULE,$(t))))

define PICK_BUNDLE_RULE
$(PICK_FIX)/$(1).bundle: $(foreach t,$(2),$(call pick_co,$(t)))
	$$(call say,BUNDLE,$$@)$(BUNDLER) -type=o -bundle-align=4096 -targets=$(call pick_ids,$(2)) \
	  -input=/dev/null $$(addprefix -input=,$$^) -output=$$@.tmp && mv $$@.tmp $$@
endef
$(eval $(call PICK_BUNDLE_RULE,specific,$(PICK_SPECIFIC)))
$(eval $(call PICK_BUNDLE_RULE,generic_only,$(PICK_GENERIC)))
$(eval $(call PICK_BUNDLE_RULE,mixed,$(PICK_MIXED)))
PICK_FIXTURES := $(addprefix $(PICK_FIX)/,specific.bundle generic_only.bundle mixed.bundle)

# test_loader_ccob: the loader on the compressed bundle crk-dump-tests.mk makes.
TEST_PROGS += test_loader_pick test_loader_ccob
$(TEST_OUT)/test_loader_pick: $(LOADER_TEST_OBJS) $(PICK_FIXTURES)
$(TEST_OUT)/test_loader_ccob: $(LOADER_TEST_OBJS) $(DUMP_FIX)/quantized.ccob
$(TEST_OUT)/test_loader_pick $(TEST_OUT)/test_loader_ccob: TEST_LDLIBS += -ldl -lpthread -lzstd -lz -lmd
endif

# crk-dump --arch answers the loader's question on the same bundles.
ifeq ($(PLATFORM),amd)
$(TEST_OUT)/test_dump_cli: $(PICK_FIXTURES)
endif

# test_processors: every row of format/amdgpu_processors.def through the
# loader and through crk-dump's code object parser (the AMD build's tool).
ifeq ($(PLATFORM),amd)
PROCESSORS_TEST_OBJS := $(patsubst %.c,$(TEST_OUT)/obj/%.o,$(addprefix programs/crk-dump/,msgpack.c metadata.c codeobj.c))
TEST_PROGS += test_processors
$(TEST_OUT)/test_processors: $(LOADER_TEST_OBJS) $(PROCESSORS_TEST_OBJS)
$(TEST_OUT)/test_processors: TEST_LDLIBS += -ldl -lpthread -lzstd -lz -lmd

# test_dump_vet: the loader and crk-dump --arch refuse the same hostile
# blobs (one vetting function), crk-dump's --arch usage errors and its one
# --json document, the loader's arch arguments, the decompression cap.
TEST_PROGS += test_dump_vet
$(TEST_OUT)/test_dump_vet: $(LOADER_TEST_OBJS) $(CRK_DUMP) $(DUMP_FIX)/quantized.ccob
$(TEST_OUT)/test_dump_vet: TEST_LDLIBS += -ldl -lpthread -lzstd -lz -lmd

# test_dot_path: the build's clang and device flags, compiled in.
TEST_PROGS += test_dot_path
$(TEST_OUT)/test_dot_path: $(TEST_OUT)/obj/format/processors.o
$(TEST_OUT)/obj/test/loader/test_dot_path.o: TEST_CFLAGS += -DCRK_CLANG='"$(CLANG)"' -DCRK_HIP_DEVFLAGS='"$(HIP_DEVFLAGS)"'
$(TEST_OUT)/obj/test/loader/test_dot_path.o: $(HIP_FLAGS_REC)
endif
