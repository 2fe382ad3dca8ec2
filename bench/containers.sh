#!/bin/bash
# bench/containers.sh: container latencies and disk use, rootful and rootless,
# each beside baselines measured in the same run (these machines are noisy).
#
#   create      lilipod create of busybox and of debian:bookworm (~130 MB
#               unpacked): should not depend on the image's size
#   run --rm    lilipod run --rm busybox true, beside the floor
#               `unshare --user --map-root-user --mount --pid --fork true`
#               and podman run --rm (runc; when podman works here)
#   exec        lilipod exec CTR true into a running busybox container
#   start+stop  lilipod start then stop -t 0 of a busybox container
#   disk        20 started debian containers: du of $LILIPOD_HOME/containers
#               beside the image unpacked (its layer extracted with tar) and
#               the store itself
# Each latency is the median of N runs (default 20) in ms, then its ratio to
# the floor's median from the same mode.
#
# Usage (root, after a build): bench/containers.sh [N]
# Env: LILIPOD (binary, default build/lilipod), FIXTURES (an OCI layout made
# by tests/fixtures/build-images.sh with debian, default build/fixtures),
# LILIPOD_TEST_USER (the rootless user, default lilipodtest).
# Starts its own registry through tests/fixtures/registry.sh and cleans up.
# Not part of ctest. Needs: unshare, tar, curl, jq; podman and runc optional.
set -euo pipefail
cd "$(dirname "$0")/.."

# ---- the measuring side (as root, or as the test user for rootless) ----------
if [ "${1:-}" = --inner ]; then
  mode=$2 n=$3 reg=$4 unpacked=$5
  L=$LILIPOD
  export LILIPOD_HOME=$WORK/$mode/home
  # ms since start, from bash's clock (no fork per sample)
  now() { local t=${EPOCHREALTIME/./}; echo "$t"; }
  # median NAME CMD...: N timed runs of CMD; sets MED (ms), prints nothing.
  samples() {
    local i t0 t1 out=()
    for ((i = 0; i < n; i++)); do
      t0=$(now)
      "$@" >/dev/null
      t1=$(now)
      out+=($(((t1 - t0))))
    done
    MED=$(printf '%s\n' "${out[@]}" | sort -n | awk '{a[NR] = $1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f", m / 1000}')
  }
  row() { printf '  %-34s %9s ms  %s\n' "$1" "$2" "${3:-}"; }
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1fx", a / b}'; }

  "$L" pull -q --tls-verify=false "$reg/busybox" >/dev/null
  "$L" pull -q --tls-verify=false "$reg/debian:bookworm" >/dev/null
  floor_cmd=(unshare --user --map-root-user --mount --pid --fork true)
  samples "${floor_cmd[@]}"
  floor=$MED

  echo "== $mode (uid $(id -u)) =="
  row "floor: unshare ... --fork true" "$floor" "(the baseline below)"
  create_one() { "$L" create "$1" true; }
  samples create_one "$reg/busybox"
  cb=$MED
  row "create busybox (2 MB)" "$cb" "$(ratio "$cb" "$floor") floor"
  samples create_one "$reg/debian:bookworm"
  cd_=$MED
  row "create debian:bookworm (130 MB)" "$cd_" "$(ratio "$cd_" "$floor") floor; debian/busybox $(ratio "$cd_" "$cb")"
  "$L" rm -a >/dev/null

  samples "$L" run --rm "$reg/busybox" true
  run=$MED
  row "run --rm busybox true" "$run" "$(ratio "$run" "$floor") floor"

  if [ -n "${PODMAN:-}" ]; then
    P=($PODMAN --root "$WORK/$mode/podman/root" --runroot "$WORK/$mode/podman/run")
    if "${P[@]}" pull -q --tls-verify=false "$reg/busybox" >"$WORK/$mode/podman.out" 2>&1 &&
      "${P[@]}" run --rm $PODMAN_RUN_OPTS "$reg/busybox" true >>"$WORK/$mode/podman.out" 2>&1; then
      pn=$(( n < 5 ? n : 5 ))
      n_save=$n
      n=$pn
      samples "${P[@]}" run --rm $PODMAN_RUN_OPTS "$reg/busybox" true
      n=$n_save
      pod=$MED
      row "podman run --rm busybox true" "$pod" "$(ratio "$pod" "$floor") floor; podman/lilipod $(ratio "$pod" "$run") (median of $pn)"
    else
      row "podman run --rm busybox true" "-" "podman fails here: $(grep -m1 -i error "$WORK/$mode/podman.out" | cut -c1-90)"
    fi
  else
    row "podman run --rm busybox true" "-" "podman is not installed"
  fi

  "$L" run -d --name bench-exec "$reg/busybox" sleep 100000 >/dev/null
  samples "$L" exec bench-exec true
  ex=$MED
  row "exec CTR true" "$ex" "$(ratio "$ex" "$floor") floor"
  "$L" rm -f -t 0 bench-exec >/dev/null

  "$L" create --name bench-ss "$reg/busybox" sleep 100000 >/dev/null
  start_stop() { "$L" start bench-ss && "$L" stop -t 0 bench-ss; }
  samples start_stop
  ss=$MED
  row "start + stop -t 0" "$ss" "$(ratio "$ss" "$floor") floor"
  "$L" rm -f -t 0 bench-ss >/dev/null

  # ---- disk ----
  for i in $(seq 20); do
    "$L" run -d --name "bench-d$i" "$reg/debian:bookworm" sleep 100000 >/dev/null
  done
  ctrs=$(du -sb "$LILIPOD_HOME/containers" | cut -f1)
  ctrs_k=$(du -sk "$LILIPOD_HOME/containers" | cut -f1)
  store=$(du -sb --exclude=containers "$LILIPOD_HOME" | cut -f1)
  running=$("$L" ps -q | wc -l)
  "$L" rm -af -t 0 >/dev/null
  awk -v c="$ctrs" -v k="$ctrs_k" -v u="$unpacked" -v s="$store" -v r="$running" 'BEGIN {
    printf "  disk, 20 debian containers (%d running): containers/ %d bytes (%d KiB on disk), %.1f KiB each\n", r, c, k, k / 20
    printf "       the image unpacked: %d bytes; 20 copies would be %.0f: containers/ is %.4f of one copy\n", u, 20 * u, c / u
    printf "       the store without containers/: %d bytes (%.2fx the unpacked image)\n", s, s / u
  }'
  rm -rf "$LILIPOD_HOME"
  exit 0
