#!/bin/bash
# bench/fuse.sh: lilipod's FUSE union rootfs beside its ceiling, its peer and
# its floor, on the debian:bookworm fixture, in one run:
#
#   ext4      a plain copy of the rootfs on the host's file system (the floor)
#   overlay   kernel overlayfs over the extracted layer directories (the ceiling)
#   fuse-ovl  fuse-overlayfs (Debian's package) over the same directories (the peer)
#   lilipod   lilipod __unionfs over the store's tree of the same image
#
# The image is the debian fixture plus a layer (bench/fuse-layout.py) with
# /bench/big128 (128 MiB), /bench/big100 (100 MiB) and /bench/tree (2,000
# files), ingested with `lilipod __import-layout` and extracted with tar for
# the others. Each repetition mounts every file system afresh (a new, empty
# upper) and runs, in order:
#
#   find-cold find-warm   find MNT -xdev (readdir, lookups)
#   stat-cold stat-warm   find MNT -xdev -printf (an lstat of every entry)
#   tar-usr-cold          tar -c usr | cat >/dev/null (GNU tar skips reading
#                         file contents when its output itself is /dev/null)
#   read128-cold -warm    dd the 128 MiB file to /dev/null, 1 MiB blocks
#   write256              dd 256 MiB of zeros to a new file, 1 MiB blocks
#                         (to the page cache: no fsync)
#   create5k              5,000 small files written by bash (no forks)
#   rm-tree2k             rm -rf of the lower's 2,000-file tree
#   copyup100             append one byte to the lower's 100 MiB file
#
# "cold" = sync, then echo 3 >/proc/sys/vm/drop_caches (the servers keep
# their own caches: that is their design). Every operation starts after a
# sync, untimed. Nothing is deleted before the end of the run: on ext4, a
# new inode is never given a number freed in the last 5 seconds (300 if the
# inode table block is still dirty), and the allocator scans past each such
# number reading inode tables, so creating files right after deleting a
# previous repetition's tree made create5k 2-4x slower at random (seen with
# lilipod's data/ files and on the host's journal-less ext4 here). Seconds are medians over the repetitions; ratios are
# lilipod's time over overlay's and over fuse-overlayfs's (< 1 = lilipod is
# faster). Server memory is VmHWM (peak RSS) from /proc/PID/status after the
# warm stat, and at the end. For the FUSE servers the CPU time they spent
# in each operation (utime+stime, clock ticks) is printed too: on a loaded
# host wall times swing a lot more than CPU time.
#
# Usage (root, after a build): bench/fuse.sh [REPS]   (default 3)
# Env: LILIPOD (binary, default build/lilipod), FIXTURES (default
# build/fixtures, built by tests/fixtures/build-images.sh if needed),
# BENCH_FS (the file systems to run, default "ext4 overlay fuse-ovl lilipod"),
# LILIPOD_BEFORE (another lilipod binary, e.g. a build of main, run in the
# same repetitions as "lp-before" over the same store: before/after in one run).
# Not part of ctest. Needs: fuse-overlayfs, python3, GNU tar, dd.
set -euo pipefail
cd "$(dirname "$0")/.."
LILIPOD=$(realpath "${LILIPOD:-build/lilipod}")
FIXTURES=$(realpath -m "${FIXTURES:-build/fixtures}")
reps=${1:-3}
read -r -a fslist <<<"${BENCH_FS:-ext4 overlay fuse-ovl lilipod}"
if [ -n "${LILIPOD_BEFORE:-}" ]; then
  LILIPOD_BEFORE=$(realpath "$LILIPOD_BEFORE")
  fslist+=(lp-before)
fi

[ "$(id -u)" = 0 ] || { echo "bench/fuse.sh: run as root (drop_caches, overlay mounts)" >&2; exit 1; }
for tool in fuse-overlayfs python3 tar dd mountpoint; do
  command -v "$tool" >/dev/null || { echo "bench/fuse.sh: $tool is missing (apt-get install it)" >&2; exit 1; }
done
[ -x "$LILIPOD" ] || { echo "bench/fuse.sh: build lilipod first ($LILIPOD)" >&2; exit 1; }

