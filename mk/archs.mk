# archs.mk: which archs to build, and a clear error for a value that cannot
# be one. Included by toolchain.mk once the platform's DEFAULT_ARCHS is known.
#
# ARCH on the command line (or in the environment) wins; ARCH=default names
# the default list. Otherwise the list this build dir was last built for,
# kept in $(ARCH_LIST), so that `make ARCH=gfx1100` then `make test`, `make
# dump` or `make install` stay on gfx1100 instead of building every arch.
# Otherwise the default list. What the default list names may be skipped
# (toolchain.mk: an arch the compiler cannot target); what was asked for
# cannot.

ARCH_LIST := $(OUT)/archs.list
NO_TOOLS_GOALS := clean help uninstall

ifneq ($(filter command line environment,$(origin ARCH)),)
  ifeq ($(strip $(ARCH)),default)
    override ARCH := $(DEFAULT_ARCHS)
    ARCH_ASKED_EXPLICITLY :=
  else
    ARCH_ASKED_EXPLICITLY := 1
  endif
  ARCH_FROM := ARCH
else ifneq ($(wildcard $(ARCH_LIST)),)
  override ARCH := $(strip $(file < $(ARCH_LIST)))
  ARCH_ASKED_EXPLICITLY := 1
  ARCH_FROM := ARCH (kept in $(ARCH_LIST))
  ifneq ($(ARCH),$(strip $(DEFAULT_ARCHS)))
    ifneq ($(filter-out $(NO_TOOLS_GOALS),$(or $(MAKECMDGOALS),all)),)
      $(info note: archs $(ARCH), kept from the last build in $(OUT): give ARCH=... (or ARCH=default) to change)
    endif
  endif
else
  override ARCH := $(DEFAULT_ARCHS)
  ARCH_ASKED_EXPLICITLY :=
  ARCH_FROM := the default arch list
endif

# GENERIC=1 adds the family-generic targets (mk/arch-list.mk) to whatever
# ARCH holds.
ifeq ($(PLATFORM)$(GENERIC),amd1)
  override ARCH := $(ARCH) $(filter-out $(ARCH),$(AMD_GENERIC_ARCHS))
endif

# The value's shape, checked before any tool is looked for. Each error says
# what is wrong with which word and what to write instead.
ifneq ($(filter-out $(NO_TOOLS_GOALS),$(or $(MAKECMDGOALS),all)),)
  archs_comma := ,
  archs_dups := $(strip $(foreach a,$(sort $(ARCH)),$(if $(word 2,$(filter $(a),$(ARCH))),$(a))))
  ifeq ($(strip $(ARCH)),)
    $(error $(ARCH_FROM) is empty: name the archs to build, e.g. ARCH=gfx1100, or ARCH=default)
  else ifneq ($(findstring $(archs_comma),$(ARCH)),)
    $(error $(ARCH_FROM)='$(ARCH)': separate archs with spaces, not commas: ARCH="$(subst $(archs_comma), ,$(ARCH))")
  else ifneq ($(archs_dups),)
    $(error $(ARCH_FROM)='$(ARCH)': $(archs_dups) named more than once: name each arch once)
  endif
  ifeq ($(PLATFORM),amd)
    archs_featured := $(strip $(foreach a,$(ARCH),$(if $(findstring :,$(a)),$(a))))
    archs_foreign := $(filter-out gfx%,$(ARCH))
    ifneq ($(archs_featured),)
      $(error $(ARCH_FROM): $(archs_featured): target features (:xnack+/-, :sramecc+/-) are not built separately: each arch gets one code object, built with neither feature set, which runs under either setting. Name the bare arch: $(foreach a,$(archs_featured),$(firstword $(subst :, ,$(a)))))
    else ifneq ($(archs_foreign),)
      $(error $(ARCH_FROM): $(archs_foreign): not an AMD arch (gfx...). The NVIDIA build is PLATFORM=nvidia ARCH=sm_90)
    endif
  else
    archs_foreign := $(filter-out sm_% compute_%,$(ARCH))
    ifneq ($(archs_foreign),)
      $(error $(ARCH_FROM): $(archs_foreign): not an NVIDIA arch (sm_NN). The AMD build is PLATFORM=amd ARCH=gfx1100)
    endif
  endif
endif