fi

# ---- the driver (root) --------------------------------------------------------
n=${1:-20}
LILIPOD=$(realpath "${LILIPOD:-build/lilipod}")
FIXTURES=$(realpath -m "${FIXTURES:-build/fixtures}")
user=${LILIPOD_TEST_USER:-lilipodtest}
[ "$(id -u)" = 0 ] || { echo "bench/containers.sh: run as root (it benchmarks root and $user)" >&2; exit 1; }
for tool in unshare tar curl jq runuser; do
  command -v "$tool" >/dev/null || { echo "bench/containers.sh: $tool is missing (apt-get install it)" >&2; exit 1; }
done
[ -x "$LILIPOD" ] || { echo "bench/containers.sh: build lilipod first ($LILIPOD)" >&2; exit 1; }
grep -q debian "$FIXTURES/index.json" 2>/dev/null ||
  { echo "bench/containers.sh: no fixtures with debian in $FIXTURES (tests/fixtures/build-images.sh $FIXTURES)" >&2; exit 1; }
id "$user" >/dev/null 2>&1 || { echo "bench/containers.sh: user $user is missing (tests/fixtures/setup-host.sh)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/lilipod-bench-ctr.XXXXXX)
chmod 0755 "$WORK"
cleanup() {
  LILIPOD_HOME="$WORK/rootful/home" "$WORK/lilipod" rm -af -t 0 >/dev/null 2>&1 || true
  runuser -u "$user" -- env LILIPOD_HOME="$WORK/rootless/home" "$WORK/lilipod" rm -af -t 0 >/dev/null 2>&1 || true
  tests/fixtures/registry.sh stop "$WORK/reg" >/dev/null 2>&1 || true
  # The rootless store holds files of subordinate ids: its owner removes it
  # (lilipod's contract: rm -rf by the same user).
  runuser -u "$user" -- rm -rf "$WORK/rootless/home" 2>/dev/null || true
  runuser -u "$user" -- podman unshare rm -rf "$WORK/rootless/podman" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/rootful" "$WORK/rootless"
chown "$user" "$WORK/rootless"
install -d -m 0700 -o "$user" "/tmp/lilipod-run-$(id -u "$user")"
cp "$LILIPOD" "$WORK/lilipod"
cp "$0" "$WORK/containers.sh"
chmod 0755 "$WORK/lilipod" "$WORK/containers.sh"
mkdir -p "$WORK/reg"
tests/fixtures/registry.sh start "$WORK/reg" >/dev/null
tests/fixtures/push-images.sh "$FIXTURES" "$WORK/reg" >/dev/null
# shellcheck disable=SC1091
source "$WORK/reg/registry.env"
reg=$LILIPOD_TEST_REG_PLAIN

# The image unpacked, for the disk figures.
ACCEPT="application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"
layer=$(curl -fsS -H "Accept: $ACCEPT" "http://$reg/v2/debian/manifests/bookworm" | jq -r '.layers[0].digest')
mkdir -p "$WORK/rootfs"
curl -fsS "http://$reg/v2/debian/blobs/$layer" | tar -xz --numeric-owner -C "$WORK/rootfs"
unpacked=$(du -sb "$WORK/rootfs" | cut -f1)
rm -rf "$WORK/rootfs"

# Podman as notes/podman-bench.md found it working here: runc, and ulimits
# root may not raise.
podman_cmd="" podman_opts=""
if command -v podman >/dev/null; then
  podman_cmd="podman"
  command -v runc >/dev/null && podman_cmd="podman --runtime runc"
  podman_opts="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
fi

echo "$("$LILIPOD" --version), $(nproc) CPUs, $(uname -r); medians of $n runs"
LILIPOD=$WORK/lilipod WORK=$WORK PODMAN=$podman_cmd PODMAN_RUN_OPTS=$podman_opts \
  bash "$WORK/containers.sh" --inner rootful "$n" "$reg" "$unpacked"
runuser -u "$user" -- env -i PATH="$PATH" HOME="$(getent passwd "$user" | cut -d: -f6)" \
  XDG_RUNTIME_DIR="/tmp/lilipod-run-$(id -u "$user")" LILIPOD="$WORK/lilipod" WORK="$WORK" \
  PODMAN="$podman_cmd" PODMAN_RUN_OPTS="" bash "$WORK/containers.sh" --inner rootless "$n" "$reg" "$unpacked"
