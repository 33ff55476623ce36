# rust.mk: the Rust crate (rust/candle-rocm-kernels) as one test program.
#
# Program `rust` runs test/test_rust.sh (test.mk's wrapper for shell tests),
# which runs `cargo test --offline` (CARGO_TARGET_DIR under $(OUT)/rust) and
# turns each cargo test into an ok/FAIL/SKIP line. It embeds the bundle
# `make` already built, so `make test` needs the bundle first (`all` makes
# it).

TEST_PROGS += rust
