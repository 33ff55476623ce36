# lib.mk: libcandle_rocm_kernels.{a,so}: the embedded blob plus the loader.

LIBNAME    := candle_rocm_kernels
LIB_A      := $(OUT)/lib$(LIBNAME).a
LIB_SO     := $(OUT)/lib$(LIBNAME).so
# The loader: one library, one public API, the backend picked by PLATFORM.
# Both backends find their runtime with dlopen, so the library links no GPU
# package and a machine without one gets an error message, not a link error.
LOADER_SRCS := lib/loader.c lib/blob.c lib/elf.c lib/fn_cache.c lib/error.c lib/backend.c
ifeq ($(PLATFORM),nvidia)
LOADER_BACKEND_SRCS := lib/backend_cuda.c lib/builtin_nvidia.c
else
LOADER_BACKEND_SRCS := lib/backend_hip.c lib/builtin_amd.c
endif
LIB_SRCS   := embed/bundle.c embed/target_pick.c embed/md5.c embed/decompress.c $(LOADER_SRCS) $(LOADER_BACKEND_SRCS)
LIB_OBJS    = $(patsubst %.c,$(OUT)/obj/%.o,$(LIB_SRCS)) $(OUT)/obj/quantized_hsaco.o
LIB_LDLIBS ?=
# zstd and zlib: compressed bundles (COMPRESS=1) are decompressed at open.
LIB_LDLIBS += -ldl -lpthread -lzstd -lz
PUBLIC_HDRS := include/candle_rocm_kernels.h

$(OUT)/obj/%.o: %.c
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -fPIC -MMD -MP -c $< -o $@

$(OUT)/obj/quantized_hsaco.o: $(BLOB_C) include/candle_rocm_kernels.h
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -c $< -o $@

-include $(patsubst %.c,$(OUT)/obj/%.d,$(LIB_SRCS))

$(LIB_A): $(LIB_OBJS)
	$(call say,AR,$@)rm -f $@ && $(AR) rcs $@.tmp $^ && mv $@.tmp $@

$(LIB_SO): $(LIB_OBJS)
	$(call say,LD,$@)$(CC) -shared -Wl,-soname,lib$(LIBNAME).so $(CFLAGS) $^ $(LIB_LDLIBS) -o $@.tmp && mv $@.tmp $@

lib: $(LIB_A) $(LIB_SO)

PC_FILE := $(OUT)/$(LIBNAME).pc
# The .pc file names the install dirs: it is remade whenever they change
# (a file whose content changes only then, as with the arch list).
PC_DIRS := $(OUT)/install-dirs
$(PC_DIRS): FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '$(PREFIX) $(LIBDIR) $(INCDIR)' | cmp -s - $@ 2>/dev/null || echo '$(PREFIX) $(LIBDIR) $(INCDIR)' > $@
$(PC_FILE): lib/lib.mk $(PC_DIRS)
	$(Q)mkdir -p $(@D)
	$(Q)printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCDIR)' '' \
	  'Name: candle-rocm-kernels' 'Description: quantized GPU kernels of candle, for AMD GPUs' \
	  'Version: 0.1.0' 'Libs: -L$${libdir} -l$(LIBNAME)' 'Libs.private: $(LIB_LDLIBS)' \
	  'Cflags: -I$${includedir}' > $@

install: lib $(PC_FILE)
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCDIR)
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	install -m 644 $(PUBLIC_HDRS) $(DESTDIR)$(INCDIR)/
	install -m 644 $(PC_FILE) $(DESTDIR)$(LIBDIR)/pkgconfig/

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/lib$(LIBNAME).a $(DESTDIR)$(LIBDIR)/lib$(LIBNAME).so
	rm -f $(addprefix $(DESTDIR)$(INCDIR)/,$(notdir $(PUBLIC_HDRS))) $(DESTDIR)$(LIBDIR)/pkgconfig/$(LIBNAME).pc
