# test.mk: `make test` builds every test program with AddressSanitizer and
# UndefinedBehaviorSanitizer and runs them through test/run-tests.sh.
#
# A test program is test/NAME.c; add it to TEST_PROGS below with the extra
# objects it links (TEST_DEPS_NAME). Fragments test/mk/*.mk add their programs.

SAN_FLAGS  ?= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TEST_OUT   := $(OUT)/test
TEST_CFLAGS = $(CPPFLAGS) -Itest -Itest/ref -O1 -g $(WARN) $(SAN_FLAGS)

# Host sources compiled for tests (sanitized), by path.
$(TEST_OUT)/obj/%.o: %.c
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(TEST_CFLAGS) -MMD -MP -c $< -o $@
$(TEST_OUT)/obj/quantized_hsaco.o: $(BLOB_C)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) -O1 -c $< -o $@

TEST_PROGS :=
-include $(sort $(wildcard test/mk/*.mk))

TEST_BINS = $(addprefix $(TEST_OUT)/,$(TEST_PROGS))
$(TEST_OUT)/%: $(TEST_OUT)/obj/test/%.o
	$(call say,LD,$@)$(CC) $(SAN_FLAGS) $(filter %.o %.a,$^) $(TEST_LDLIBS) -lm -o $@

.PHONY: test test-build
test-build: $(TEST_BINS)
test: all test-build
	$(Q)CRK_DATA=$(CRK_DATA) CRK_BUILD=$(OUT) test/run-tests.sh $(TEST_BINS)

-include $(shell find $(TEST_OUT)/obj -name '*.d' 2>/dev/null)
