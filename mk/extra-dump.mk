# extra-dump.mk: the dump tool (crk-dump) and `make dump`; see embed/dump/dump.mk.
include embed/dump/dump.mk
