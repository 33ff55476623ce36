#!/bin/sh
# loader-errors.sh SRC: the loader's errors on a real GPU (NVIDIA build).
# 1. QUANTIZED built for the GPU's arch: every kernel resolves, and an
#    unknown name fails naming the kernel and the module.
# 2. QUANTIZED built for another arch only (sm_80 SASS, no PTX, on an sm_90
#    device): the first lookup fails with CRK_ERR_ARCH_MISSING, naming the
#    device's arch and the archs the blob holds.
# Prints what the loader said; exits non-zero when an error is not the one
# expected.
set -u
SRC=$1 DEV_ARCH=${2:-sm_90} OTHER_ARCH=${3:-sm_80}
B=${BUILD:-/tmp/crk-build}
MAKE=${MAKE:-make}
fail=0
$MAKE -s -C "$SRC" PLATFORM=nvidia ARCH="$DEV_ARCH" BUILD="$B" examples >/dev/null || exit 1
$MAKE -s -C "$SRC" PLATFORM=nvidia ARCH="$OTHER_ARCH" BUILD="$B-$OTHER_ARCH" -j"$(nproc)" examples >/dev/null || exit 1

out=$("$B/nvidia/examples/loader_bench" 0 no_such_kernel 2>&1)
echo "unknown kernel, $DEV_ARCH blob: $out" | grep -i "no_such_kernel" | head -n 2
echo "$out" | grep -q "no_such_kernel" && echo "$out" | grep -qi "QUANTIZED" || { echo "FAIL: unknown-kernel error"; fail=1; }

out=$("$B-$OTHER_ARCH/nvidia/examples/loader_bench" 0 quantize_q8_1 2>&1)
echo "$OTHER_ARCH blob on a $DEV_ARCH device: $out" | head -n 3
echo "$out" | grep -q "$DEV_ARCH" && echo "$out" | grep -q "$OTHER_ARCH" || { echo "FAIL: wrong-arch error"; fail=1; }
[ $fail -eq 0 ] && echo "loader errors: as expected"
exit $fail
