#!/bin/sh
# test_make.sh: the Makefile tells the truth. Each check runs make in a
# scratch BUILD dir, so the real build is untouched:
#   - a bad ARCH value stops make before any work, saying what is wrong;
#   - the build dir keeps its arch list until ARCH is given again, and its
#     COMPRESS setting likewise;
#   - `make help` lists the targets and variables;
#   - LDFLAGS reach the links (the library, crk-dump), and changed flags
#     rebuild what they make;
#   - a library without QUANTIZED is never left behind (the link checks),
#     nor one emptied since (make lib checks);
#   - a compile killed while writing its dependency file (host and kernel)
#     does not break later makes;
#   - the kernel pipeline trusts no intermediate: an empty family bitcode,
#     an empty code object or one without the spec's kernels fail their step.
. "$(dirname "$0")/../testlib.sh"
b=$tmp/build

# bad_arch NAME VALUE EXPECTED: make stops with EXPECTED in its message.
bad_arch() {
  out=$(tmake -C "$root" BUILD="$b" ARCH="$2" toolchain 2>&1)
  rc=$?
  case $out in
    *"$3"*) [ "$rc" -ne 0 ] && { ok "make: ARCH='$2' is refused: $1"; return; } ;;
  esac
  fail "make: ARCH='$2' is refused: $1" "exit $rc, wanted a message with '$3': $out"
}
bad_arch "a target feature" "gfx90a:xnack+" "gfx90a:xnack+: target features"
bad_arch "a generic target this compiler lacks" "gfx9-4-generic" "cannot target gfx9-4-generic"
bad_arch "an arch named twice" "gfx1100 gfx1100" "gfx1100 named more than once"
bad_arch "commas" "gfx90a,gfx1100" "separate archs with spaces, not commas"
bad_arch "an NVIDIA arch" "sm_90" "sm_90: not an AMD arch"
bad_arch "nothing" "" "is empty"
bad_arch "an unknown arch" "gfx9999" "cannot target gfx9999 (ARCH): gfx9999 is no processor of format/amdgpu_processors.def"
# A processor of the table that this compiler is too old for is told which
# LLVM it needs (only where the compiler lacks it).
if ! tmake -C "$root" BUILD="$tmp/fresh" toolchain 2>&1 | grep -q '^archs:.* gfx950'; then
  bad_arch "a processor that needs LLVM 20" "gfx950" "cannot target gfx950 (ARCH): gfx950 needs LLVM 20 or newer. To fix: drop it from ARCH, or use a newer LLVM: make LLVM_VER=20"
fi

# The arch list of a build dir is kept: written when the blob is built (here
# only the list itself is made), read back by a later make without ARCH.
archs() { tmake -C "$root" BUILD="$b" "$@" toolchain 2>&1 | sed -n 's/^archs: *//p'; }
tmake -C "$root" BUILD="$b" ARCH=gfx1100 "$b/amd/archs.list" >/dev/null 2>&1
check "make: a build dir keeps its arch list (ARCH=gfx1100, then no ARCH)" \
  "archs '$(archs)' after ARCH=gfx1100" '[ "$(archs)" = gfx1100 ]'
default=$(tmake -C "$root" BUILD="$tmp/fresh" toolchain 2>&1 | sed -n 's/^archs: *//p')
check "make: ARCH given again wins over the kept list" "archs '$(archs ARCH=gfx90a)'" \
  '[ "$(archs ARCH=gfx90a)" = gfx90a ]'
check "make: a generic target is an arch like any (ARCH=gfx11-generic)" "archs '$(archs ARCH=gfx11-generic)'" \
  '[ "$(archs ARCH=gfx11-generic)" = gfx11-generic ]'
check "make: GENERIC=1 adds the family-generic targets" "archs '$(archs ARCH=gfx1100 GENERIC=1)'" \
  'case " $(archs ARCH=gfx1100 GENERIC=1) " in *" gfx1100 "*" gfx11-generic "*) true ;; *) false ;; esac'
check "make: ARCH=default is the default list" "'$(archs ARCH=default)' vs '$default'" \
  '[ -n "$default" ] && [ "$(archs ARCH=default)" = "$default" ]'