work=$(mktemp -d /var/tmp/lilipod-fusebench.XXXXXX)
SRV_PID=
MNT=
cleanup() {
  if [ -n "$MNT" ] && mountpoint -q "$MNT"; then umount -l "$MNT" || true; fi
  if [ -n "$SRV_PID" ]; then kill "$SRV_PID" 2>/dev/null || true; wait "$SRV_PID" 2>/dev/null || true; fi
  rm -rf "$work"
  sync # the next run's creates must not meet dirty, recently freed inodes
}
trap cleanup EXIT

unset LILIPOD_FIXTURES_NO_DEBIAN
tests/fixtures/build-images.sh "$FIXTURES" >/dev/null
read -r base kind < <(python3 bench/fuse-layout.py "$FIXTURES" "$work/layout")
echo "setting up (import into the store, extract the layers)..." >&2
export LILIPOD_HOME=$work/home
"$LILIPOD" __import-layout "$work/layout" debian-bench >/dev/null
ROOT=$(python3 - "$LILIPOD_HOME/store.db" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT root_node FROM images").fetchone()[0])
PY
)
mkdir -p "$work/l0" "$work/l1"
zflag=$([ "$kind" = gzip ] && echo z || true)
tar -x${zflag}pf "$base" -C "$work/l0" --numeric-owner --xattrs --xattrs-include='*'
tar -xpf "$work/layout/bench.tar" -C "$work/l1" --numeric-owner
rm "$work/layout/bench.tar"

res=$work/results
: >"$res"

drop() {
  sync
  echo 3 >/proc/sys/vm/drop_caches
}

cpu() {
  if [ -n "$SRV_PID" ]; then awk '{print $14 + $15}' "/proc/$SRV_PID/stat"; else echo 0; fi
}

# t FS OP CMD...: time CMD (after a sync) and record it, with the FUSE
# server's CPU time.
t() {
  local fs=$1 op=$2
  shift 2
  sync
  local c0 a b c1
  c0=$(cpu)
  a=$EPOCHREALTIME
  "$@"
  b=$EPOCHREALTIME
  c1=$(cpu)
  echo "$fs $op $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.4f", b - a}')" >>"$res"
  if [ -n "$SRV_PID" ]; then echo "$fs cpu-$op $((c1 - c0))" >>"$res"; fi
}

hwm() {
  awk '/VmHWM/ {print $2}' "/proc/$1/status"
}

create5k() {
  mkdir "$1/c5k"
  for ((i = 0; i < 5000; i++)); do echo "small file $i" >"$1/c5k/f$i"; done
}

# mount_fs FS REP: mount FS afresh on $MNT (sets SRV_PID for FUSE servers).
mount_fs() {
  local fs=$1 d=$work/run-$1-$2
  mkdir -p "$d/mnt" "$d/upper" "$d/work"
  MNT=$d/mnt
  SRV_PID=
  case $fs in
  ext4)
    cp -a "$work/l0/." "$MNT/"
    cp -a "$work/l1/." "$MNT/"
    ;;
  overlay)
    mount -t overlay overlay -o "lowerdir=$work/l1:$work/l0,upperdir=$d/upper,workdir=$d/work" "$MNT"
    ;;
  fuse-ovl)
    fuse-overlayfs -f -o "lowerdir=$work/l1:$work/l0,upperdir=$d/upper,workdir=$d/work" "$MNT" 2>"$d/err" &
    SRV_PID=$!
    ;;
  lilipod | lp-before)
    local bin=$LILIPOD
    if [ "$fs" = lp-before ]; then bin=$LILIPOD_BEFORE; fi
    "$bin" __unionfs --ready "$LILIPOD_HOME" "$ROOT" "$d/upper" "$MNT" >"$d/out" 2>"$d/err" &
    SRV_PID=$!
    ;;
  esac
  if [ -n "$SRV_PID" ]; then
    for _ in $(seq 400); do
      mountpoint -q "$MNT" && [ -e "$MNT/bench/big128" ] && return 0
      kill -0 "$SRV_PID" 2>/dev/null || { cat "$d/err" >&2; exit 1; }
      sleep 0.05
    done
    echo "bench/fuse.sh: $fs did not mount" >&2
    exit 1
  fi
}

