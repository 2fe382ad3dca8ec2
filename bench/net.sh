#!/bin/bash
# bench/net.sh: private networking, beside the host network, in one run.
#
#   download   curl on the host fetches a 256 MiB file from busybox httpd in a
#              container (the file bind-mounted read-only, so FUSE is not in
#              the way): --network host (the baseline), and a port published
#              (-p 127.0.0.1:PORT:8080) through pasta and through slirp4netns.
#              Median seconds and MiB/s over REPS downloads; the ratio is the
#              baseline's time over the helper's (1 = as fast as the host
#              network).
#   run --rm   `lilipod run --rm busybox true`, --network none (the baseline)
#              vs pasta vs slirp4netns: median wall time of 4*REPS+1 runs; the
#              ratio is the helper's time over none's. The three are interleaved.
#
# Usage (root or a user with subordinate ids, after a build): bench/net.sh [REPS]
# (default 5). Env: LILIPOD (default build/lilipod), FIXTURES (default
# build/fixtures; the busybox image is imported from it). Every server
# listens on 127.0.0.1 only. Not part of ctest. Needs pasta (passt),
# slirp4netns, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
LILIPOD=$(realpath "${LILIPOD:-build/lilipod}")
FIXTURES=$(realpath -m "${FIXTURES:-build/fixtures}")
reps=${1:-5}

for tool in pasta slirp4netns curl python3; do
  command -v "$tool" >/dev/null || { echo "bench/net.sh: $tool is missing (scripts/deps installs it)" >&2; exit 1; }
done
[ -x "$LILIPOD" ] || { echo "bench/net.sh: build lilipod first ($LILIPOD)" >&2; exit 1; }
[ -f "$FIXTURES/index.json" ] || { echo "bench/net.sh: no fixture images in $FIXTURES (tests/fixtures/build-images.sh)" >&2; exit 1; }

work=$(mktemp -d /var/tmp/lilipod-netbench.XXXXXX)
export LILIPOD_HOME=$work/home
cleanup() {
  "$LILIPOD" rm -f -t 0 -a >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$LILIPOD" __import-layout "$FIXTURES" busybox >/dev/null
mkdir -p "$work/www"
chmod 755 "$work" "$work/www"
dd if=/dev/urandom of="$work/www/big" bs=1M count=256 status=none
chmod 644 "$work/www/big"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

median() {
  sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# download MODE: median seconds of the 256 MiB download.
download() {
  local mode=$1 port net=()
  port=$(free_port)
  if [ "$mode" = host ]; then
    net=(--network host)
    listen="127.0.0.1:$port"
  else
    net=(--network "$mode" -p "127.0.0.1:$port:8080")
    listen=8080
  fi
  "$LILIPOD" run -d --name "dl-$mode" "${net[@]}" -v "$work/www:/www:ro" busybox \
    httpd -f -p "$listen" -h /www >/dev/null
  for _ in $(seq 200); do
    curl -fsS -m 2 -o /dev/null -r 0-0 "http://127.0.0.1:$port/big" 2>/dev/null && break
    sleep 0.05
  done
  for _ in $(seq "$reps"); do
    curl -fsS -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/big"
  done | median
  "$LILIPOD" rm -f -t 0 "dl-$mode" >/dev/null
}

# runrm: `run --rm busybox true` per network, interleaved (none, pasta,
# slirp4netns, none, ...) so that drift on a shared machine hits all alike;
# the times go to $work/rm-MODE.
runrm() {
  for _ in $(seq $((4 * reps + 1))); do
    for mode in none pasta slirp4netns; do
      local t0=$EPOCHREALTIME
      "$LILIPOD" run --rm --network "$mode" busybox true
      awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }' >>"$work/rm-$mode"
    done
  done
}

echo "lilipod bench/net.sh: $reps repetitions, $(id -un), $(nproc) CPUs, kernel $(uname -r)"
echo
echo "256 MiB download through a published port (curl on the host, busybox httpd in the container)"
printf '%-12s %10s %10s %12s\n' network seconds MiB/s "vs host"
base=$(download host)
for mode in host pasta slirp4netns; do
  if [ "$mode" = host ]; then t=$base; else t=$(download "$mode"); fi
  python3 - "$mode" "$t" "$base" <<'PY'
import sys
mode, t, base = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
print("%-12s %10.3f %10.1f %11.2fx" % (mode, t, 256 / t, base / t))
PY
done
echo
echo "run --rm busybox true (wall time)"
printf '%-12s %10s %12s\n' network ms "vs none"
runrm
none=$(median <"$work/rm-none")
for mode in none pasta slirp4netns; do
  t=$(median <"$work/rm-$mode")
  python3 - "$mode" "$t" "$none" <<'PY'
import sys
mode, t, base = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
print("%-12s %10.1f %11.2fx" % (mode, t * 1000, t / base))
PY
done
