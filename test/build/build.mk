# build.mk: tests of the build itself.
#
#   test_build  test/build/test_build.c: every code object of the blob holds
#             the spec's kernels with the spec's arguments, no scratch, no
#             spills (through crk-dump's readers and dump.mk's fixtures)
# and, as shell tests (test.mk's wrapper):
#   makefile  test/build/test_makefile.sh: bad ARCH values stop make with a clear
#             message; a build dir keeps its arch list; make help; LDFLAGS
#             reach the links; a library without QUANTIZED is never left
#   repro     test/build/test_repro.sh: one arch built from two source folders into
#             two BUILD dirs gives byte-identical bundle, libraries and Rust
#             constant (AMD build)
#   install   test/build/test_install.sh: make install into a scratch DESTDIR, and
#             the version (VERSION) in the SONAME, .pc, headers, library,
#             crk-dump and Cargo.toml
#   readme    test/build/test_readme.sh: README's C blocks compile and link with
#             README's command
#   matrix_insn  test/build/test_matrix_insn.sh: mul_mat kernels use the matrix
#             instruction on gfx942/gfx11/gfx12 only; no scratch, no spills,
#             >= 2 waves per SIMD (AMD build)

ifeq ($(PLATFORM),amd)
TEST_PROGS += test_build
$(TEST_OUT)/test_build: $(DUMP_TEST_OBJS) $(CRK_DUMP) $(DUMP_FIXTURES)
$(TEST_OUT)/test_build: TEST_LDLIBS += $(DUMP_LDLIBS)
endif

TEST_PROGS += makefile repro install readme matrix_insn
