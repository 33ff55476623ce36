#!/bin/sh
# check-kernels.sh NM CODE_OBJECT...: the kernel names to expect on standard
# input, one a line (spec/kernels.txt's, as mk/kernels-amd.mk reads them).
# Fails, naming the file and what is wrong, unless every code object is
# non-empty and defines the kernel descriptor (NAME.kd, what a runtime looks
# a kernel up by) of every name. The bundle step runs it on its inputs: a
# code object left empty by an interrupted or failed step, or linked from a
# family's empty bitcode (llvm-link only warns), must not be bundled.
# An empty one is removed as well, so that the next make rebuilds it.
export LC_ALL=C
nm=$1
shift
names=$(mktemp)
trap 'rm -f "$names" "$names.have"' EXIT
sort -u > "$names"
if [ ! -s "$names" ]; then
  echo "error: check-kernels.sh: no kernel names given (spec/kernels.txt)" >&2
  exit 1
fi
status=0
for co in "$@"; do
  if [ ! -s "$co" ]; then
    echo "error: $co is empty (left by an interrupted or failed step): removed it; make again rebuilds it" >&2
    rm -f "$co"
    status=1
    continue
  fi
  if ! "$nm" --defined-only -j "$co" > "$names.have" 2>&1; then
    echo "error: $co: $nm cannot read its symbols: $(head -n 1 "$names.have")" >&2
    status=1
    continue
  fi
  missing=$(sed -n 's/\.kd$//p' "$names.have" | sort -u | comm -23 "$names" -)
  if [ -n "$missing" ]; then
    echo "error: $co lacks $(echo "$missing" | wc -l) of the $(wc -l < "$names") kernels of spec/kernels.txt:" \
      "$(echo "$missing" | head -n 8 | tr '\n' ' ')$([ "$(echo "$missing" | wc -l)" -gt 8 ] && echo '...')" \
      "(is a family's bitcode under $(dirname "$co")/$(basename "$co" .hsaco)/ empty or stale?)" >&2
    status=1
  fi
done
exit $status
