#!/bin/sh
# test_lib_symbols.sh: the shared library exports exactly the public API.
#
# The names the public header declares (its functions and its extern
# objects, QUANTIZED and the rest) against what `nm -D --defined-only` lists
# for the built libcandle_rocm_kernels.so: a name exported but not declared
# is an internal that leaked (the format layer's parsers were, once: every
# program that linked the library could call them, and they could never
# change); a name declared but not exported is an API the library lacks.
# test_lib_exports.c checks the same through dlsym, name by name; this one
# has no list of its own to fall behind the header.
. "$(dirname "$0")/../testlib.sh"

so=$build/libcandle_rocm_kernels.so
hdr=$root/include/candle_rocm_kernels.h
if [ ! -f "$so" ]; then
  fail "symbols: the shared library" "$so is missing: run make first"
  exit 1
fi
if ! command -v "${NM:-nm}" >/dev/null 2>&1; then
  skip "symbols" "no nm (binutils) to list the library's exports"
  exit 0
fi

# Declarations start a line in the header: "crk_status crk_module_open(",
# "const char *crk_last_error(void);", "extern const size_t QUANTIZED_LEN;".
sed -n -e 's/^[A-Za-z_][A-Za-z_0-9 ]*[ *]\(crk_[a-z_0-9]*\)(.*/\1/p' \
  -e 's/^extern const [A-Za-z_ ]*[ *]\([A-Za-z_][A-Za-z_0-9]*\)\(\[\]\)\{0,1\};.*/\1/p' "$hdr" |
  sort -u > "$tmp/declared"
"${NM:-nm}" -D --defined-only "$so" | awk '{ print $NF }' | sed 's/@.*//' | sort -u > "$tmp/exported"

n=$(wc -l < "$tmp/declared")
check "symbols: the header declares the API (found $n names)" "the header's declarations were not found" \
  '[ "$n" -ge 10 ]'
leaked=$(comm -13 "$tmp/declared" "$tmp/exported" | tr '\n' ' ')
check "symbols: the library exports nothing the public header does not declare" \
  "exported, not in candle_rocm_kernels.h: $leaked" '[ -z "$leaked" ]'
lacking=$(comm -23 "$tmp/declared" "$tmp/exported" | tr '\n' ' ')
check "symbols: the library exports every name the public header declares" \
  "declared, not exported: $lacking" '[ -z "$lacking" ]'
[ "$fails" -eq 0 ]
