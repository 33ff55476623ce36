#!/bin/sh
# check-defined.sh FILE SYMBOL: fail, saying so, unless the library or
# object FILE defines SYMBOL. The link rules run it on their temporary
# before renaming it: a shared library links even with the blob missing
# (QUANTIZED undefined fails only when a program loads it), and such a
# library must never be left looking finished. `make lib` (and so `make`)
# runs it on the finished libraries too: one damaged since is not kept.
file=$1 sym=$2
nm=${NM:-nm}
if [ ! -s "$file" ]; then
  echo "error: ${file%.tmp} is empty (left by an interrupted or failed step, or a full disk)" >&2
  exit 1
fi
# A shared object (ELF type 3 at byte 16): its dynamic symbols, the ones a
# program can link to. An archive or object: its symbol table.
opt=
[ "$(od -An -tx1 -j16 -N1 "$file" 2>/dev/null | tr -d ' \n')" = 03 ] && opt=-D
if "$nm" $opt --defined-only "$file" 2>/dev/null | awk -v s="$sym" '$NF == s { f = 1 } END { exit !f }'; then
  exit 0
fi
echo "error: ${file%.tmp} does not define $sym: the kernels' bundle did not make it into the library (the C source blob2c writes must define it)" >&2
exit 1
