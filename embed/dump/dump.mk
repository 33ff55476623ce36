# dump.mk: crk-dump, the blob inspector (embed/dump/), and `make dump`.
# Included by mk/extra-dump.mk and test/mk/dump.mk; the guard makes the
# second include a no-op.
ifndef CRK_DUMP_MK_INCLUDED
CRK_DUMP_MK_INCLUDED := 1

CRK_DUMP := $(OUT)/tools/crk-dump
CRK_DUMP_MAN := embed/dump/crk-dump.1
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man

# The parsers (what the tests and the fuzzers link) and the program.
DUMP_LIB_SRCS := embed/bundle.c embed/target_pick.c embed/ccob.c embed/decompress.c embed/processors.c \
                 $(addprefix embed/dump/,elf.c msgpack.c metadata.c codeobj.c blob.c report.c checks.c)
DUMP_SRCS := $(DUMP_LIB_SRCS) embed/dump/main.c
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
