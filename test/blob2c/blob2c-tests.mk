# blob2c-tests.mk: the blob-to-C step (programs/blob2c/) tested (test_blob2c), on
# the build's bundle and on the compressed one crk-dump-tests.mk makes.
ifeq ($(PLATFORM),amd)
TEST_PROGS += test_blob2c
$(TEST_OUT)/test_blob2c: $(TEST_OUT)/obj/format/bundle.o $(BLOB2C) $(BLOB) $(DUMP_FIX)/quantized.ccob
endif
