#!/bin/sh
# bench/fuzz/run.sh [SECONDS] [TARGET...]: run each libFuzzer target (built by
# bench/fuzz/build.sh into $FUZZ_BUILD, default build-fuzz) for SECONDS
# (default 60), one after another, on one core each, $FUZZ_JOBS (default 1)
# at a time. New coverage goes to a scratch corpus dir (not the committed
# seeds); crashes go to bench/fuzz/crashes/TARGET/ - add them to
# tests/fuzz/corpus/TARGET/ once fixed, so ctest replays them.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
build=${FUZZ_BUILD:-$root/build-fuzz}
work=${FUZZ_WORK:-$root/build-fuzz/corpus}
if [ $# -eq 0 ]; then
  set -- $(cd "$root/tests/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
fi
status=0
for t in "$@"; do
  bin=$build/fuzz_$t
  [ -x "$bin" ] || { echo "run.sh: $bin missing: run bench/fuzz/build.sh" >&2; exit 2; }
  mkdir -p "$work/$t" "$root/bench/fuzz/crashes/$t"
  echo "== $t: ${secs}s"
  dict=
  [ -f "$root/tests/fuzz/$t.dict" ] && dict=-dict=$root/tests/fuzz/$t.dict
  "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$root/bench/fuzz/crashes/$t/" $dict \
    "$work/$t" "$root/tests/fuzz/corpus/$t" >"$work/$t.log" 2>&1 || status=1
  tail -n 12 "$work/$t.log" | grep -E 'stat::|ERROR|SUMMARY|Done' || true
done
exit $status
