#!/usr/bin/env bats
# valgrind memcheck on a CLI subset (pull, create, inspect, ps, images, rm,
# rmi, system check) of the plain build: no invalid access, no uninitialised
# value used, no leak (definite or possible), in the command itself.
# Processes it forks and that end with _exit (the rootless rm's user-namespace
# helper, say) are left out: they hold the parent's memory by design.

load ../lib/common

setup() {
  common_setup
  require_registry
  command -v valgrind >/dev/null || { echo "valgrind is missing: install it (scripts/deps does)"; return 1; }
  export HOME="$BATS_TEST_TMPDIR/userhome"
  mkdir -p "$HOME"
}

# vg ARGS...: lilipod under memcheck; exit 99 means memcheck found errors.
vg() {
  valgrind -q --error-exitcode=99 --leak-check=full --child-silent-after-fork=yes "$LILIPOD" "$@"
}

# vg_ok EXPECTED_STATUS ARGS...
vg_ok() {
  local want=$1
  shift
  run --separate-stderr vg "$@"
  [ "$status" -eq "$want" ] || { echo "lilipod $*: exit $status (want $want)"; echo "$stderr"; false; }
}

@test "valgrind: pull (gzip, zstd, docker, multi-layer; a failing one) is memcheck clean" {
  vg_ok 0 pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox"
  vg_ok 0 pull --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/multilayer"
  vg_ok 0 pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox-zstd"
  vg_ok 0 pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox-docker"
  vg_ok 125 pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/no-such-image"
  [[ "$stderr" == Error:*"manifest unknown"* ]]
}

@test "valgrind: create, inspect, ps, images, rm, rmi and system check are memcheck clean" {
  run -0 lilipod pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox"
  run -0 lilipod pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/multilayer"
  vg_ok 0 create --name v1 busybox true
  vg_ok 0 create --name v2 -v /data -e A=1 --label x=y -w /tmp --user 1000 multilayer sh -c 'echo hi'
  vg_ok 125 create --name v1 busybox true
  vg_ok 0 inspect v1
  [ "$(jq -r '.[0].Name' <<<"$output")" = v1 ]
  vg_ok 0 inspect --format '{{.Config.Env}} {{json .State}} {{range .Mounts}}{{.Destination}}{{end}}' v2
  vg_ok 0 inspect busybox
  vg_ok 0 ps -a
  [ "${#lines[@]}" -eq 3 ]
  vg_ok 0 ps -a --format '{{.Names}} {{.Labels}} {{.Status}}' --filter label=x
  [ "$output" = "v2 map[x:y] Created" ]
  vg_ok 0 ps -a --format json
  vg_ok 0 images
  vg_ok 0 images --format '{{.Repository}}:{{.Tag}} {{.ID}}' --digests
  vg_ok 0 system check
  vg_ok 0 rm v1
  vg_ok 2 rmi multilayer
  vg_ok 0 rmi -f multilayer
  vg_ok 1 rm v2
  vg_ok 0 system check
}
