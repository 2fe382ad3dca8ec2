#!/usr/bin/env bats
# lilipod system check [--repair] on a store with real pulled images, damaged
# behind lilipod's back; and the store staying consistent under concurrent
# pulls, rmi racing pull, and a full disk.

load ../lib/common

setup() {
  common_setup
  require_registry
  export HOME="$BATS_TEST_TMPDIR/userhome"
  mkdir -p "$HOME"
  export CONTAINERS_REGISTRIES_CONF="$BATS_TEST_TMPDIR/registries.conf"
  : >"$CONTAINERS_REGISTRIES_CONF"
}

pull() {
  run --separate-stderr lilipod pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/$1"
  [ "$status" -eq 0 ] || { echo "pull $1: $stderr"; false; }
}

# The largest content object in the store (busybox's binary).
largest_object() {
  find "$LILIPOD_HOME/objects" -type f -printf '%s %p\n' | sort -n | tail -n 1 | cut -d' ' -f2
}

# sqlite3 DB SQL, through python3 (the sqlite3 shell is not a dependency).
sqlite3() {
  python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for row in c.execute(sys.argv[2]):
    print("|".join(str(v) for v in row))
c.commit()' "$@"
}

check_ok() {
  run --separate-stderr lilipod system check
  [ "$status" -eq 0 ] || { echo "check: $output $stderr"; false; }
  [[ "$output" =~ ^OK:\ [0-9]+\ images,\ [0-9]+\ layers,\ [0-9]+\ objects\ \(.*\),\ [0-9]+\ containers$ ]]
}

@test "system check: a freshly pulled store is OK" {
  pull busybox
  check_ok
  [[ "$output" == "OK: 1 images, 1 layers, "* ]]
  run lilipod system check --repair
  [ "$status" -eq 0 ]
  [[ "$output" == OK:* ]]
}

@test "system check: a flipped byte in an object is found; --repair drops it and says to pull again" {
  pull busybox
  obj=$(largest_object)
  hex=$(basename "$(dirname "$obj")")$(basename "$obj")
  printf 'Z' | dd of="$obj" bs=1 seek=1000 conv=notrunc status=none
  run --separate-stderr lilipod system check
  [ "$status" -eq 1 ]
  [[ "${lines[0]}" == "object $hex: content hashes to sha256:"*" (used by $LILIPOD_TEST_REG_PLAIN/busybox:latest)" ]]
  [ "${lines[-1]}" = "1 problems found (lilipod system check --repair fixes what it can)" ]

  run --separate-stderr lilipod system check --repair
  [ "$status" -eq 1 ]
  [[ "${lines[0]}" == "object $hex: "*": not repaired: remove and pull again what uses it: "*"$LILIPOD_TEST_REG_PLAIN/busybox:latest)" ]]
  [ "${lines[-1]}" = "1 problems found, 0 repaired, 1 left" ]
  [ ! -e "$obj" ]

  # What the hint says brings the image back whole.
  run lilipod rmi "$LILIPOD_TEST_REG_PLAIN/busybox"
  [ "$status" -eq 0 ]
  run lilipod image prune -f
  [ "$status" -eq 0 ]
  pull busybox
  check_ok
  [ "$(sha256sum "$obj" | cut -d' ' -f1)" = "$hex" ]
}

@test "system check: a deleted object is found and not repairable" {
  pull busybox
  obj=$(largest_object)
  rm "$obj"
  run lilipod system check
  [ "$status" -eq 1 ]
  [[ "${lines[0]}" == *": missing (used by $LILIPOD_TEST_REG_PLAIN/busybox:latest)" ]]
  run lilipod system check --repair
  [ "$status" -eq 1 ]
  [[ "${lines[0]}" == *"not repaired: remove and pull again"* ]]
}

@test "system check: garbage (orphan object, tmp leftover, container dir) is found and --repair removes it" {
  pull busybox
  mkdir -p "$LILIPOD_HOME/objects/ee"
  orphan=$LILIPOD_HOME/objects/ee/$(printf 'e%.0s' {1..62})
  echo nobody >"$orphan"
  echo half >"$LILIPOD_HOME/tmp/ingest-leftover"
  mkdir -p "$LILIPOD_HOME/containers/deadbeef/upper"
  run lilipod system check
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 4 ]
  grep -qx "objects/ee/$(basename "$orphan"): no layer or image uses it" <<<"$output"
  grep -qx "tmp/ingest-leftover: left over by an interrupted ingest" <<<"$output"
  grep -qx "containers/deadbeef: no container has this directory" <<<"$output"
  run lilipod system check --repair
  [ "$status" -eq 0 ]
  [ "$(grep -c ': repaired$' <<<"$output")" -eq 3 ]
  [ "${lines[-1]}" = "3 problems found, 3 repaired, 0 left" ]
  [ ! -e "$orphan" ] && [ ! -e "$LILIPOD_HOME/tmp/ingest-leftover" ] && [ ! -e "$LILIPOD_HOME/containers/deadbeef" ]
  check_ok
}

