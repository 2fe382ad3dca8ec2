#!/usr/bin/env bats
# mount, unmount (umount) and unshare, as root and rootless. A rootless user
# mounts inside `lilipod unshare`, so every look at a mount goes through `ns`.

load ../lib/common

setup_file() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  require_registry
  "$LILIPOD" pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox" >/dev/null
}

setup() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  export IMG="$LILIPOD_TEST_REG_PLAIN/busybox:latest"
}

teardown() {
  # A failed test must not leave a mount server behind.
  "$LILIPOD" rm -af >/dev/null 2>&1 || true
}

rootless() { [ "$(id -u)" != 0 ]; }

# Run a shell snippet where this user's mounts are: as root, right here;
# rootless, in `lilipod unshare`. $LILIPOD is the binary.
ns() {
  if rootless; then
    "$LILIPOD" unshare sh -c "$1"
  else
    sh -c "$1"
  fi
}

mount_ctr() { ns '"$LILIPOD" mount '"$*"; }

servers_of() { pgrep -f "__mountd $1" || true; }

@test "mount: the path holds the image; what is written there persists across unmount and start sees it, and back" {
  id=$(lilipod create --name m-persist "$IMG" sh -c 'cat /from-mount; echo from-ctr > /from-ctr')
  run -0 mount_ctr m-persist
  p=$output
  [ "$p" = "$(cd "$LILIPOD_HOME" && pwd -P)/containers/$id/merged" ]
  run -0 ns "grep ^ID= $p/etc/os-release; stat -c '%u:%g %a' $p/home/alice; ls $p/bin/busybox"
  [ "$output" = "$(printf 'ID=lilipod-busybox\n1000:1000 755\n%s' "$p/bin/busybox")" ]
  ns "echo via-mount > $p/from-mount"
  run -0 lilipod unmount m-persist
  [ "$output" = "$id" ]
  [ -z "$(servers_of "$id")" ]
  run -1 ns "test -e $p/etc/os-release"
  run -0 lilipod start -a m-persist
  [ "$output" = via-mount ]
  run -0 mount_ctr m-persist
  [ "$output" = "$p" ]
  run -0 ns "cat $p/from-ctr $p/from-mount"
  [ "$output" = "$(printf 'from-ctr\nvia-mount')" ]
  run -0 lilipod umount m-persist
  lilipod rm m-persist
}

@test "mount: counts mounts, lists them (table, json, --no-trunc), unmount --force, --all, --latest" {
  id=$(lilipod create --name m-count "$IMG" true)
  id2=$(lilipod create --name m-other "$IMG" true)
  p=$(mount_ctr m-count)
  run -0 mount_ctr "$id"
  [ "$output" = "$p" ]
  [ "$(servers_of "$id" | wc -l)" = 1 ]
  run -0 mount_ctr
  [ "$output" = "${id:0:12}  $p" ]
  run -0 mount_ctr --no-trunc
  [ "$output" = "$id  $p" ]
  run -0 mount_ctr --format json
  [ "$(jq -r '.[0].id, .[0].Names[0], .[0].mountpoint, length' <<<"$output")" = "$(printf '%s\nm-count\n%s\n1' "$id" "$p")" ]
  run -125 mount_ctr --format '{{.ID}}'
  [[ "$output" == *'unknown --format argument: "{{.ID}}"'* ]]
  # Two mounts: the first unmount keeps it, the second removes it.
  run -0 lilipod unmount m-count
  run -0 ns "test -e $p/etc/os-release"
  run -0 lilipod unmount m-count
  run -1 ns "test -e $p/etc/os-release"
  run -0 mount_ctr
  [ -z "$output" ]
  run -0 mount_ctr --format json
  [ "$output" = "[]" ]
  # --force: whatever the count.
  mount_ctr m-count >/dev/null
  mount_ctr m-count >/dev/null
  run -0 lilipod umount -f m-count
  [ "$output" = "$id" ]
  run -1 ns "test -e $p/etc/os-release"
  # --latest is the container created last; --all mounts and unmounts every one.
  run -0 mount_ctr --latest
  [ "$output" = "${p/$id/$id2}" ]
  run -0 lilipod umount -l
  [ "$output" = "$id2" ]
  run -0 mount_ctr --all
  [ "$(sort <<<"$output")" = "$(printf '%s\n%s' "$p" "${p/$id/$id2}" | sort)" ]
  run -0 lilipod umount --all
  [ "$(sort <<<"$output")" = "$(printf '%s\n%s' "$id" "$id2" | sort)" ]
  run -0 lilipod umount --all
  [ -z "$output" ]
  [ -z "$(servers_of "$id")$(servers_of "$id2")" ]
  lilipod rm m-count m-other
}

