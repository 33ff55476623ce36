# crk-dump.mk: crk-dump, the blob inspector (programs/crk-dump/), and
# `make dump`. It reads AMD blobs: the NVIDIA proxy build neither builds nor
# installs it (its machines need not have the compressed-bundle libraries).
ifeq ($(PLATFORM),amd)

CRK_DUMP := $(OUT)/tools/crk-dump
CRK_DUMP_MAN := programs/crk-dump/crk-dump.1
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man

# The parsers (what the tests and the fuzzers link): the format layer and
# crk-dump's own readers (code objects' notes and metadata) and printers;
# then the program.
DUMP_LIB_SRCS := $(FORMAT_ALL_SRCS) \
                 $(addprefix programs/crk-dump/,msgpack.c metadata.c codeobj.c blob.c scan.c report.c checks.c)
DUMP_SRCS := $(DUMP_LIB_SRCS) programs/crk-dump/main.c
# zlib and zstd: the two compressions of compressed offload bundles, and
# libmd's MD5 for their hash (Debian: zlib1g-dev libzstd-dev libmd-dev).
DUMP_LDLIBS := -lzstd -lz -lmd

# Objects come from lib.mk's $(OUT)/obj/%.o rule.
DUMP_OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(DUMP_SRCS))
-include $(patsubst %.c,$(OUT)/obj/%.d,$(DUMP_SRCS))

$(CRK_DUMP): $(DUMP_OBJS) $(HOST_FLAGS)
	$(call say,LD,$@)mkdir -p $(@D) && $(CC) $(CFLAGS) $(LDFLAGS) $(DUMP_OBJS) $(DUMP_LDLIBS) -o $@.tmp && mv $@.tmp $@

all: $(CRK_DUMP)

# `make dump`: the table of the built blob.
.PHONY: dump install-dump uninstall-dump
dump: $(CRK_DUMP) $(BLOB)
	$(Q)$(CRK_DUMP) $(BLOB)

install: install-dump
install-dump: $(CRK_DUMP)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(CRK_DUMP) $(DESTDIR)$(BINDIR)/crk-dump
	install -m 644 $(CRK_DUMP_MAN) $(DESTDIR)$(MANDIR)/man1/crk-dump.1

uninstall: uninstall-dump
uninstall-dump:
	rm -f $(DESTDIR)$(BINDIR)/crk-dump $(DESTDIR)$(MANDIR)/man1/crk-dump.1

endif
