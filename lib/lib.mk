# lib.mk: libcandle_rocm_kernels.{a,so}: the embedded blob plus the loader
# (lib/) over the format layer (format/format.mk).

LIBNAME    := candle_rocm_kernels
LIB_A      := $(OUT)/lib$(LIBNAME).a
# The shared library: the file carries the full version, its SONAME the
# major one (a new major is a new ABI), and lib*.so is the name -l finds.
LIB_SONAME := lib$(LIBNAME).so.$(CRK_VERSION_MAJOR)
LIB_SO_REAL := $(OUT)/lib$(LIBNAME).so.$(CRK_VERSION)
LIB_SO     := $(OUT)/lib$(LIBNAME).so
# The loader: one library, one public API, the backend picked by PLATFORM.
# Both backends find their runtime with dlopen, so the library links no GPU
# package and a machine without one gets an error message, not a link error.
LOADER_SRCS := lib/loader.c lib/diagnose.c lib/handle.c lib/module_blob.c lib/elf_check.c lib/fn_cache.c lib/error.c lib/backend.c lib/version.c
# The AMD build's loader decompresses compressed bundles at open (CCOB_SRCS in
# format/format.mk's FORMAT_SRCS); the NVIDIA build's reads none.
ifeq ($(PLATFORM),nvidia)
LOADER_BACKEND_SRCS := lib/backend_cuda.c lib/builtin_nvidia.c
else
LOADER_BACKEND_SRCS := lib/backend_hip.c lib/builtin_amd.c
endif
LIB_SRCS   := $(FORMAT_SRCS) $(LOADER_SRCS) $(LOADER_BACKEND_SRCS)
LIB_OBJS    = $(patsubst %.c,$(OUT)/obj/%.o,$(LIB_SRCS)) $(OUT)/obj/quantized_hsaco.o
LIB_LDLIBS ?=
LIB_LDLIBS += -ldl -lpthread $(CCOB_LDLIBS)
PUBLIC_HDRS := include/candle_rocm_kernels.h $(VERSION_H)

# Every object waits for the generated version header (the public header
# includes it); -MF/-MT name the .d file and target as if -o were $@.
$(OUT)/obj/%.o: %.c $(HOST_FLAGS) | $(VERSION_H)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -fPIC -MMD -MP -MF $(@:.o=.d).tmp -MT $@ \
	  -c $< -o $@.tmp && mv $(@:.o=.d).tmp $(@:.o=.d) && mv $@.tmp $@

$(OUT)/obj/quantized_hsaco.o: $(BLOB_C) include/candle_rocm_kernels.h $(VERSION_H) $(HOST_FLAGS)
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) $(BLOB_INCBIN_FLAGS) -fPIC -c $< -o $@.tmp && mv $@.tmp $@

-include $(patsubst %.c,$(OUT)/obj/%.d,$(LIB_SRCS))

# Both libraries must define QUANTIZED: a shared library links happily with
# it undefined (it would fail only when a program loads it), so the link
# checks, before the rename, that the bundle made it in.
CHECK_QUANTIZED = sh mk/check-defined.sh

$(LIB_A): $(LIB_OBJS)
	$(call say,AR,$@)rm -f $@.tmp && $(AR) rcsD $@.tmp $^ && $(CHECK_QUANTIZED) $@.tmp QUANTIZED && mv $@.tmp $@

$(LIB_SO_REAL): $(LIB_OBJS) $(HOST_FLAGS)
	$(call say,LD,$@)$(CC) -shared -Wl,-soname,$(LIB_SONAME) $(CFLAGS) $(LDFLAGS) $(LIB_OBJS) $(LIB_LDLIBS) -o $@.tmp && \
	  $(CHECK_QUANTIZED) $@.tmp QUANTIZED && mv $@.tmp $@

# lib*.so.MAJOR and lib*.so: links, as an install makes them, so that a
# program linked against $(OUT) finds its SONAME there too.
$(OUT)/$(LIB_SONAME): $(LIB_SO_REAL)
	$(Q)ln -sf $(notdir $<) $@.tmp && mv -fT $@.tmp $@
$(LIB_SO): $(OUT)/$(LIB_SONAME)
	$(Q)ln -sf $(notdir $<) $@.tmp && mv -fT $@.tmp $@

# Checked each time, not only when linked: a library emptied or damaged since
# (a full disk, a killed copy) is removed, so that the next make rebuilds it.
lib: $(LIB_A) $(LIB_SO)
	$(Q)for f in $(LIB_A) $(LIB_SO_REAL); do $(CHECK_QUANTIZED) $$f QUANTIZED || \
	  { rm -f $$f; echo "error: removed $$f: make again rebuilds it" >&2; exit 1; }; done

PC_FILE := $(OUT)/$(LIBNAME).pc
# The .pc file names the install dirs: it is remade whenever they change
# (a file whose content changes only then, as with the arch list).
PC_DIRS := $(OUT)/install-dirs
$(PC_DIRS): FORCE
	$(Q)$(call write_if_changed,$(PREFIX) $(LIBDIR) $(INCDIR))
$(PC_FILE): lib/lib.mk $(PC_DIRS) VERSION
	$(Q)mkdir -p $(@D)
	$(Q)printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCDIR)' '' \
	  'Name: candle-rocm-kernels' 'Description: quantized GPU kernels of candle, for AMD GPUs' \
	  'Version: $(CRK_VERSION)' 'Libs: -L$${libdir} -l$(LIBNAME)' 'Libs.private: $(LIB_LDLIBS)' \
	  'Cflags: -I$${includedir}' > $@.tmp && mv $@.tmp $@

install: lib $(PC_FILE)
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCDIR)
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIB_SO_REAL) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(LIB_SO_REAL)) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/lib$(LIBNAME).so
	install -m 644 $(PUBLIC_HDRS) $(DESTDIR)$(INCDIR)/
	install -m 644 $(PC_FILE) $(DESTDIR)$(LIBDIR)/pkgconfig/

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/lib$(LIBNAME).a $(DESTDIR)$(LIBDIR)/lib$(LIBNAME).so
	rm -f $(DESTDIR)$(LIBDIR)/$(LIB_SONAME) $(DESTDIR)$(LIBDIR)/$(notdir $(LIB_SO_REAL))
	rm -f $(addprefix $(DESTDIR)$(INCDIR)/,$(notdir $(PUBLIC_HDRS))) $(DESTDIR)$(LIBDIR)/pkgconfig/$(LIBNAME).pc
