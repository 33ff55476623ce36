# gpu.mk: the GPU harness (test/gpu/): gpu_test (its cases in gpu_test.c,
# its runner in runner.c) and what the benchmarks (bench/bench.mk) and the
# emulator run (test/emu/emu.mk) link of it.
#
#   make gpu-test [GPU_TEST_ARGS="dequantize get_rows"]   every kernel vs the CPU reference
#   make gpu-memcheck      the same under compute-sanitizer memcheck (NVIDIA build)
#
# Without a GPU each says so and succeeds: CI builds them and runs nothing.
# CRK_DATA (default: this repository) is where the GGML vectors
# (testdata/ggml) and the kernel list (spec/kernels.txt) are read from.

ifneq ($(REF_SRCS),)
# Building them (included after test/test.mk and its fragments, whose
# REF_SRCS and REF_CFLAGS this uses):
#
# The harness and the benchmarks link the library (loader + embedded blob),
# the CPU reference and a thin
# runtime layer for the build's platform: test/gpu/gpu_cuda.c (CUDA driver
# API, libcuda.so.1 opened at run time) or test/gpu/gpu_hip.c (HIP runtime).
# They are built without the sanitizers (GPU runtimes and ASan do not mix;
# compute-sanitizer checks the device side instead) and with optimization,
# since the reference computes large cases.

GPU_OUT    := $(OUT)/gpu
gpu_comma  := ,
GPU_CFLAGS  = $(CPPFLAGS) -Itest -Itest/ref -Itest/gpu -O2 -g $(WARN) -MMD -MP
GPU_LDLIBS  = $(LIB_LDLIBS) -ldl -lpthread -lm

ifeq ($(PLATFORM),nvidia)
GPU_IMPL        := test/gpu/gpu_cuda.c
GPU_IMPL_CFLAGS := -I$(CUDA_PATH)/include
GPU_IMPL_LDLIBS :=
else
GPU_IMPL        := test/gpu/gpu_hip.c
# HIP's runtime API header, used from C: Debian's under /usr/include/hip,
# or a ROCm install's.
GPU_IMPL_CFLAGS := -D__HIP_PLATFORM_AMD__ $(if $(ROCM_CLANG),-I$(ROCM_PATH)/include)
GPU_IMPL_LDLIBS := $(if $(ROCM_CLANG),-L$(ROCM_PATH)/lib -Wl$(gpu_comma)-rpath$(gpu_comma)$(ROCM_PATH)/lib) -lamdhip64
endif

GPU_COMMON_SRCS := test/gpu/kernels.c test/gpu/hostdata.c $(GPU_IMPL) $(REF_SRCS)
GPU_COMMON_OBJS := $(patsubst %.c,$(GPU_OUT)/obj/%.o,$(GPU_COMMON_SRCS))
GPU_TEST_BIN    := $(GPU_OUT)/gpu_test
GPU_TEST_OBJS   := $(GPU_OUT)/obj/test/gpu/gpu_test.o $(GPU_OUT)/obj/test/gpu/runner.o

$(GPU_OUT)/obj/%.o: %.c | $(VERSION_H)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(GPU_CFLAGS) -MF $(@:.o=.d).tmp -MT $@ -c $< -o $@.tmp && \
	  mv $(@:.o=.d).tmp $(@:.o=.d) && mv $@.tmp $@

$(patsubst %.c,$(GPU_OUT)/obj/%.o,$(GPU_IMPL)): GPU_CFLAGS += $(GPU_IMPL_CFLAGS)
$(patsubst %.c,$(GPU_OUT)/obj/%.o,$(REF_SRCS)): GPU_CFLAGS += $(REF_CFLAGS)

$(GPU_TEST_BIN): $(GPU_TEST_OBJS) $(GPU_COMMON_OBJS) $(LIB_A)
	$(call say,LD,$@)$(CC) $(LDFLAGS) $(filter %.o %.a,$^) $(GPU_IMPL_LDLIBS) $(GPU_LDLIBS) -o $@.tmp && mv $@.tmp $@

# gpu-build: the harness and (bench.mk) the benchmarks. `make test` builds
# (does not run) them, so a change that breaks them shows up on machines
# without a GPU too.
.PHONY: gpu-build
gpu-build: $(GPU_TEST_BIN)
test-build: gpu-build

-include $(shell find $(GPU_OUT)/obj -name '*.d' 2>/dev/null)

GPU_TEST_ARGS ?=
SANITIZER     ?= $(firstword $(wildcard $(CUDA_PATH)/bin/compute-sanitizer) compute-sanitizer)

.PHONY: gpu-test gpu-memcheck
gpu-test: $(GPU_TEST_BIN)
	$(Q)CRK_DATA=$(CRK_DATA) $(GPU_TEST_BIN) $(GPU_TEST_ARGS)

# Every kernel's accesses checked; children (the harness forks) included.
# API errors are not reported: looking up a kernel the module lacks (a SKIP)
# is one, by design; the harness checks every API call's status itself.
gpu-memcheck: $(GPU_TEST_BIN)
ifeq ($(PLATFORM),nvidia)
	$(Q)if ! command -v $(SANITIZER) >/dev/null 2>&1; then echo "gpu-memcheck: no compute-sanitizer: nothing run"; \
	else CRK_DATA=$(CRK_DATA) $(SANITIZER) --tool memcheck --target-processes all \
	  --report-api-errors no --error-exitcode 99 --print-limit 20 $(GPU_TEST_BIN) $(GPU_TEST_ARGS); fi
else
	@echo "gpu-memcheck: compute-sanitizer is NVIDIA's: nothing run in the AMD build"
endif

else
gpu-test gpu-memcheck:
	@echo "$@: the test tree (test/test.mk, test/ref) is missing: nothing built"
endif
