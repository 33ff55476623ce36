# test.mk: `make test` builds every test program with AddressSanitizer and
# UndefinedBehaviorSanitizer and runs them through test/run-tests.sh.
#
# A test program is test/NAME.c; add it to TEST_PROGS below with the extra
# objects it links (TEST_DEPS_NAME). Fragments add their programs: test/mk/*.mk
# (the tests in test/ of the build, crk-dump, blob2c and the loader),
# test/ref/ref.mk (the CPU reference) and test/fuzz/fuzz.mk (the fuzzers).
# A shell test is test/test_NAME.sh: program NAME is a two-line wrapper that
# runs it (run-tests.sh runs programs), listed in SCRIPT_TESTS.

SAN_FLAGS  ?= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TEST_OUT   := $(OUT)/test
# -Iprograms: tests of crk-dump's readers include "crk-dump/NAME.h"; the
# library's sources never see programs/.
TEST_CFLAGS = $(CPPFLAGS) -Itest -Itest/ref -Iprograms -O1 -g $(WARN) $(SAN_FLAGS)

# Host sources compiled for tests (sanitized), by path.
$(TEST_OUT)/obj/%.o: %.c | $(VERSION_H)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(TEST_CFLAGS) -MMD -MP -MF $(@:.o=.d) -MT $@ -c $< -o $@.tmp && mv $@.tmp $@
$(TEST_OUT)/obj/quantized_hsaco.o: $(BLOB_C) | $(VERSION_H)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(BLOB_INCBIN_FLAGS) -O1 -c $< -o $@.tmp && mv $@.tmp $@

TEST_PROGS :=
# In this order: crk-dump-tests.mk's fixtures are used by the ones after it.
include test/mk/build.mk test/mk/crk-dump-tests.mk test/mk/blob2c-tests.mk test/fuzz/fuzz.mk test/mk/loader.mk \
        test/ref/ref.mk test/mk/rust.mk

TEST_BINS = $(addprefix $(TEST_OUT)/,$(TEST_PROGS))
$(TEST_OUT)/%: $(TEST_OUT)/obj/test/%.o
	$(call say,LD,$@)$(CC) $(SAN_FLAGS) $(LDFLAGS) $(filter %.o %.a,$^) $(TEST_LDLIBS) -lm -o $@.tmp && mv $@.tmp $@
$(TEST_OUT)/%: test/test_%.sh
	$(call say,GEN,$@)mkdir -p $(@D) && printf '#!/bin/sh\nexec sh "%s/%s" "$$@"\n' '$(CURDIR)' '$<' > $@.tmp && \
	  chmod +x $@.tmp && mv $@.tmp $@

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
	$(Q)CRK_DATA=$(CRK_DATA) CRK_BUILD=$(OUT) test/run-tests.sh $(TEST_BINS)

-include $(shell find $(TEST_OUT)/obj -name '*.d' 2>/dev/null)
