# profile.mk: `make emu-profile`, an AMD cost signal from the ISA emulator
# (included by test/emu/emu.mk, whose variables it uses). See docs/AMD-MODEL.md.
#
#   make emu-profile TINYGRAD=/path/to/tinygrad [EMU_JOBS=2] [UPDATE=1]
#
# Runs each profiled kernel once per arch of PROFILE_ARCH at two sizes with
# the instruction counter on (test/emu/profile_driver.c, emu_profile.py),
# writes docs/AMD-MODEL.md (test/emu/profile_report.py) and fails when a
# kernel's VALU or memory instructions per unit grew more than 5% over
# test/emu/amd-model.baseline; UPDATE=1 rewrites the baseline instead.
# Without TINYGRAD it says so and succeeds.

PROFILE_DRIVER   := $(EMU_OUT)/profile_driver
PROFILE_ARCH     ?= gfx942 gfx1100 gfx1201
PROFILE_BASELINE ?= test/emu/amd-model.baseline
PROFILE_MD       ?= docs/AMD-MODEL.md
UPDATE           ?=

$(PROFILE_DRIVER): $(GPU_OUT)/obj/test/emu/profile_driver.o $(GPU_COMMON_OBJS) $(LIB_A)
	$(call say,LD,$@)$(CC) $(filter %.o %.a,$^) $(GPU_IMPL_LDLIBS) $(GPU_LDLIBS) -o $@.tmp && mv $@.tmp $@

emu-build: $(PROFILE_DRIVER)

.PHONY: emu-profile
emu-profile: emu-build
	$(Q)EMU_OUT=$(EMU_OUT) BUILD_ARCHS="$(BUILD_ARCHS)" PROFILE_ARCH="$(PROFILE_ARCH)" EMU_JOBS=$(EMU_JOBS) \
	  TINYGRAD="$(TINYGRAD)" PROFILE_DRIVER=$(PROFILE_DRIVER) CRK_DATA=$(CRK_DATA) UPDATE="$(UPDATE)" \
	  PROFILE_BASELINE=$(PROFILE_BASELINE) PROFILE_MD=$(PROFILE_MD) \
	  PROFILE_TOOLCHAIN="$(shell $(CLANG) --version 2>/dev/null | head -1)" test/emu/emu-profile.sh

# `make test`: one kernel on one arch against the baseline (test/emu/profile-smoke.sh),
# or one SKIP line saying why.
TEST_PROGS += emu-profile
test-build: $(TEST_OUT)/emu-profile
$(TEST_OUT)/emu-profile: test/emu/profile.mk
	$(call say,GEN,$@)mkdir -p $(@D) && \
	  printf '#!/bin/sh\nexec sh "%s/test/emu/profile-smoke.sh" "$$@"\n' '$(CURDIR)' > $@.tmp && \
	  chmod +x $@.tmp && mv $@.tmp $@
