# embed.mk: the blob-to-C step (test_blob2c), on the build's bundle and on
# the compressed one dump.mk makes.
ifeq ($(PLATFORM),amd)
TEST_PROGS += test_blob2c
$(TEST_OUT)/test_blob2c: $(TEST_OUT)/obj/embed/bundle.o $(BLOB2C) $(BLOB) $(DUMP_FIX)/quantized.ccob
endif
