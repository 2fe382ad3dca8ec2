#!/bin/bash
# bench/pull.sh: how fast and how compactly lilipod pulls debian:bookworm from
# a local registry, beside the floor and other tools, in the same run.
#
#   floor    curl manifest, config and layer blobs; sha256sum each blob and,
#            through gunzip, each layer's tar (what any verified pull must do)
#   skopeo   skopeo copy docker://REG/debian:bookworm dir:...
#   podman   podman pull (vfs storage driver, temporary --root/--runroot)
#   lilipod  lilipod pull into an empty LILIPOD_HOME
#
# Wall time and peak RSS come from /usr/bin/time -v. Then the store's size
# (du -sb LILIPOD_HOME) beside the unpacked rootfs (the layer extracted with
# tar), and its growth after pulling debian-plus (debian's layer plus a small
# one, built and pushed here) beside that small layer's size.
#
# Usage (root, after a build): bench/pull.sh [RUNS]   (RUNS of each, default 1)
# Env: LILIPOD (binary, default build/lilipod), FIXTURES (default build/fixtures).
# Starts its own registry through tests/fixtures/registry.sh and cleans up.
# Not part of ctest. Needs: curl jq gzip skopeo podman time.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
LILIPOD=$(realpath "${LILIPOD:-build/lilipod}")
FIXTURES=$(realpath -m "${FIXTURES:-build/fixtures}")
runs=${1:-1}

for tool in curl jq gunzip sha256sum skopeo podman /usr/bin/time tar; do
  command -v "$tool" >/dev/null || { echo "bench/pull.sh: $tool is missing (apt-get install it)" >&2; exit 1; }
done
[ -x "$LILIPOD" ] || { echo "bench/pull.sh: build lilipod first ($LILIPOD)" >&2; exit 1; }

work=$(mktemp -d /tmp/lilipod-bench.XXXXXX)
chmod 0755 "$work"
cleanup() {
  tests/fixtures/registry.sh stop "$work/reg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

unset LILIPOD_FIXTURES_NO_DEBIAN
tests/fixtures/build-images.sh "$FIXTURES" >/dev/null
mkdir -p "$work/reg"
tests/fixtures/registry.sh start "$work/reg" >/dev/null
tests/fixtures/push-images.sh "$FIXTURES" "$work/reg" >/dev/null
# shellcheck disable=SC1091
source "$work/reg/registry.env"
REG=$LILIPOD_TEST_REG_PLAIN
ACCEPT="application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"
export REG ACCEPT

# measure NAME CMD...: run under /usr/bin/time -v; sets WALL (s) and RSS (KiB).
measure() {
  local name=$1
  shift
  if ! /usr/bin/time -v -o "$work/time.$name" "$@" >"$work/out.$name" 2>"$work/err.$name"; then
    echo "bench/pull.sh: $name failed:" >&2
    cat "$work/err.$name" >&2
    exit 1
  fi
  WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$work/time.$name")
  RSS=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.$name")
  CPU=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$work/time.$name")
}

# The floor: every byte fetched once, every digest checked, every layer inflated.
cat >"$work/floor.sh" <<'SH'
set -euo pipefail
m=$(curl -fsS -H "Accept: $ACCEPT" "http://$REG/v2/debian/manifests/bookworm")
cfg=$(jq -r .config.digest <<<"$m")
[ "sha256:$(curl -fsS "http://$REG/v2/debian/blobs/$cfg" | sha256sum | cut -d' ' -f1)" = "$cfg" ]
for d in $(jq -r '.layers[].digest' <<<"$m"); do
  curl -fsS "http://$REG/v2/debian/blobs/$d" | tee >(sha256sum >"$FLOOR_DIR/blob.sha") | gunzip | sha256sum >"$FLOOR_DIR/tar.sha"
  wait
  [ "sha256:$(cut -d' ' -f1 "$FLOOR_DIR/blob.sha")" = "$d" ]
done
SH

declare -A sum_wall sum_rss sum_cpu
tools=(floor skopeo podman lilipod)
for ((r = 1; r <= runs; r++)); do
  for t in "${tools[@]}"; do
    # Each run writes into a new directory, removed only at the end: ext4
    # creating files right after deleting as many is slower (it checks for
    # recently deleted inodes). And `sync` first, so no tool pays for
    # another's writeback (lilipod's syncfs would flush it all).
    dir=$work/t-$t-$r
    mkdir -p "$dir"
    sync
    sleep 1
    case $t in
    floor) measure floor env FLOOR_DIR="$dir" bash "$work/floor.sh" ;;
    skopeo) measure skopeo skopeo copy -q --src-tls-verify=false "docker://$REG/debian:bookworm" "dir:$dir/dir" ;;
    podman)
      measure podman podman --root "$dir/root" --runroot "$dir/run" --storage-driver vfs \
        --cgroup-manager cgroupfs --events-backend file pull -q --tls-verify=false "$REG/debian:bookworm"
      ;;
    lilipod)
      measure lilipod env LILIPOD_HOME="$dir/home" "$LILIPOD" pull -q --tls-verify=false "$REG/debian:bookworm"
      ;;
    esac
    printf '%-8s run %d: %6.2f s  %6.2f s CPU  %8d KiB peak RSS\n' "$t" "$r" "$WALL" "$CPU" "$RSS"
    sum_cpu[$t]=$(awk -v a="${sum_cpu[$t]:-0}" -v b="$CPU" 'BEGIN {print a + b}')
    sum_wall[$t]=$(awk -v a="${sum_wall[$t]:-0}" -v b="$WALL" 'BEGIN {print a + b}')
    sum_rss[$t]=$(awk -v a="${sum_rss[$t]:-0}" -v b="$RSS" 'BEGIN {print a + b}')
  done