umount_fs() {
  local fs=$1
  if [ "$fs" != ext4 ]; then umount "$MNT"; fi
  if [ -n "$SRV_PID" ]; then wait "$SRV_PID"; fi
  SRV_PID=
  MNT= # the directory stays until the end (see above)
}

for ((r = 1; r <= reps; r++)); do
  for fs in "${fslist[@]}"; do
    echo "repetition $r: $fs" >&2
    mount_fs "$fs" "$r"
    m=$MNT
    drop
    t "$fs" find-cold find "$m" -xdev -fprint /dev/null
    t "$fs" find-warm find "$m" -xdev -fprint /dev/null
    drop
    t "$fs" stat-cold find "$m" -xdev -fprintf /dev/null '%i %s %m %U %T@\n'
    t "$fs" stat-warm find "$m" -xdev -fprintf /dev/null '%i %s %m %U %T@\n'
    if [ -n "$SRV_PID" ]; then echo "$fs mem-find $(hwm "$SRV_PID")" >>"$res"; fi
    drop
    t "$fs" tar-usr-cold sh -c 'tar -C "$1" -cf - usr | cat >/dev/null' sh "$m"
    drop
    t "$fs" read128-cold dd if="$m/bench/big128" of=/dev/null bs=1M status=none
    t "$fs" read128-warm dd if="$m/bench/big128" of=/dev/null bs=1M status=none
    t "$fs" write256 dd if=/dev/zero of="$m/w256" bs=1M count=256 status=none
    t "$fs" create5k create5k "$m"
    t "$fs" rm-tree2k rm -rf "$m/bench/tree"
    t "$fs" copyup100 sh -c 'echo x >>"$1"' sh "$m/bench/big100"
    [ "$(stat -c %s "$m/bench/big100")" = $((100 * 1024 * 1024 + 2)) ] || { echo "bench/fuse.sh: $fs: copy-up lost data" >&2; exit 1; }
    if [ -n "$SRV_PID" ]; then echo "$fs mem-end $(hwm "$SRV_PID")" >>"$res"; fi
    umount_fs "$fs"
  done
done

python3 - "$res" "$reps" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
data = {}
for fs, op, v in rows:
    data.setdefault(op, {}).setdefault(fs, []).append(float(v))
fss = [f for f in ("ext4", "overlay", "fuse-ovl", "lp-before", "lilipod") if any(f in d for d in data.values())]
print(f"medians of {sys.argv[2]} repetition(s), seconds; ratios are lilipod / overlay and lilipod / fuse-ovl")
print("(< 1: lilipod is faster; lp-before is LILIPOD_BEFORE, the binary before the change under test)")
print("%-13s" % "op" + "".join("%10s" % f for f in fss) + "%11s%11s" % ("lp/ovl", "lp/fovl"))
for op, d in data.items():
    if op.startswith("mem-") or op.startswith("cpu-"):
        continue
    med = {f: statistics.median(d[f]) for f in fss if f in d}
    line = "%-13s" % op + "".join("%10.3f" % med[f] if f in med else "%10s" % "-" for f in fss)
    for base in ("overlay", "fuse-ovl"):
        line += "%10.2fx" % (med["lilipod"] / med[base]) if "lilipod" in med and med.get(base) else "%11s" % "-"
    print(line)
cpus = [op for op in data if op.startswith("cpu-")]
if cpus:
    print("server CPU, clock ticks (medians)")
    for op in cpus:
        print("%-13s" % op[4:] + "".join("%10g" % statistics.median(data[op][f]) if f in data[op] else "%10s" % "-" for f in fss))
for op in ("mem-find", "mem-end"):
    if op in data:
        print("%-13s" % ("peak RSS " + op[4:]) + "".join(
            "%7.1f MiB" % (statistics.median(data[op][f]) / 1024) if f in data[op] else "%10s" % "-" for f in fss))
PY