# What test, dump and install would bundle: only the kept arch.
plan=$(tmake -n -C "$root" BUILD="$b" kernels 2>&1 | grep -- '-targets=')
case $plan in
  *--gfx1100*) case $plan in *--gfx906*) p=0 ;; *) p=1 ;; esac ;;
  *) p=0 ;;
esac
check "make: a later make without ARCH bundles the kept arch only" "bundler line: $plan" '[ "$p" = 1 ]'

# COMPRESS is kept as ARCH is: a later make without it still bundles
# compressed, make test there stops saying how to go on, COMPRESS=0 undoes it.
compressed() {
  tmake -n -C "$root" BUILD="$b" kernels 2>&1 | grep -q -- '-output=.*[.]tmp -compress'
}
tmake -C "$root" BUILD="$b" COMPRESS=1 "$b/amd/bundle.opts" >/dev/null 2>&1
check "make: a build dir keeps COMPRESS=1 (a later make without it bundles compressed)" \
  "$(cat "$b/amd/bundle.opts" 2>&1)" 'compressed'
out=$(tmake -n -C "$root" BUILD="$b" test 2>&1)
rc=$?
check "make: make test in a build dir kept at COMPRESS=1 stops, saying how to go on" "exit $rc: $out" \
  '[ "$rc" -ne 0 ] && case $out in *"kept in"*"make test COMPRESS=0"*) true ;; *) false ;; esac'
tmake -C "$root" BUILD="$b" COMPRESS=0 "$b/amd/bundle.opts" >/dev/null 2>&1
check "make: COMPRESS=0 undoes a kept COMPRESS=1" "$(cat "$b/amd/bundle.opts" 2>&1)" '! compressed'

# make help names every target and variable of README's make commands
# (`make TARGET VAR=...` spans, up to a pipe or a semicolon), and those
# README names on their own.
help=$(tmake -C "$root" help 2>&1)
rc=$?
readme_words=$(tr '\n' ' ' < "$root/README.md" | grep -o '`make [^`]*`' | sed 's/^`make //; s/`$//; s/[|;].*//' |
  tr ' ' '\n' | sed -n 's/^\([A-Z][A-Z0-9_]*\)=.*/\1/p; /^[a-z][a-z-]*$/p' | sort -u)
missing=""
for w in $readme_words V CC CPPFLAGS LDFLAGS BUILD CRK_DATA; do
  case " $(echo $help | tr -c 'A-Za-z0-9_-' ' ') " in *" $w "*) ;; *) missing="$missing $w" ;; esac
done
check "make help: names every target and variable README names ($(echo $readme_words | wc -w) in its make commands)" \
  "exit $rc, lacks:$missing" '[ "$rc" -eq 0 ] && [ -z "$missing" ] && [ -n "$readme_words" ]'

# A blob C file with the four symbols but no kernels: the library links
# without compiling a kernel (-o: do not remake it from a blob).
fake=$tmp/fake_blob.c
cat > "$fake" <<'C'
#include "candle_rocm_kernels.h"
__attribute__((aligned(4096))) const unsigned char QUANTIZED[1] = {0};
const size_t QUANTIZED_LEN = 1;
const crk_code_object QUANTIZED_ARCHS[1] = {{"gfx1100", QUANTIZED, 1}};
const size_t QUANTIZED_ARCH_COUNT = 1;
C
lb=$tmp/ld
so=$lb/amd/libcandle_rocm_kernels.so.$(cat "$root/VERSION")
out=$(tmake -C "$root" -j"$jobs" BUILD="$lb" ARCH=gfx1100 BLOB_C="$fake" -o "$fake" \
  LDFLAGS="-Wl,-z,now" "$so" "$lb/amd/tools/crk-dump" 2>&1)
rc=$?
now() { readelf -d "$1" 2>/dev/null | grep -Eq 'BIND_NOW|FLAGS.*NOW'; }
check "make: LDFLAGS reach the shared library's link" "exit $rc; $out" '[ "$rc" -eq 0 ] && now "$so"'
check "make: LDFLAGS reach crk-dump's link" "exit $rc" '[ "$rc" -eq 0 ] && now "$lb/amd/tools/crk-dump"'