done
echo
echo "means over $runs run(s); ratios = wall time / floor's, CPU time (user+sys) / floor's"
echo "(CPU time is the steadier figure on a shared machine)"
floor=$(awk -v a="${sum_wall[floor]}" -v n="$runs" 'BEGIN {print a / n}')
floor_cpu=$(awk -v a="${sum_cpu[floor]}" -v n="$runs" 'BEGIN {print a / n}')
for t in "${tools[@]}"; do
  awk -v w="${sum_wall[$t]}" -v c="${sum_cpu[$t]}" -v m="${sum_rss[$t]}" -v n="$runs" -v f="$floor" -v fc="$floor_cpu" \
    -v t="$t" 'BEGIN {printf "%-8s %6.2f s %5.2fx   CPU %6.2f s %5.2fx   %6.1f MiB peak RSS\n", t, w / n, (w / n) / f, c / n, (c / n) / fc, m / n / 1024}'
done

# ---- space --------------------------------------------------------------------
home=$work/lp-home
LILIPOD_HOME=$home "$LILIPOD" pull -q --tls-verify=false "$REG/debian:bookworm" >/dev/null
store1=$(du -sb "$home" | cut -f1)
db1=$(du -sb "$home/store.db" | cut -f1)
objs1=$(du -sb "$home/objects" | cut -f1)
layer=$(curl -fsS -H "Accept: $ACCEPT" "http://$REG/v2/debian/manifests/bookworm" | jq -r '.layers[0].digest')
mkdir -p "$work/rootfs"
curl -fsS "http://$REG/v2/debian/blobs/$layer" | tar -xz --numeric-owner -C "$work/rootfs"
rootfs=$(du -sb "$work/rootfs" | cut -f1)
rm -rf "$work/rootfs"

plus_tar=$(/usr/bin/python3 bench/mkplus.py "$FIXTURES" "$work" "$REG")
LILIPOD_HOME=$home "$LILIPOD" pull -q --tls-verify=false "$REG/debian-plus" >/dev/null
store2=$(du -sb "$home" | cut -f1)
db2=$(du -sb "$home/store.db" | cut -f1)
objs2=$(du -sb "$home/objects" | cut -f1)

echo
awk -v s="$store1" -v r="$rootfs" 'BEGIN {printf "store after debian:   %12d bytes; unpacked rootfs %12d bytes: %.3fx\n", s, r, s / r}'
awk -v a="$store1" -v b="$store2" -v p="$plus_tar" \
  'BEGIN {printf "growth for debian-plus: %9d bytes; its extra layer (tar) %d bytes: %.1fx\n", b - a, p, (b - a) / p}'
echo "  of which objects/ +$((objs2 - objs1)) bytes (file content), store.db +$((db2 - db1)) bytes" \
  "(the new image's rows: its flattened tree is its own)"
