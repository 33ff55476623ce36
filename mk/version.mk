# version.mk: the project's version, from the VERSION file (its one copy).
#
# VERSION holds MAJOR.MINOR.PATCH. From it come: the C header's
# CRK_VERSION_* macros (a generated header the public one includes), the
# SONAME (libcandle_rocm_kernels.so.MAJOR), the .pc file's Version, and
# `crk-dump --version`. The Rust crate's Cargo.toml cannot read a file: its
# build.rs and test/build/test_install.sh check that it says the same.

CRK_VERSION := $(strip $(file < VERSION))
crk_version_words := $(subst ., ,$(CRK_VERSION))
CRK_VERSION_MAJOR := $(word 1,$(crk_version_words))
CRK_VERSION_MINOR := $(word 2,$(crk_version_words))
CRK_VERSION_PATCH := $(word 3,$(crk_version_words))
# Three decimal numbers and nothing else: a typo must not reach a SONAME.
ifneq ($(shell printf '%s' '$(CRK_VERSION)' | grep -Ex '(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)'),$(CRK_VERSION))
  $(error VERSION file: '$(CRK_VERSION)' is not MAJOR.MINOR.PATCH (three decimal numbers, e.g. 0.1.0))
endif

# The generated header lives in the build dir; the public header includes
# it, and install puts both side by side.
VERSION_H := $(OUT)/include/candle_rocm_kernels_version.h
CPPFLAGS += -I$(OUT)/include

$(VERSION_H): VERSION mk/version.mk
	$(call say,GEN,$@)mkdir -p $(@D) && printf '%s\n' \
	  '/* Generated from VERSION by mk/version.mk: do not edit. */' \
	  '#ifndef CANDLE_ROCM_KERNELS_VERSION_H' '#define CANDLE_ROCM_KERNELS_VERSION_H' \
	  '#define CRK_VERSION_MAJOR $(CRK_VERSION_MAJOR)' '#define CRK_VERSION_MINOR $(CRK_VERSION_MINOR)' \
	  '#define CRK_VERSION_PATCH $(CRK_VERSION_PATCH)' '#define CRK_VERSION_STRING "$(CRK_VERSION)"' \
	  '#endif' > $@.tmp && mv $@.tmp $@
