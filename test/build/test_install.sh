#!/bin/sh
# test_install.sh: `make install` into a scratch DESTDIR, and the version
# everywhere it appears agreeing with the VERSION file (its one copy):
#   - libcandle_rocm_kernels.so.X.Y.Z with SONAME .so.X, the .so.X and .so
#     links, the .a, both headers, the .pc (Version), crk-dump and its man
#     page (which describes every long option crk-dump --help lists);
#   - a program compiled against the installed tree (pkg-config) sees
#     CRK_VERSION_* equal to VERSION and crk_version() from the shared
#     library equal to it;
#   - crk-dump --version, and the Rust crate's Cargo.toml (which cannot read
#     VERSION; its build.rs refuses a mismatch too);
#   - install right after the build (its build dir named by absolute path)
#     compiles nothing.
. "$(dirname "$0")/../testlib.sh"

version=$(cat "$root/VERSION")
major=${version%%.*}
dest=$tmp/dest prefix=/opt/crk
out=$(tmake -C "$root" BUILD="$(dirname "$build")" PLATFORM="$(basename "$build")" DESTDIR="$dest" \
  PREFIX=$prefix install 2>&1)
rc=$?
check "install: make install DESTDIR=... succeeds" "exit $rc: $out" '[ "$rc" -eq 0 ]'
# The build dir is the one make test just built, named here by its absolute
# path: the same build, so install compiles and links nothing.
# (Unless make test was given host flags on its command line: this make
# does not inherit them, and builds with the defaults.)
rebuilt=$(printf '%s\n' "$out" | grep -E '^  (CC|LD|AR|HIP|LINK-BC|CODEGEN|LINK|BUNDLE|BLOB2C) ')
if [ -n "$(echo ${CRK_FLAGS_GIVEN:-})" ]; then
  skip "install: make install right after the build compiles and links nothing" \
    "make test was given ${CRK_FLAGS_GIVEN} on its command line, which this make does not inherit"
else
  check "install: make install right after the build compiles and links nothing" "it ran: $rebuilt" '[ -z "$rebuilt" ]'
fi
lib=$dest$prefix/lib inc=$dest$prefix/include

check "install: the shared library is libcandle_rocm_kernels.so.$version" "$(ls "$lib" 2>&1)" \
  '[ -f "$lib/libcandle_rocm_kernels.so.$version" ] && [ ! -L "$lib/libcandle_rocm_kernels.so.$version" ]'
soname=$(readelf -d "$lib/libcandle_rocm_kernels.so.$version" 2>/dev/null | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
check "version: the SONAME is libcandle_rocm_kernels.so.$major" "SONAME '$soname'" \
  '[ "$soname" = "libcandle_rocm_kernels.so.$major" ]'
check "install: .so.$major and .so link to it" "$(ls -l "$lib" 2>&1)" \
  '[ "$(readlink "$lib/libcandle_rocm_kernels.so.$major")" = "libcandle_rocm_kernels.so.$version" ] &&
   [ "$(readlink "$lib/libcandle_rocm_kernels.so")" = "libcandle_rocm_kernels.so.$major" ] &&
   [ -f "$lib/libcandle_rocm_kernels.a" ]'
check "install: both headers" "$(ls "$inc" 2>&1)" \
  '[ -f "$inc/candle_rocm_kernels.h" ] && [ -f "$inc/candle_rocm_kernels_version.h" ]'
pcv=$(sed -n 's/^Version: //p' "$lib/pkgconfig/candle_rocm_kernels.pc" 2>/dev/null)
check "version: the .pc file says Version: $version" "Version '$pcv'" '[ "$pcv" = "$version" ]'

# A program built against the installed tree only, as a user would.
cat > "$tmp/v.c" <<'C'
#include <candle_rocm_kernels.h>
#include <stdio.h>
#include <string.h>
int main(void) {
  char macros[64];
  snprintf(macros, sizeof macros, "%d.%d.%d", CRK_VERSION_MAJOR, CRK_VERSION_MINOR, CRK_VERSION_PATCH);
  printf("%s %s %s %zu\n", macros, CRK_VERSION_STRING, crk_version(), QUANTIZED_LEN > 0 ? (size_t)1 : (size_t)0);
  return 0;
}
C
flags=$(PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_LIBDIR=$lib/pkgconfig pkg-config --cflags --libs candle_rocm_kernels 2>&1)
got=$(${CC:-cc} -Wall -Wextra -Werror "$tmp/v.c" $flags -o "$tmp/v" 2>&1 && LD_LIBRARY_PATH=$lib "$tmp/v" 2>&1)
check "version: CRK_VERSION_* and crk_version() of the installed library are $version" \
  "pkg-config '$flags'; got '$got'" '[ "$got" = "$version $version $version 1" ]'

dv=$("$dest$prefix/bin/crk-dump" --version 2>&1)
check "version: crk-dump --version says $version" "'$dv'" '[ "$dv" = "crk-dump (candle-rocm-kernels) $version" ]'
cv=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/rust/candle-rocm-kernels/Cargo.toml" | head -1)
check "version: the Rust crate's Cargo.toml says $version" "'$cv'" '[ "$cv" = "$version" ]'

man=$dest$prefix/share/man/man1/crk-dump.1
missing=""
# The options --help lists, one per line at its start ("  --json", "  -q, --quiet").
for o in $("$dest$prefix/bin/crk-dump" --help | sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p'); do
  # described: named on the line after a .TP (an entry of OPTIONS)
  awk -v o="$(echo "$o" | sed 's/-/\\\\-/g')" 'p == ".TP" && index($0, o) { f = 1 } { p = $0 } END { exit !f }' \
    "$man" 2>/dev/null || missing="$missing $o"
done
check "install: crk-dump's man page, describing every option of --help" "missing:$missing" \
  '[ -f "$man" ] && [ -z "$missing" ]'
if command -v groff >/dev/null 2>&1; then
  warn=$(groff -man -ww -z "$man" 2>&1)
  check "install: the man page formats without warnings" "$warn" '[ -z "$warn" ]'
fi

out=$(tmake -C "$root" BUILD="$(dirname "$build")" PLATFORM="$(basename "$build")" DESTDIR="$dest" \
  PREFIX=$prefix uninstall 2>&1)
left=$(find "$dest" -type f -o -type l)
check "install: make uninstall removes every file" "left: $left" '[ -z "$left" ]'

[ "$fails" -eq 0 ]
