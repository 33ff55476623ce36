# rust.mk: the Rust crate (rust/candle-rocm-kernels) as one test program.
#
# $(TEST_OUT)/rust is a two-line wrapper that runs test/test_rust.sh, which
# runs `cargo test --offline` (CARGO_TARGET_DIR under $(OUT)/rust) and turns
# each cargo test into an ok/FAIL/SKIP line. It embeds the bundle `make`
# already built, so `make test` needs the bundle first (`all` makes it).

TEST_PROGS += rust

$(TEST_OUT)/rust: test/mk/rust.mk
	$(call say,GEN,$@)mkdir -p $(@D) && \
	  printf '#!/bin/sh\nexec sh "%s/test/test_rust.sh" "$$@"\n' '$(CURDIR)' > $@.tmp && \
	  chmod +x $@.tmp && mv $@.tmp $@
