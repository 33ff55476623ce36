# format.mk: the format layer (format/), the readers of the blobs' binary
# formats that more than one program links: offload bundles (bundle.c),
# compressed bundles (ccob.c, decompress.c), ELF files (elf_view.c), the
# AMDGPU processor table (amdgpu_processors.def, processors.c), target IDs
# and the one rule for which code object a device gets (target_pick.c),
# opening a blob and the loader's rules for its code objects (blob_open.c),
# and escaping outside text for messages (escape.c). The loader (lib/), blob2c
# and crk-dump (programs/) include its headers; it includes none of theirs.

CPPFLAGS += -Iformat

# Compressed bundles (COMPRESS=1, CCOB) are AMD's: in the AMD build blob2c
# lists their archs and the loader opens them (decompressed, the hash
# checked: zstd, zlib, libmd's MD5). The NVIDIA build knows one by its
# header (ccob.c, to refuse it by name) but decompresses none and links
# none of those libraries (CRK_CCOB undefined).
ifeq ($(PLATFORM),amd)
CCOB_SRCS   := format/decompress.c
CCOB_LDLIBS := -lzstd -lz -lmd
CPPFLAGS    += -DCRK_CCOB=1
else
CCOB_SRCS   :=
CCOB_LDLIBS :=
endif

# What the loader links of the format layer (the platform's part).
FORMAT_SRCS := format/bundle.c format/target_pick.c format/processors.c format/elf_view.c \
               format/blob_open.c format/escape.c format/ccob.c $(CCOB_SRCS)
# All of it, whatever the platform: what the tests and crk-dump link.
FORMAT_ALL_SRCS := format/bundle.c format/target_pick.c format/processors.c format/elf_view.c \
                   format/blob_open.c format/escape.c format/ccob.c format/decompress.c
FORMAT_HDRS := $(wildcard format/*.h) format/amdgpu_processors.def
