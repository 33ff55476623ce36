#!/bin/sh
# run-tests.sh PROGRAM...: run each test program, echo its lines, and close
# with "N passed, N failed, N skipped". A program that exits non-zero
# without printing a FAIL line (a crash, a sanitizer report) counts as one
# failure of its own. Exit status: 0 only when nothing failed.
pass=0 fail=0 skip=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for prog in "$@"; do
  echo "== $prog"
  "$prog" > "$log" 2>&1
  rc=$?
  cat "$log"
  p=$(grep -c '^ok - ' "$log")
  f=$(grep -c '^FAIL - ' "$log")
  s=$(grep -c '^SKIP - ' "$log")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "FAIL - $prog: exited with status $rc"
    f=1
  fi
  pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