@test "mount: errors as Podman's (no such container, not mounted, flag combinations)" {
  id=$(lilipod create --name m-err "$IMG" true)
  run -125 mount_ctr nosuchbox
  [[ "$output" == *'Error: no container with name or ID "nosuchbox" found: no such container'* ]]
  run -125 lilipod unmount nosuchbox
  [ "$output" = 'Error: no container with name or ID "nosuchbox" found: no such container' ]
  run -125 lilipod unmount m-err
  [ "$output" = "Error: unmounting container $id: unmounting container $id root filesystem: layer is not mounted" ]
  run -0 lilipod unmount -f m-err
  [ "$output" = "$id" ]
  run -125 lilipod unmount
  [ "$output" = "Error: you must provide at least one name or id" ]
  run -125 lilipod unmount -a m-err
  [ "$output" = "Error: no arguments are needed with --all" ]
  run -125 mount_ctr --all --latest
  [[ "$output" == *"Error: --all and --latest cannot be used together"* ]]
  run -125 mount_ctr --latest m-err
  [[ "$output" == *"Error: --latest and containers cannot be used together"* ]]
  lilipod rm m-err
}

@test "mount: start runs a mounted container on its mount; cp goes through it; rm unmounts" {
  id=$(lilipod create --name m-run "$IMG" sh -c 'cat /m; echo ctr > /fromctr; exec sleep 1000')
  p=$(mount_ctr m-run)
  ns "echo set-by-mount > $p/m"
  run -0 lilipod start m-run
  run -0 lilipod exec m-run cat /m
  [ "$output" = set-by-mount ]
  ns "echo again > $p/m2"
  run -0 lilipod exec m-run cat /m2
  [ "$output" = again ]
  run -0 ns "cat $p/fromctr"
  [ "$output" = ctr ]
  # Podman passes over a running container in silence; the mount stays.
  run -0 lilipod unmount m-run
  [ -z "$output" ]
  run -0 mount_ctr m-run
  [ "$output" = "$p" ]
  lilipod stop -t 0 m-run >/dev/null
  run -0 ns "cat $p/m2"
  run -0 lilipod cp m-run:/fromctr "$BATS_TEST_TMPDIR/out"
  [ "$(cat "$BATS_TEST_TMPDIR/out")" = ctr ]
  echo in > "$BATS_TEST_TMPDIR/in"
  run -0 lilipod cp "$BATS_TEST_TMPDIR/in" m-run:/copied
  run -0 ns "cat $p/copied"
  [ "$output" = in ]
  [ -n "$(servers_of "$id")" ]
  run -0 lilipod rm m-run
  [ -z "$(servers_of "$id")" ]
  run -1 ns "test -e $p/etc/os-release"
}

@test "mount: a running container that was not mounted is refused" {
  lilipod run -d --name m-busy "$IMG" sleep 1000 >/dev/null
  run -125 mount_ctr m-busy
  [[ "$output" == *"is running and not mounted"* ]]
  lilipod rm -f -t 0 m-busy >/dev/null
}

@test "unshare: root inside, the containers' id mapping, exit status, LILIPOD_HOME, errors" {
  if ! rootless; then
    run -125 lilipod unshare id -u
    [ "$output" = "Error: please use unshare with rootless" ]
    return
  fi
  run -125 lilipod mount
  [ "$output" = 'Error: cannot run command "lilipod mount" in rootless mode, must execute `lilipod unshare` first' ]
  run -0 lilipod unshare id -u
  [ "$output" = 0 ]
  run -0 lilipod unshare id -g
  [ "$output" = 0 ]
  run -0 lilipod unshare cat /proc/self/uid_map /proc/self/gid_map
  inside=$output
  run -0 lilipod run --rm "$IMG" cat /proc/self/uid_map /proc/self/gid_map
  [ "$output" = "$inside" ]
  # The user's own id is itself inside, as in a container.
  run -0 lilipod unshare sh -c "awk '\$2 == $(id -u) {print \$1}' /proc/self/uid_map"
  [ "$output" = "$(id -u)" ]
  run -7 lilipod unshare sh -c 'exit 7'
  run -0 lilipod unshare sh -c 'echo "$LILIPOD_HOME"; pwd'
  [ "$output" = "$(printf '%s\n%s' "$(cd "$LILIPOD_HOME" && pwd -P)" "$PWD")" ]
  run -3 env SHELL=/bin/sh "$LILIPOD" unshare <<<'id -u; exit 3'
  [ "$output" = 0 ]
  run -125 env -u SHELL "$LILIPOD" unshare
  [ "$output" = "Error: no command specified and no \$SHELL specified" ]
  run -127 lilipod unshare no-such-command
  [ "$output" = 'Error: exec: "no-such-command": executable file not found in $PATH' ]
  run -126 lilipod unshare /etc
  [[ "$output" == "Error: fork/exec /etc: "* ]]
}

@test "unshare: a later session sees an earlier one's mount; unmount works outside; the store stays the user's" {
  id=$(lilipod create --name m-ns "$IMG" true)
  p=$(mount_ctr m-ns)
  run -0 ns "echo from-first > $p/f; stat -c %u $p/f"
  [ "$output" = 0 ]
  run -0 ns "cat $p/f; \"\$LILIPOD\" mount"
  [ "$output" = "$(printf 'from-first\n%s  %s' "${id:0:12}" "$p")" ]
  run -0 lilipod unmount m-ns
  run -1 ns "test -e $p/etc/os-release"
  run -0 lilipod rm m-ns
  # Nothing lilipod wrote belongs to another id (rootless: `rm -rf` works).
  run -0 find "$LILIPOD_HOME" ! -user "$(id -u)"
  [ -z "$output" ]
}
