#!/usr/bin/env bats
# inspect -s and ps -s: SizeRw (the container's upper: data/ and meta.db)
# and SizeRootFs (the image's size plus SizeRw), as Podman reports them.

load ../lib/common

setup_file() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  require_registry
  "$LILIPOD" pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox" >/dev/null
}

setup() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
}

upper_bytes() {
  find "$LILIPOD_HOME/containers/$1/upper" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'
}

@test "inspect -s: SizeRw is the upper's bytes, SizeRootFs the image's size plus that" {
  img=$(lilipod image inspect --format '{{.Size}}' busybox)
  id=$(lilipod create --name s1 busybox sh -c 'head -c 100000 /dev/zero >/big')
  run -0 lilipod inspect -s --format '{{.SizeRw}} {{.SizeRootFs}}' s1
  [ "$output" = "0 $img" ]
  lilipod start -a s1
  rw=$(upper_bytes "$id")
  [ "$rw" -ge 100000 ]
  run -0 lilipod inspect -s --format '{{.SizeRw}} {{.SizeRootFs}}' s1
  [ "$output" = "$rw $((img + rw))" ]
  # In the JSON just before Mounts, as Podman; absent without -s.
  run -0 lilipod inspect -s s1
  [ "$(jq -r '.[0] | keys_unsorted | index("SizeRw") + 2 == index("Mounts")' <<<"$output")" = true ]
  run -0 lilipod inspect s1
  [ "$(jq -r '.[0] | has("SizeRw") or has("SizeRootFs")' <<<"$output")" = false ]
  lilipod rm s1
}

@test "ps -s: the SIZE column and the JSON Size object" {
  id=$(lilipod create --name s2 busybox sh -c 'head -c 200000 /dev/zero >/big')
  lilipod start -a s2
  rw=$(upper_bytes "$id")
  img=$(lilipod image inspect --format '{{.Size}}' busybox)
  run -0 lilipod ps -a -s --format '{{.Names}} {{.Size}}'
  [[ "$output" =~ ^s2\ [0-9.]+kB\ \(virtual\ [0-9.]+MB\)$ ]]
  run -0 lilipod ps -a -s
  [[ "${lines[0]}" == *"NAMES       SIZE" ]]
  [[ "${lines[1]}" == *"kB (virtual "*"MB)" ]]
  run -0 lilipod ps -a -s --format json
  [ "$(jq -r '.[0].Size | "\(.rwSize) \(.rootFsSize)"' <<<"$output")" = "$rw $((img + rw))" ]
  lilipod rm s2
}
