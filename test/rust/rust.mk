# rust.mk: the Rust crate (rust/candle-rocm-kernels) as two test programs,
# shell tests run through test.mk's wrapper:
#
#   rust   test/rust/test_rust.sh: `cargo test --offline` (CARGO_TARGET_DIR under
#          $(OUT)/rust), each cargo test an ok/FAIL/SKIP line; it embeds the
#          bundle `make` already built, so `make test` needs the bundle first
#          (`all` makes it), then lets build.rs run make itself;
#   crate  test/rust/test_crate.sh: `cargo package`, unpacked outside the
#          repository, builds and passes its tests there, offline.
#
# The crate's HIP example (examples/hip_quantized) needs a GPU or the
# emulator: test/emu/rust-example.sh builds it for `make emu-test` and the
# emulator smoke test of `make test` (with TINYGRAD), which run it.

TEST_PROGS += rust crate
