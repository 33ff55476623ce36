#!/bin/sh
# run.sh: fuzz crk-dump's parsers or the loader's blob checks with libFuzzer, at
# the lowest priority.
#
#   make fuzz [BUILD=...]                          build the targets first
#   test/fuzz/run.sh FUZZDIR TARGET SECONDS [WORKDIR]
#
# FUZZDIR is $(OUT)/fuzz; TARGET is blob, metadata or loader. The run grows a
# working corpus in WORKDIR (default /tmp/crk-fuzz/TARGET), seeded from the
# committed corpus test/fuzz/corpus/TARGET, and writes crash-* files there.
# To fold new finds back into the committed corpus, keeping it small:
#   FUZZDIR/fuzz_TARGET -merge=1 test/fuzz/corpus/TARGET WORKDIR
# Prints the CPU seconds the run used.
set -eu
[ $# -ge 3 ] || { echo "usage: $0 FUZZDIR blob|metadata|loader SECONDS [WORKDIR]" >&2; exit 2; }
fuzzdir=$1 target=$2 secs=$3
work=${4:-/tmp/crk-fuzz/$target}
here=$(cd "$(dirname "$0")" && pwd)
bin=$fuzzdir/fuzz_$target
[ -x "$bin" ] || { echo "$0: $bin missing: run make fuzz" >&2; exit 2; }
mkdir -p "$work/corpus" "$work/artifacts"
start=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
# -max_len: the largest seed (a host object) with room to grow.
nice -n 19 "$bin" -dict="$here/dump.dict" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  "$work/corpus" "$here/corpus/$target" > "$work/last.log" 2>&1 || {
  echo "$0: fuzz_$target stopped with a finding; see $work/last.log and $work/artifacts/" >&2
  tail -30 "$work/last.log" >&2
  exit 1
}
ticks=$(getconf CLK_TCK)
end=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
echo "fuzz_$target: $(( (end - start) / ticks )) CPU seconds, $(grep -c . "$work/last.log") log lines, $(grep 'stat::number_of_executed_units' "$work/last.log")"
