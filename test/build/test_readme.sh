#!/bin/sh
# test_readme.sh: README's C code compiles and links as written.
#
# Every ```c block of README.md is saved as app.c and built with README's
# own command (the first line of a ```sh block that starts with "cc "),
# against this build installed into a scratch DESTDIR (pkg-config pointed
# at it), with -Wall -Wextra -Werror added; so is examples/quantize_q8_1.c
# with each build line of its header (shared and static). Not run: they
# need a GPU.
. "$(dirname "$0")/../testlib.sh"

readme=$root/README.md
cmd=$(awk '/^```/ { in_sh = ($0 == "```sh"); next } in_sh && /^cc / { print; exit }' "$readme")
if [ -z "$cmd" ]; then
  fail "readme: the build command" "no line starting with 'cc ' in a \`\`\`sh block of README.md"
  exit 1
fi

dest=$tmp/dest
out=$(tmake -C "$root" BUILD="$(dirname "$build")" PLATFORM="$(basename "$build")" DESTDIR="$dest" \
  PREFIX=/usr/local install 2>&1) || { fail "readme: make install into $dest" "$out"; exit 1; }
extra=""
[ -d "${ROCM_PATH:-/opt/rocm}/include/hip" ] && extra="-I${ROCM_PATH:-/opt/rocm}/include -L${ROCM_PATH:-/opt/rocm}/lib"

# build_in DIR COMMAND: runs the build COMMAND in DIR against the scratch
# install, warnings as errors, writing DIR/app; sets out and rc.
build_in() {
  out=$(cd "$1" && PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_LIBDIR=$dest/usr/local/lib/pkgconfig \
    sh -c "$2 -Wall -Wextra -Werror $extra -o app" 2>&1)
  rc=$?
}

n=0
awk -v dir="$tmp" '/^```c$/ { n++; f = dir "/block" n ".c"; next } /^```/ { f = ""; next } f { print > f }' "$readme"
for block in "$tmp"/block*.c; do
  [ -f "$block" ] || break
  n=$((n + 1))
  mkdir -p "$tmp/b$n" && cp "$block" "$tmp/b$n/app.c"
  build_in "$tmp/b$n" "$cmd"
  check "readme: C block $n compiles and links with README's command" "exit $rc: $cmd: $out" \
    '[ "$rc" -eq 0 ] && [ -x "$tmp/b$n/app" ]'
done
check "readme: README.md has C code to check" "no \`\`\`c block" '[ "$n" -gt 0 ]'

# The example's own build lines (its header comment: " *   cc ..."),
# shared and static, likewise.
example=$root/examples/quantize_q8_1.c
lines=$(sed -n 's/^ \*   \(cc .*\)$/\1/p' "$example")
k=0
while IFS= read -r line; do
  [ -n "$line" ] || continue
  k=$((k + 1))
  mkdir -p "$tmp/e$k" && cp "$example" "$tmp/e$k/"
  build_in "$tmp/e$k" "$line"
  # The static line's program must not need the shared library.
  needs=$(readelf -d "$tmp/e$k/app" 2>/dev/null | grep -o 'libcandle_rocm_kernels[^]]*')
  case $line in *--static*) static=1 ;; *) static=0 ;; esac
  check "readme: examples/quantize_q8_1.c builds with its build line $k" "exit $rc, needs '$needs': $line: $out" \
    '[ "$rc" -eq 0 ] && [ -x "$tmp/e$k/app" ] && { [ "$static" = 0 ] || [ -z "$needs" ]; }'
done <<LINES
$lines
LINES
check "readme: examples/quantize_q8_1.c gives a shared and a static build line" "$k lines: $lines" \
  '[ "$k" -eq 2 ] && case $lines in *"--static"*) true ;; *) false ;; esac'

[ "$fails" -eq 0 ]
