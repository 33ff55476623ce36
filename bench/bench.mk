# bench.mk: the GPU benchmarks (bench/bench.c), over the GPU harness's
# objects (test/gpu/gpu.mk: the CPU reference, the runtime layer, the
# kernel catalog).
#
#   make bench [BENCH_ARGS=...]   benchmarks; rewrites docs/BENCHMARKS.md
#
# Without a GPU it says so and succeeds; `make test` builds it (gpu-build).

ifneq ($(GPU_COMMON_OBJS),)

BENCH_BIN   := $(GPU_OUT)/bench
BENCH_ARGS  ?=
BENCH_MD    ?= docs/BENCHMARKS.md
BENCH_NOTES ?= bench/notes.md
GIT_COMMIT   = $(shell git describe --always --dirty 2>/dev/null || echo unknown)

$(BENCH_BIN): $(GPU_OUT)/obj/bench/bench.o $(GPU_COMMON_OBJS) $(LIB_A)
	$(call say,LD,$@)$(CC) $(LDFLAGS) $(filter %.o %.a,$^) $(GPU_IMPL_LDLIBS) $(GPU_LDLIBS) -o $@.tmp && mv $@.tmp $@

gpu-build: $(BENCH_BIN)

.PHONY: bench
bench: $(BENCH_BIN)
	$(Q)$(BENCH_BIN) --out $(BENCH_MD) --commit $(GIT_COMMIT) $(if $(wildcard $(BENCH_NOTES)),--notes $(BENCH_NOTES)) $(BENCH_ARGS)

else
bench:
	@echo "$@: the GPU harness (test/gpu/gpu.mk, test/ref) is missing: nothing built"
endif
