#!/usr/bin/env bats
# A full disk under containers: create, start, and writes inside a running
# container fail with a clear error (or succeed), the store stays consistent
# (system check clean), deleting inside the container and `rm` still work,
# and everything works again once there is space.
#
# Root only: the disk is a small tmpfs mounted as LILIPOD_HOME's file system,
# which only root can do without a user namespace of its own (and lilipod in
# such a namespace would take itself for root). The rootless half runs
# lilipod as the test user on a tmpfs root mounted for that user.

load ../lib/common

setup() {
  common_setup
  require_registry
  disk=$(mktemp -d /tmp/lilipod-fulldisk.XXXXXX)
  chmod 755 "$disk"
  mkdir "$disk/fs" "$disk/bin"
  cp "$LILIPOD" "$disk/bin/lilipod"
  chmod 755 "$disk/bin" "$disk/bin/lilipod"
}

teardown() {
  if mountpoint -q "$disk/fs"; then
    rm -f "$disk/fs/filler"
    as lilipod rm -fa -t 0 >/dev/null 2>&1 || true
    umount -l "$disk/fs"
  fi
  rm -rf "$disk"
}

# mount_disk root|user SIZE: a SIZE tmpfs owned by whom the test runs as.
mount_disk() {
  who=$1
  local opts="size=$2,mode=0755"
  if [ "$who" = user ]; then
    user=${LILIPOD_TEST_USER:-lilipodtest}
    id "$user" >/dev/null || { echo "the test user $user is missing: run tests/fixtures/setup-host.sh"; return 1; }
    opts+=",uid=$(id -u "$user"),gid=$(id -g "$user")"
  fi
  mount -t tmpfs -o "$opts" lilipod-fulldisk "$disk/fs"
  as lilipod pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox" >/dev/null
}

# as lilipod ARGS...: run lilipod as root or as the test user on the disk.
as() {
  shift # "lilipod"
  local envs=(LILIPOD_HOME="$disk/fs/home" XDG_CONFIG_HOME="$disk/fs/config")
  if [ "$who" = root ]; then
    env "${envs[@]}" "$disk/bin/lilipod" "$@"
  else
    (cd /tmp && runuser -u "$user" -- env -i PATH="$PATH" HOME="$disk/fs" "${envs[@]}" "$disk/bin/lilipod" "$@")
  fi
}

fill() { dd if=/dev/zero of="$disk/fs/filler" bs=64k status=none 2>/dev/null || true; }
unfill() { rm -f "$disk/fs/filler"; }

check_ok() { # check_ok N: the store checks OK with N containers
  run --separate-stderr as lilipod system check
  [ "$status" -eq 0 ] || { echo "check: $output $stderr"; false; }
  [[ "$output" == OK:*", $1 containers" ]] || { echo "check: $output"; false; }
}

says_full() { grep -Eq 'No space left on device|database or disk is full' <<<"$1"; }

create_and_start() {
  fill
  # create needs almost no space: it may succeed for a while; the first one
  # that does not fails clearly and leaves nothing behind.
  n=0
  for k in $(seq 300); do # not $i: bats' run uses it
    run --separate-stderr as lilipod create --name "c$k" busybox echo hi
    [ "$status" -eq 0 ] || break
    n=$k
  done
  [ "$status" -eq 125 ] || { echo "create $k: exit $status: $stderr"; false; }
  says_full "$stderr" || { echo "create $k: $stderr"; false; }
  run -0 as lilipod ps -aq
  [ "${#lines[@]}" -eq "$n" ]
  [ "$(ls "$disk/fs/home/containers" | wc -l)" -eq "$n" ]
  check_ok "$n"
  if [ "$n" -gt 0 ]; then
    run --separate-stderr as lilipod start -a c1
    [ "$status" -eq 125 ] && says_full "$stderr" || { echo "start: exit $status: $output $stderr"; false; }
    run -0 as lilipod inspect --format '{{.State.Status}}' c1
    [ "$output" = created ]
  fi
  check_ok "$n"
  unfill
  run -0 as lilipod create --name after busybox echo hi
  run -0 as lilipod start -a after
  [ "$output" = hi ]
  run -0 as lilipod rm -a
  check_ok 0
}

writes_inside() {
  run -0 as lilipod run -d --name w busybox sleep 1000
  # The container fills the disk itself.
  run as lilipod exec w dd if=/dev/zero of=/big bs=64k
  [ "$status" -eq 1 ] && [[ "$output" == *"No space left on device"* ]] || { echo "dd: $status $output"; false; }
  run as lilipod exec w sh -c 'echo x > /new'
  [ "$status" -ne 0 ] && [[ "$output" == *"No space left on device"* ]] || { echo "write: $status $output"; false; }
  run -0 as lilipod ps --format '{{.Names}} {{.State}}'
  [ "$output" = "w running" ]
  check_ok 1
  # Deleting frees space even with the disk full.
  run -0 as lilipod exec w rm /big
  run -0 as lilipod exec w sh -c 'echo keep > /keep && sync /keep && echo after > /new && cat /new /keep'
  [ "$output" = "$(printf 'after\nkeep')" ]
  run -0 as lilipod stop -t 0 w
  run -0 as lilipod start w
  run -0 as lilipod exec w cat /keep /new
  [ "$output" = "$(printf 'keep\nafter')" ]
  run -0 as lilipod rm -f -t 0 w
  check_ok 0
}

fills_and_exits() {
  # The container fills the disk and exits with it full: its exit is still
  # recorded, and rm of it frees the space even once the store's own
  # reserve is used up.
  run as lilipod run --name big busybox sh -c 'dd if=/dev/zero of=/big bs=64k 2>/dev/null; exit 3'
  [ "$status" -eq 3 ] || { echo "run: $status $output"; false; }
  run -0 as lilipod ps -a --format '{{.Names}} {{.Status}}'
  [[ "$output" == "big Exited (3) "* ]]
  for k in $(seq 300); do
    as lilipod create --name "c$k" busybox true >/dev/null 2>&1 || break
  done
  run -0 as lilipod rm big
  run -0 as lilipod rm -a
  check_ok 0
}

@test "full disk, root: create and start fail clearly, leave nothing, and work once space is freed" {
  mount_disk root 6m
  create_and_start
}

@test "full disk, rootless: create and start fail clearly, leave nothing, and work once space is freed" {
  mount_disk user 6m
  create_and_start
}

@test "full disk, root: writes in a running container fail with ENOSPC, rm inside still works, data survives" {
  mount_disk root 6m
  writes_inside
}

@test "full disk, rootless: writes in a running container fail with ENOSPC, rm inside still works, data survives" {
  mount_disk user 6m
  writes_inside
}

@test "full disk, root: a container that filled the disk exits recorded and rm frees it" {
  mount_disk root 8m
  fills_and_exits
}

@test "full disk, rootless: a container that filled the disk exits recorded and rm frees it" {
  mount_disk user 8m
  fills_and_exits
}
