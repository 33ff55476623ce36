# ref.mk: the CPU reference (test/ref/) and its tests (test/ref/test_ref*.c).
#
# Other makefiles (GPU harness, benchmarks) compile the reference into their
# programs from REF_SRCS with REF_CFLAGS added to their own flags:
# -ffp-contract=off keeps every float operation rounded on its own, as in
# GGML's scalar code, which the dequantizer reproduces to the bit.

REF_SRCS   := $(sort $(filter-out test/ref/test_%,$(wildcard test/ref/*.c)))
REF_HDRS   := $(filter-out test/ref/test_%,$(wildcard test/ref/*.h))
REF_CFLAGS := -ffp-contract=off

REF_TEST_OBJS := $(patsubst %.c,$(TEST_OUT)/obj/%.o,$(REF_SRCS))
REF_TEST_PROGS := test_ref test_ref_half test_ref_q8_1 test_ref_quantize test_ref_matmul

$(REF_TEST_OBJS) $(patsubst %,$(TEST_OUT)/obj/test/ref/%.o,$(REF_TEST_PROGS)): TEST_CFLAGS += $(REF_CFLAGS)

TEST_PROGS += $(REF_TEST_PROGS)
$(addprefix $(TEST_OUT)/,$(REF_TEST_PROGS)): $(REF_TEST_OBJS)