# Flags are part of what was built: the same make again compiles none of
# the loader's objects; other CFLAGS recompile them (no object built with
# other flags is kept). (The fake blob's own object is remade every time:
# an artifact of make's -o here.)
again() {
  tmake -C "$root" BUILD="$lb" ARCH=gfx1100 BLOB_C="$fake" -o "$fake" LDFLAGS="-Wl,-z,now" "$@" "$so" 2>&1 |
    grep -c '^  CC .*/obj/lib/'
}
n_same=$(again) n_other=$(again CFLAGS="-O1 -g")
check "make: an unchanged make recompiles nothing; changed CFLAGS recompile the library" \
  "$n_same objects recompiled with the same flags, $n_other with other CFLAGS" \
  '[ "$n_same" -eq 0 ] && [ "$n_other" -gt 1 ]'

# A library emptied after it was built (a full disk, a killed copy) is not
# kept: `make lib` (so `make`) checks both, removes the bad one and fails;
# the next make rebuilds it. (-o: the libraries as they are, not remade
# here on account of the fake blob's object, which -o "$fake" remakes.)
lmake() {
  tmake -C "$root" BUILD="$lb" ARCH=gfx1100 BLOB_C="$fake" -o "$fake" LDFLAGS="-Wl,-z,now" CFLAGS="-O1 -g" "$@" 2>&1
}
a=$lb/amd/libcandle_rocm_kernels.a
: > "$a"
out=$(lmake -o "$a" -o "$so" lib)
rc=$?
gone=$([ -e "$a" ] && echo kept || echo removed)
out2=$(lmake lib)
rc2=$?
case $out in *"$a is empty"*) said=1 ;; *) said=0 ;; esac
check "make: an emptied library fails make lib and is removed; the next make rebuilds it" \
  "first: exit $rc, $gone, said: $out; second: exit $rc2: $out2" \
  '[ "$rc" -ne 0 ] && [ "$said" = 1 ] && [ "$gone" = removed ] && [ "$rc2" -eq 0 ] && [ -s "$a" ]'

# A compile killed while the compiler writes its dependency file (-MF):
# every later make must still read its makefiles and build. A stand-in
# compiler, first on PATH under the same name (so the recorded flags do not
# change), compiles, cuts the dependency file mid-line (in its first header
# name, after "NAME.": a prerequisite no file has, which a make reading it
# stops at) and dies as a killed process does.
killer=$tmp/killer
mkdir -p "$killer"
# killer_for NAME: the stand-in for the command NAME.
killer_for() {
  case $1 in */* | *" "* | '') return 1 ;; esac
  real=$(command -v "$1") || return 1
  cat > "$killer/$1" <<SH
#!/bin/sh
"$real" "\$@" || exit
mf= prev=
for a in "\$@"; do [ "\$prev" = -MF ] && mf=\$a; prev=\$a; done
[ -n "\$mf" ] || exit 0
n=\$(grep -bo '[.]h' "\$mf" | head -n 1 | cut -d: -f1)
head -c \$((n + 1)) "\$mf" > "\$mf.cut" && cat "\$mf.cut" > "\$mf" && rm -f "\$mf.cut"
kill -9 \$\$
SH
  chmod +x "$killer/$1"
}
# killed_compile WHAT COMPILER MAKE OBJECT NEXT: with the stand-in for
# COMPILER, `MAKE OBJECT` is killed; then `MAKE NEXT` must succeed and
# leave OBJECT built.
killed_compile() {
  if ! killer_for "$2"; then
    skip "make: a $1 compile killed while writing its dependency file" "the compiler '$2' is not a command name on PATH"
    return
  fi
  obj=$4
  rm -f "$obj"
  out=$(PATH=$killer:$PATH $3 "$obj")
  rc=$?
  out2=$($3 "$5")
  rc2=$?
  check "make: a $1 compile killed while writing its dependency file leaves make working" \
    "killed: exit $rc; then: exit $rc2: $out2" '[ "$rc" -ne 0 ] && [ "$rc2" -eq 0 ] && [ -s "$obj" ]'
}
host_cc=$(tmake -C "$root" BUILD="$lb" ARCH=gfx1100 toolchain 2>/dev/null | sed -n 's/^host cc: *//p')
killed_compile host "$host_cc" lmake "$lb/amd/obj/lib/error.o" "$so"

# Now without QUANTIZED: the link must fail, say why, and leave no library.
printf '#include "candle_rocm_kernels.h"\nconst size_t QUANTIZED_LEN = 0;\n' > "$fake"
rm -f "$so" "$lb/amd/libcandle_rocm_kernels.a" "$lb/amd/obj/quantized_hsaco.o"
for lib in "$so" "$lb/amd/libcandle_rocm_kernels.a"; do
  out=$(tmake -C "$root" BUILD="$lb" ARCH=gfx1100 BLOB_C="$fake" -o "$fake" "$lib" 2>&1)
  rc=$?
  case $out in *"does not define QUANTIZED"*) said=1 ;; *) said=0 ;; esac
  check "make: a library without QUANTIZED fails its link and is not left behind ($(basename "$lib"))" \
    "exit $rc, left: $(ls "$lib" 2>/dev/null), said: $out" '[ "$rc" -ne 0 ] && [ "$said" = 1 ] && [ ! -e "$lib" ]'
