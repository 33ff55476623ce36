# dump.mk: crk-dump's tests (the program: programs/crk-dump/crk-dump.mk), the
# fixtures they and the build test (test/build/) read, and the replay of the
# fuzz corpus (the fuzzers themselves: test/fuzz/fuzz.mk).
ifeq ($(PLATFORM),amd)

DUMP_TEST_OBJS := $(patsubst %.c,$(TEST_OUT)/obj/%.o,$(DUMP_LIB_SRCS))
DUMP_TEST_PROGS := test_dump_formats test_dump_readelf test_dump_bad test_dump_cli test_dump_limits \
                   test_dump_corpus

# Fixtures the tests read from $(CRK_BUILD)/test/dump-fixtures: a compressed
# bundle made by the toolchain's bundler from this build's code objects,
# host objects of a small HIP file (plain and --offload-compress, and a
# shared library), and code objects of versions 4 and 6 (a generic target).
DUMP_FIX := $(TEST_OUT)/dump-fixtures
DUMP_FIXTURE_SRC := test/dump/test_dump_fixture.hip
DUMP_FIX_HIPFLAGS := -x hip -nogpulib -nogpuinc -O2 -Wall -Wextra
DUMP_FIXTURES := $(DUMP_FIX)/quantized.ccob $(DUMP_FIX)/hip_host.elf $(DUMP_FIX)/hip_host_ccob.elf \
                 $(DUMP_FIX)/hip_host.so $(DUMP_FIX)/gfx906_v4.hsaco $(DUMP_FIX)/gfx11_generic_v6.hsaco \
                 $(DUMP_FIX)/two_notes.hsaco

$(DUMP_FIX)/quantized.ccob: $(ARCH_LIST) $(ARCH_OBJS)
	$(call say,BUNDLE,$@)mkdir -p $(@D) && $(BUNDLER) -type=o -bundle-align=4096 -targets=$(BUNDLE_TARGETS) \
	  -input=/dev/null $(addprefix -input=,$(ARCH_OBJS)) -output=$@.tmp -compress && mv $@.tmp $@
$(DUMP_FIX)/hip_host.elf: $(DUMP_FIXTURE_SRC)
	$(call say,HIP,$@)mkdir -p $(@D) && $(CLANG) $(DUMP_FIX_HIPFLAGS) --offload-arch=gfx1100 \
	  --offload-arch=gfx90a:xnack+ --offload-arch=gfx90a:xnack- -c $< -o $@.tmp && mv $@.tmp $@
$(DUMP_FIX)/hip_host_ccob.elf: $(DUMP_FIXTURE_SRC)
	$(call say,HIP,$@)mkdir -p $(@D) && $(CLANG) $(DUMP_FIX_HIPFLAGS) --offload-compress \
	  --offload-arch=gfx1100 --offload-arch=gfx90a -c $< -o $@.tmp && mv $@.tmp $@
$(DUMP_FIX)/hip_host.so: $(DUMP_FIX)/hip_host.elf
	$(call say,LD,$@)$(CLANG) -shared $< -o $@.tmp && mv $@.tmp $@
$(DUMP_FIX)/gfx906_v4.hsaco: $(DUMP_FIXTURE_SRC)
	$(call say,HIP,$@)mkdir -p $(@D) && $(CLANG) $(DUMP_FIX_HIPFLAGS) --cuda-device-only --no-gpu-bundle-output \
	  --offload-arch=gfx906 -mcode-object-version=4 $< -o $@.tmp && mv $@.tmp $@
# -w: clang warns that code object v6 is experimental.
$(DUMP_FIX)/gfx11_generic_v6.hsaco: $(DUMP_FIXTURE_SRC)
	$(call say,HIP,$@)mkdir -p $(@D) && $(CLANG) $(DUMP_FIX_HIPFLAGS) -w --cuda-device-only --no-gpu-bundle-output \
	  --offload-arch=gfx11-generic -mcode-object-version=6 $< -o $@.tmp && mv $@.tmp $@

# Two relocatable objects linked by ld.lld, as mk/kernels-amd.mk links each
# arch: the code object carries one metadata note per object.
$(DUMP_FIX)/tu_%.bc: test/dump/test_dump_%.hip
	$(call say,HIP,$@)mkdir -p $(@D) && $(CLANG) $(DUMP_FIX_HIPFLAGS) --cuda-device-only --offload-arch=gfx1100 \
	  -emit-llvm -c $< -o $@.tmp && mv $@.tmp $@
$(DUMP_FIX)/tu_%.o: $(DUMP_FIX)/tu_%.bc
	$(call say,CODEGEN,$@)$(CLANG) --target=amdgcn-amd-amdhsa -mcpu=gfx1100 -nogpulib -O2 -c $< -o $@.tmp && mv $@.tmp $@
$(DUMP_FIX)/two_notes.hsaco: $(DUMP_FIX)/tu_fixture.o $(DUMP_FIX)/tu_fixture2.o
	$(call say,LINK,$@)$(LLD) -shared --no-undefined -o $@.tmp $^ && mv $@.tmp $@

# The fuzz targets' entry points, replayed over the committed corpus.
$(TEST_OUT)/obj/test/dump/test_dump_corpus.o: test/fuzz/fuzz_blob.c test/fuzz/fuzz_metadata.c

TEST_PROGS += $(DUMP_TEST_PROGS)
$(addprefix $(TEST_OUT)/,$(DUMP_TEST_PROGS)): $(DUMP_TEST_OBJS) $(CRK_DUMP) $(DUMP_FIXTURES)
$(addprefix $(TEST_OUT)/,$(DUMP_TEST_PROGS)): TEST_LDLIBS += $(DUMP_LDLIBS)

endif