@test "system check: a deleted tree row is found and --repair rebuilds the tree" {
  pull busybox
  etc="SELECT id FROM tree_nodes WHERE name = CAST('etc' AS BLOB) AND parent = (SELECT root_node FROM images)"
  sqlite3 "$LILIPOD_HOME/store.db" "DELETE FROM tree_nodes WHERE name = CAST('passwd' AS BLOB) AND parent = ($etc)"
  run lilipod system check
  [ "$status" -eq 1 ]
  [[ "${lines[0]}" == "image sha256:"*": its tree differs from its layers in 1 entries (first: /etc/passwd)" ]]
  run lilipod system check --repair
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *": repaired" ]]
  check_ok
  [ "$(sqlite3 "$LILIPOD_HOME/store.db" "SELECT count(*) FROM tree_nodes WHERE name = CAST('passwd' AS BLOB) AND parent = ($etc)")" -eq 1 ]
}

@test "concurrency: 8 pulls at once, of the same and different images, all succeed and the store checks OK" {
  pids=()
  i=0
  for img in busybox multilayer busybox-zstd busybox-docker busybox multilayer busybox-zstd busybox-docker; do
    lilipod pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/$img" >"$BATS_TEST_TMPDIR/pull$i.out" 2>&1 &
    pids+=($!)
    i=$((i + 1))
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { cat "$BATS_TEST_TMPDIR/pull$i.out"; false; }
  done
  for img in busybox multilayer busybox-zstd busybox-docker; do
    lilipod image exists "$LILIPOD_TEST_REG_PLAIN/$img"
  done
  check_ok
}

@test "concurrency: rmi racing pull of the same image fails cleanly or succeeds, and the store checks OK" {
  pull busybox
  for round in 1 2 3 4; do
    lilipod pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/multilayer" >"$BATS_TEST_TMPDIR/p.out" 2>&1 &
    p=$!
    sleep "0.0$((round * 2))" # land the rmi at different points of the pull
    lilipod rmi -f "$LILIPOD_TEST_REG_PLAIN/multilayer" >"$BATS_TEST_TMPDIR/r.out" 2>&1 &
    r=$!
    wait $p && ps=0 || ps=$?
    wait $r && rs=0 || rs=$?
    # Success, or lilipod's own error exit with an Error: line; never a crash.
    [ "$ps" -eq 0 ] || { [ "$ps" -eq 125 ] && grep -q '^Error: ' "$BATS_TEST_TMPDIR/p.out"; } || { cat "$BATS_TEST_TMPDIR/p.out"; false; }
    [ "$rs" -eq 0 ] || { [ "$rs" -ne 0 ] && [ "$rs" -lt 128 ] && grep -q '^Error: ' "$BATS_TEST_TMPDIR/r.out"; } || { cat "$BATS_TEST_TMPDIR/r.out"; false; }
    check_ok
  done
  # Whatever happened, pulling again gives a whole image.
  pull multilayer
  check_ok
}

# Runs inside a private mount namespace (a user namespace too when not root):
# a 3 MB tmpfs becomes LILIPOD_HOME; prints what happened, one fact a line.
full_disk_script() {
  cat <<'SH'
set -u
dir=$1
mount -t tmpfs -o size=3m tmpfs "$dir" || { echo "mount failed"; exit 1; }
export LILIPOD_HOME=$dir/home
"$LILIPOD" pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/debian:bookworm" >"$dir.out" 2>"$dir.err"
echo "debian: $?"
grep -qi 'no space left on device' "$dir.err" && echo "says: no space left on device"
"$LILIPOD" system check >"$dir.out"; echo "check after debian: $? $(cat "$dir.out")"
# Fill the disk: busybox does not fit; free it again: it does.
dd if=/dev/zero of="$dir/filler" bs=64k count=32 status=none 2>/dev/null
"$LILIPOD" pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox" >/dev/null 2>"$dir.err"
echo "busybox on a full disk: $?"
"$LILIPOD" system check >"$dir.out"; echo "check after busybox: $? $(cat "$dir.out")"
rm "$dir/filler"
"$LILIPOD" pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox" >/dev/null 2>"$dir.err"
echo "busybox after freeing space: $? $(cat "$dir.err")"
"$LILIPOD" system check >"$dir.out"; echo "check at the end: $? $(cat "$dir.out")"
SH
}

@test "full disk: a pull that runs out of space fails clearly, leaves the store OK, and works once space is freed" {
  if [ "$(id -u)" = 0 ]; then ns=(unshare -m); else ns=(unshare -Urm); fi
  mkdir "$BATS_TEST_TMPDIR/disk"
  full_disk_script >"$BATS_TEST_TMPDIR/full-disk.sh"
  run env LILIPOD="$LILIPOD" "${ns[@]}" bash "$BATS_TEST_TMPDIR/full-disk.sh" "$BATS_TEST_TMPDIR/disk"
  echo "$output"
  [ "${lines[0]}" = "debian: 125" ]
  [ "${lines[1]}" = "says: no space left on device" ]
  [[ "${lines[2]}" == "check after debian: 0 OK: 0 images, 0 layers, 0 objects"* ]]
  [ "${lines[3]}" = "busybox on a full disk: 125" ]
  [[ "${lines[4]}" == "check after busybox: 0 OK: 0 images, 0 layers, 0 objects"* ]]
  [ "${lines[5]}" = "busybox after freeing space: 0 " ]
  [[ "${lines[6]}" == "check at the end: 0 OK: 1 images, 1 layers, 1 objects"* ]]
}
