#!/bin/bash
# bench/fuse-ab.sh: a quick before/after of lilipod builds' union rootfs,
# without the other file systems and without the cold (drop_caches) steps of
# bench/fuse.sh: one setup (the debian-bench image imported once), then per
# repetition each binary in turn mounts afresh and runs find/stat (warm),
# a warm 128 MiB read, a 256 MiB write, 5,000 shell creates, rm -rf of the
# lower's 2,000-file tree and a 100 MiB copy-up. Besides seconds it records
# the server's CPU time per operation (utime+stime from /proc/PID/stat, in
# clock ticks): on a loaded machine wall times swing, CPU much less.
#
# Usage (root, after a build): bench/fuse-ab.sh REPS BIN...
#   e.g. bench/fuse-ab.sh 3 /tmp/lilipod-main build/lilipod
# Prints medians (and minimums) per binary, columns b1, b2, ... in the order
# given. Env: FIXTURES (default build/fixtures). Not part of ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: bench/fuse-ab.sh REPS BIN..." >&2; exit 2; }
reps=$1
shift
[ "$(id -u)" = 0 ] || { echo "bench/fuse-ab.sh: run as root (like bench/fuse.sh)" >&2; exit 1; }
bins=()
for b in "$@"; do
  [ -x "$b" ] || { echo "bench/fuse-ab.sh: not an executable: $b" >&2; exit 1; }
  bins+=("$(realpath "$b")")
done
FIXTURES=$(realpath -m "${FIXTURES:-build/fixtures}")

work=$(mktemp -d /var/tmp/lilipod-fuseab.XXXXXX)
SRV_PID=
MNT=
cleanup() {
  if [ -n "$MNT" ] && mountpoint -q "$MNT"; then umount -l "$MNT" || true; fi
  if [ -n "$SRV_PID" ]; then kill "$SRV_PID" 2>/dev/null || true; wait "$SRV_PID" 2>/dev/null || true; fi
  rm -rf "$work"
  sync # see bench/fuse.sh: recently freed inodes slow the next creates
}
trap cleanup EXIT

unset LILIPOD_FIXTURES_NO_DEBIAN
tests/fixtures/build-images.sh "$FIXTURES" >/dev/null
python3 bench/fuse-layout.py "$FIXTURES" "$work/layout" >/dev/null
export LILIPOD_HOME=$work/home
"${bins[0]}" __import-layout "$work/layout" debian-bench >/dev/null
ROOT=$(python3 - "$LILIPOD_HOME/store.db" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT root_node FROM images").fetchone()[0])
PY
)

res=$work/results
: >"$res"
cpu() { awk '{print $14 + $15}' "/proc/$SRV_PID/stat"; }
t() {
  local tag=$1 op=$2
  shift 2
  sync
  local c0 a b c1
  c0=$(cpu)
  a=$EPOCHREALTIME
  "$@"
  b=$EPOCHREALTIME
  c1=$(cpu)
  echo "$tag $op $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.4f", b - a}')" >>"$res"
  echo "$tag cpu-$op $((c1 - c0))" >>"$res"
}
create5k() {
  mkdir "$1/c5k"
  for ((i = 0; i < 5000; i++)); do echo "small file $i" >"$1/c5k/f$i"; done
}

for ((r = 1; r <= reps; r++)); do
  n=0
  for bin in "${bins[@]}"; do
    n=$((n + 1))
    tag=b$n
    echo "repetition $r: $tag ($bin)" >&2
    d=$work/run-$r-$n # never deleted before the end (see bench/fuse.sh)
    mkdir -p "$d/mnt" "$d/upper"
    MNT=$d/mnt
    "$bin" __unionfs --ready "$LILIPOD_HOME" "$ROOT" "$d/upper" "$MNT" >"$d/out" 2>"$d/err" &
    SRV_PID=$!
    for _ in $(seq 400); do
      mountpoint -q "$MNT" && [ -e "$MNT/bench/big128" ] && break
      kill -0 "$SRV_PID" 2>/dev/null || { cat "$d/err" >&2; exit 1; }
      sleep 0.05
    done
    mountpoint -q "$MNT" || { echo "bench/fuse-ab.sh: $bin did not mount" >&2; exit 1; }
    m=$MNT
    find "$m" -xdev -fprint /dev/null
    t "$tag" find-warm find "$m" -xdev -fprint /dev/null
    find "$m" -xdev -fprintf /dev/null '%i %s %m %U %T@\n'
    t "$tag" stat-warm find "$m" -xdev -fprintf /dev/null '%i %s %m %U %T@\n'
    dd if="$m/bench/big128" of=/dev/null bs=1M status=none
    t "$tag" read128-warm dd if="$m/bench/big128" of=/dev/null bs=1M status=none
    t "$tag" write256 dd if=/dev/zero of="$m/w256" bs=1M count=256 status=none
    t "$tag" create5k create5k "$m"
    t "$tag" rm-tree2k rm -rf "$m/bench/tree"
    t "$tag" copyup100 sh -c 'echo x >>"$1"' sh "$m/bench/big100"
    [ "$(stat -c %s "$m/bench/big100")" = $((100 * 1024 * 1024 + 2)) ] || { echo "bench/fuse-ab.sh: $bin: copy-up lost data" >&2; exit 1; }
    echo "$tag mem-end $(awk '/VmHWM/ {print $2}' "/proc/$SRV_PID/status")" >>"$res"
    umount "$MNT"
    wait "$SRV_PID"
    SRV_PID=
    MNT=
  done
done

python3 - "$res" "${bins[@]}" <<'PY'
import statistics, sys
data = {}
for tag, op, v in (l.split() for l in open(sys.argv[1])):
    data.setdefault(op, {}).setdefault(tag, []).append(float(v))
tags = ["b%d" % (i + 1) for i in range(len(sys.argv) - 2)]
for i, b in enumerate(sys.argv[2:]):
    print("b%d = %s" % (i + 1, b))
print("medians (minimums); seconds, server CPU in clock ticks, peak RSS in KiB")
print("%-17s" % "op" + "".join("%20s" % t for t in tags))
for op, d in data.items():
    print("%-17s" % op + "".join("%11.4f (%6.4g)" % (statistics.median(d[t]), min(d[t])) if t in d else "%20s" % "-" for t in tags))
PY
