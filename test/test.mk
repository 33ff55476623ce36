# test.mk: `make test` builds every test program with AddressSanitizer and
# UndefinedBehaviorSanitizer and runs them through test/run-tests.sh.
#
# The tests live by subject, each folder with its make fragment, which adds
# its programs to TEST_PROGS with the extra objects they link:
#   build/   the build itself: the kernels in every code object (test_build),
#            the Makefile, reproducibility, install, README's C code (build.mk)
#   blob2c/  the bundle-to-C step (blob2c-tests.mk)
#   dump/    crk-dump and its fixtures (dump.mk)
#   loader/  the loader library, its fake runtime and the processor table (loader.mk)
#   ref/     the CPU reference and its tests (ref.mk)
#   rust/    the Rust crate (rust.mk)
#   fuzz/    the fuzzers (fuzz.mk; their corpora replay in dump/ and loader/)
#   gpu/, emu/  the GPU harness and the emulator run (gpu.mk, emu.mk: the Makefile
#            includes them after this file)
# Here: what every test shares (check.h, data_dir.h, testlib.sh, run-tests.sh).
# A test program is test/SUBJECT/test_NAME.c (program test_NAME); a shell
# test is test/SUBJECT/test_NAME.sh (program NAME: a two-line wrapper that
# runs it, as run-tests.sh runs programs). Program names are unique across
# the folders.

SAN_FLAGS  ?= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TEST_OUT   := $(OUT)/test
# -Iprograms: tests of crk-dump's readers include "crk-dump/NAME.h"; the
# library's sources never see programs/. The subject folders whose headers
# other subjects use: dump/ (test_dump_util.h), loader/ (fake_backend.h).
TEST_INCLUDES := -Itest -Itest/ref -Itest/dump -Itest/loader
TEST_CFLAGS = $(CPPFLAGS) $(TEST_INCLUDES) -Iprograms -O1 -g $(WARN) $(SAN_FLAGS)

# Host sources compiled for tests (sanitized), by path.
$(TEST_OUT)/obj/%.o: %.c | $(VERSION_H)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(TEST_CFLAGS) -MMD -MP -MF $(@:.o=.d).tmp -MT $@ -c $< -o $@.tmp && \
	  mv $(@:.o=.d).tmp $(@:.o=.d) && mv $@.tmp $@
$(TEST_OUT)/obj/quantized_hsaco.o: $(BLOB_C) | $(VERSION_H)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(BLOB_INCBIN_FLAGS) -O1 -c $< -o $@.tmp && mv $@.tmp $@

TEST_PROGS :=
# In this order: dump.mk's fixtures are used by the ones after it.
include test/dump/dump.mk test/build/build.mk test/blob2c/blob2c-tests.mk test/fuzz/fuzz.mk \
        test/loader/loader.mk test/ref/ref.mk test/rust/rust.mk

# Each program's source, by name: test/SUBJECT/test_NAME.c links its object
# (and what its fragment adds); test/SUBJECT/test_NAME.sh becomes program NAME.
TEST_C_SRCS  := $(wildcard test/test_*.c test/*/test_*.c)
TEST_SH_SRCS := $(wildcard test/test_*.sh test/*/test_*.sh)
test_c_bin  = $(TEST_OUT)/$(basename $(notdir $(1)))
test_sh_bin = $(TEST_OUT)/$(patsubst test_%.sh,%,$(notdir $(1)))
$(foreach s,$(TEST_C_SRCS),$(eval $(call test_c_bin,$(s)): $(TEST_OUT)/obj/$(s:.c=.o)))
# (The wrapper names the script's path, written by the recipe here: a move of
# the script or a change here rewrites it.)
$(foreach s,$(TEST_SH_SRCS),$(eval $(call test_sh_bin,$(s)): $(s) test/test.mk))

TEST_BINS = $(addprefix $(TEST_OUT)/,$(TEST_PROGS))
$(foreach s,$(TEST_C_SRCS),$(call test_c_bin,$(s))):
	$(call say,LD,$@)$(CC) $(SAN_FLAGS) $(LDFLAGS) $(filter %.o %.a,$^) $(TEST_LDLIBS) -lm -o $@.tmp && mv $@.tmp $@
$(foreach s,$(TEST_SH_SRCS),$(call test_sh_bin,$(s))):
	$(call say,GEN,$@)mkdir -p $(@D) && printf '#!/bin/sh\nexec sh "%s/%s" "$$@"\n' '$(CURDIR)' '$(filter %.sh,$^)' > $@.tmp && \
	  chmod +x $@.tmp && mv $@.tmp $@

.PHONY: test test-build
test-build: $(TEST_BINS)
# The tests take the build's bundle apart (offsets, entries, damaged copies),
# so they run on an uncompressed one; the compressed form is tested from
# the fixture the bundler's -compress makes of the same code objects
# (test_loader_ccob, test_blob2c, crk-dump's format tests).
ifeq ($(COMPRESS)$(filter test,$(MAKECMDGOALS)),1test)
$(error make test checks the uncompressed bundle (the compressed one through test/dump-fixtures/quantized.ccob), and this build is COMPRESS=1$(if $(filter command line environment,$(origin COMPRESS)),, (kept in $(BUNDLE_OPTS))): run make test COMPRESS=0, or give it a BUILD dir of its own)
endif
# CRK_FLAGS_GIVEN: the host flags given on make's command line, which the
# tests' own makes (test/testlib.sh's tmake) do not inherit.
test: all test-build
	$(Q)CRK_DATA=$(CRK_DATA) CRK_BUILD=$(OUT) \
	  CRK_FLAGS_GIVEN="$(foreach v,CC CFLAGS CPPFLAGS LDFLAGS,$(if $(filter command line,$(origin $(v))),$(v)))" \
	  test/run-tests.sh $(TEST_BINS)

-include $(shell find $(TEST_OUT)/obj -name '*.d' 2>/dev/null)
