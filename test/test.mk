# test.mk: `make test` builds every test program with AddressSanitizer and
# UndefinedBehaviorSanitizer and runs them through test/run-tests.sh.
#
# A test program is test/NAME.c; add it to TEST_PROGS below with the extra
# objects it links (TEST_DEPS_NAME). Fragments test/mk/*.mk add their programs.

SAN_FLAGS  ?= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TEST_OUT   := $(OUT)/test
TEST_CFLAGS = $(CPPFLAGS) -Itest -Itest/ref -O1 -g $(WARN) $(SAN_FLAGS)
SHARED_DIR ?= ../shared

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
# The tests take the build's bundle apart (offsets, entries, damaged copies),
# so they run on an uncompressed one; the compressed form is tested from
# the fixture the bundler's -compress makes of the same code objects
# (test_loader_ccob, test_blob2c, crk-dump's format tests).
ifeq ($(COMPRESS)$(filter test,$(MAKECMDGOALS)),1test)
$(error make test checks the uncompressed bundle (the compressed one through test/dump-fixtures/quantized.ccob): run it without COMPRESS=1)
endif
test: all test-build
	$(Q)CRK_SHARED=$(SHARED_DIR) CRK_BUILD=$(OUT) test/run-tests.sh $(TEST_BINS)

-include $(shell find $(TEST_OUT)/obj -name '*.d' 2>/dev/null)