done

# The kernel pipeline (AMD build), in scratch build dirs over one arch of
# the real build.
arch=$(awk '{ print $1; exit }' "$build/archs.list" 2>/dev/null)
if [ ! -f "$build/quantized.hsaco" ] || [ -z "$arch" ]; then
  skip "make: the kernel pipeline's checks" "$build has no AMD bundle (PLATFORM=amd builds one)"
  [ "$fails" -eq 0 ]
  exit
fi
kb=$tmp/kernels
kmake() { tmake -C "$root" BUILD="$kb" ARCH="$arch" "$@" 2>&1; }

# The same killed compile for a kernel family's bitcode (the device
# compiler's -MF file).
clang=$(kmake toolchain | sed -n 's/^tools: *\([^ ]*\).*/\1/p')
killed_compile kernel "$clang" kmake "$kb/amd/$arch/quantize.bc" "$kb/amd/$arch/quantize.bc"

# Intermediates are not trusted. The bundle step, on the real build's code
# object (-o: as it is, not remade), succeeds; on an empty one it fails and
# removes it; on a code object without the spec's kernels it fails naming
# them. No bundle is left by a failed step.
co=$kb/amd/$arch.hsaco blob=$kb/amd/quantized.hsaco
bundle() { rm -f "$blob"; kmake -o "$co" "$blob"; }
cp "$build/$arch.hsaco" "$co"
out=$(bundle)
rc=$?
check "make: the bundle step takes a code object holding every kernel" "exit $rc: $out" '[ "$rc" -eq 0 ] && [ -s "$blob" ]'
: > "$co"
out=$(bundle)
rc=$?
case $out in *"$co is empty"*) said=1 ;; *) said=0 ;; esac
check "make: the bundle step refuses an empty code object, and removes it" "exit $rc, said: $out" \
  '[ "$rc" -ne 0 ] && [ "$said" = 1 ] && [ ! -e "$co" ] && [ ! -e "$blob" ] && [ ! -e "$blob.tmp" ]'
small=$build/test/pick-fixtures/gfx1100.co
if [ -f "$small" ]; then
  cp "$small" "$co"
  out=$(bundle)
  rc=$?
  case $out in *"$co lacks 142 of the 142 kernels"*dequantize_block_q2_K_f16*) said=1 ;; *) said=0 ;; esac
  check "make: the bundle step refuses a code object without the spec's kernels, naming them" \
    "exit $rc, said: $out" '[ "$rc" -ne 0 ] && [ "$said" = 1 ] && [ ! -e "$blob" ]'
else
  skip "make: the bundle step refuses a code object without the spec's kernels" "no $small (made by make test)"
fi
# The bitcode link on an empty family (llvm-link would only warn).
mkdir -p "$kb/amd/$arch"
keep=""
for f in "$build/$arch"/*.bc; do
  cp "$f" "$kb/amd/$arch/" && keep="$keep -o $kb/amd/$arch/$(basename "$f")"
done
: > "$kb/amd/$arch/quantize.bc"
# shellcheck disable=SC2086
out=$(kmake $keep "$kb/amd/$arch.bc")
rc=$?
case $out in *"$kb/amd/$arch/quantize.bc is empty"*) said=1 ;; *) said=0 ;; esac
check "make: the bitcode link refuses an empty family's bitcode" "exit $rc, said: $out" \
  '[ "$rc" -ne 0 ] && [ "$said" = 1 ] && [ ! -e "$kb/amd/$arch.bc" ]'

[ "$fails" -eq 0 ]
