#!/bin/sh
# test_readme.sh: README's C code compiles and links as written.
#
# Every ```c block of README.md is saved as app.c and built with README's
# own command (the first line of a ```sh block that starts with "cc "),
# against this build installed into a scratch DESTDIR (pkg-config pointed
# at it), with -Wall -Wextra -Werror added. Not run: it needs a GPU.
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

n=0
awk -v dir="$tmp" '/^```c$/ { n++; f = dir "/block" n ".c"; next } /^```/ { f = ""; next } f { print > f }' "$readme"
for block in "$tmp"/block*.c; do
  [ -f "$block" ] || break
  n=$((n + 1))
  mkdir -p "$tmp/b$n" && cp "$block" "$tmp/b$n/app.c"
  out=$(cd "$tmp/b$n" && PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_LIBDIR=$dest/usr/local/lib/pkgconfig \
    sh -c "$cmd -Wall -Wextra -Werror $extra -o app" 2>&1)
  rc=$?
  check "readme: C block $n compiles and links with README's command" "exit $rc: $cmd: $out" \
    '[ "$rc" -eq 0 ] && [ -x "$tmp/b$n/app" ]'
done
check "readme: README.md has C code to check" "no \`\`\`c block" '[ "$n" -gt 0 ]'

[ "$fails" -eq 0 ]
