# extra-dump.mk: the dump tool (crk-dump) and `make dump`; see embed/dump/dump.mk.
# crk-dump reads AMD blobs: the NVIDIA proxy build neither builds nor
# installs it (its machines need not have the compressed-bundle libraries).
ifeq ($(PLATFORM),amd)
include embed/dump/dump.mk
endif
