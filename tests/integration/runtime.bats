#!/usr/bin/env bats
# The namespace launcher, driven through the hidden `lilipod __launch` and
# `lilipod __exec` commands on a busybox rootfs built here. Runs as root and
# as the unprivileged test user (tests/run-bats).

bats_require_minimum_version 1.5.0

load ../lib/runtime

@test "container root by default, with the keep-id map for a rootless user" {
  run --separate-stderr launch "$ROOTFS" -- sh -c 'id -u; id -g; cat /proc/self/uid_map'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ]
  [ "${lines[1]}" = 0 ]
  map=$(printf '%s\n' "${lines[@]:2}" | awk '{print $1, $2, $3}')
  me=$(id -u)
  if [ "$me" = 0 ]; then
    [ "$map" = "0 0 4294967295" ]
  else
    read -r start count < <(awk -F: -v u="$(id -un)" -v id="$me" '$1==u || $1==id {print $2, $3; exit}' /etc/subuid)
    expected=$(printf '0 %d %d\n%d %d 1\n%d %d %d' "$start" "$me" "$me" "$me" $((me + 1)) $((start + me)) $((count - me)))
    echo "got: $map"; echo "want: $expected"
    [ "$map" = "$expected" ]
  fi
}

@test "-u 1000 and -u alice run as that user with groups and HOME" {
  run --separate-stderr launch -u 1000 "$ROOTFS" -- id -u
  [ "$status" -eq 0 ]
  [ "$output" = 1000 ]
  run --separate-stderr launch -u alice -w /tmp "$ROOTFS" -- sh -c 'id -u; id -g; id -G; echo $HOME; pwd'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1000 ]
  [ "${lines[1]}" = 1000 ]
  [[ " ${lines[2]} " == *" 10 "* ]]
  [ "${lines[3]}" = /home/alice ]
  [ "${lines[4]}" = /tmp ]
  run --separate-stderr launch -u 0:10 -e FOO=bar -e HOME=/a -e HOME=/b "$ROOTFS" -- sh -c 'id -g; echo $FOO; env | grep -c ^HOME=; echo $HOME'
  [ "${lines[0]}" = 10 ]
  [ "${lines[1]}" = bar ]
  [ "${lines[2]}" = 1 ]
  [ "${lines[3]}" = /b ]
}

@test "an unknown user is lilipod's error (125)" {
  run launch -u nobodyhere "$ROOTFS" -- true
  [ "$status" -eq 125 ]
  [[ "$output" == *"Error:"*"unable to find user nobodyhere"* ]]
}

@test "hostname, /etc/hostname and /etc/hosts" {
  run --separate-stderr launch --hostname box1 "$ROOTFS" -- sh -c 'hostname; cat /etc/hostname; grep box1 /etc/hosts; grep -c localhost /etc/hosts'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = box1 ]
  [ "${lines[1]}" = box1 ]
  [ "${lines[2]}" = "$(printf '127.0.1.1\tbox1')" ]
  [ "${lines[3]}" = 2 ]
}

@test "a private pid namespace has a fresh /proc; --pid host shows the host's" {
  run --separate-stderr launch "$ROOTFS" -- sh -c 'echo $$; ls /proc | grep -c "^[0-9]"'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1 ]
  [ "${lines[1]}" -le 3 ]
  run --separate-stderr launch --pid host "$ROOTFS" -- sh -c 'echo $$; cat /proc/1/comm >/dev/null && echo host-init'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" != 1 ]
  [ "${lines[1]}" = host-init ]
}

@test "lo is up in a private network namespace" {
  run --separate-stderr launch --network none "$ROOTFS" -- sh -c 'ip -o link show; cat /sys/class/net/lo/flags'
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | grep -c ': ')" -eq 1 ] # only lo
  [[ "${lines[0]}" == *"lo: <LOOPBACK,UP"* ]]
}

@test "/run/.containerenv is shell-sourceable and names the engine" {
  run --separate-stderr launch --name box1 --id abc123 --image docker.io/library/busybox:latest "$ROOTFS" -- cat /run/.containerenv
  [ "$status" -eq 0 ]
  rootless=1
  [ "$(id -u)" = 0 ] && rootless=0
  expected=$(printf 'engine="lilipod"\nname="box1"\nid="abc123"\nimage="docker.io/library/busybox:latest"\nimageid=""\nrootless=%s' $rootless)
  [ "$output" = "$expected" ]
}

@test "a :ro volume is read-only even to container root; rw volumes write through" {
  mkdir -p "$BATS_TEST_TMPDIR/ro" "$BATS_TEST_TMPDIR/rw"
  echo kept >"$BATS_TEST_TMPDIR/ro/file"
  run launch -v "$BATS_TEST_TMPDIR/ro:/data:ro" -v "$BATS_TEST_TMPDIR/rw:/out" "$ROOTFS" -- sh -c 'cat /data/file; echo new > /out/x; echo bad > /data/file'
  [ "$status" -ne 0 ]
  [[ "$output" == *"Read-only file system"* ]]
  [ "$(cat "$BATS_TEST_TMPDIR/ro/file")" = kept ]
  [ "$(cat "$BATS_TEST_TMPDIR/rw/x")" = new ]
  run launch -v "$BATS_TEST_TMPDIR/ro:/data:ro" "$ROOTFS" -- sh -c 'mount -o remount,rw /data 2>/dev/null; touch /data/y'
  [ "$status" -ne 0 ]
  [ ! -e "$BATS_TEST_TMPDIR/ro/y" ]
}

@test "a file binds onto a file; missing targets are created" {
  echo "hello from the host" >"$BATS_TEST_TMPDIR/motd"
  run --separate-stderr launch -v "$BATS_TEST_TMPDIR/motd:/etc/deep/motd:ro" "$ROOTFS" -- cat /etc/deep/motd
  [ "$status" -eq 0 ]
  [ "$output" = "hello from the host" ]
}

@test "volumes apply in order: /dev, then /dev/pts, then /dev/null onto /dev/ptmx" {
  run --separate-stderr launch --privileged -v /dev:/dev:rslave -v /dev/pts -v /dev/null:/dev/ptmx "$ROOTFS" -- sh -c 'stat -c "%t,%T" /dev/ptmx; awk "\$5==\"/dev/pts\"" /proc/self/mountinfo | wc -l; ls /dev/pts | wc -l; test -e /dev/fuse && echo host-dev'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "1,3" ]
  [ "${lines[1]}" -ge 1 ]
  [ "${lines[2]}" = 0 ]
  [ "${lines[3]}" = host-dev ]
}

@test "tmpfs mounts" {
  run --separate-stderr launch --tmpfs /run/lock:mode=0700 "$ROOTFS" -- sh -c 'stat -c %a /run/lock; awk "\$5==\"/run/lock\" {print \$9}" /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 700 ]
  [ "${lines[1]}" = tmpfs ]
}

@test "masked paths are empty and read-only paths are read-only" {
  run --separate-stderr launch "$ROOTFS" -- sh -c 'wc -c </proc/keys; ls -A /sys/firmware | wc -l; awk "\$5==\"/proc/sys\" {print substr(\$6,1,2)}" /proc/self/mountinfo; echo x > /proc/sys/kernel/hostname || echo denied'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ]
  [ "${lines[1]}" = 0 ]
  [ "${lines[2]}" = ro ]
  [ "${lines[3]}" = denied ]
  run --separate-stderr launch --privileged "$ROOTFS" -- sh -c 'wc -c </proc/keys'
  [ "$output" != 0 ] || [ "$(wc -c </proc/keys)" = 0 ]
}

@test "exit codes: the command's own, 127 not found, 126 not executable" {
  run launch "$ROOTFS" -- sh -c 'exit 7'
  [ "$status" -eq 7 ]
  run -127 launch "$ROOTFS" -- no-such-command
  [ "$status" -eq 127 ]
  [[ "$output" == *"no-such-command"*"not found"* ]]
  run launch "$ROOTFS" -- /bin/noexec
  [ "$status" -eq 126 ]
  [[ "$output" == *"Permission denied"* ]]
  run -127 launch "$ROOTFS" -- /no/such/path
  [ "$status" -eq 127 ]
  run launch "$BATS_TEST_TMPDIR/missing-rootfs" -- true
  [ "$status" -eq 125 ]
  [[ "$output" == *"Error:"* ]]
}

@test "/ is a mount point: mount --make-rshared / works with privileges" {
  run --separate-stderr launch --privileged "$ROOTFS" -- sh -c 'mount --make-rshared / && echo ok; awk "\$5==\"/\" {print \$7}" /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = ok ]
  [[ "${lines[1]}" == shared:* ]]
}

@test "capabilities: Podman's default set for root, none for a user, all when privileged" {
  run --separate-stderr launch "$ROOTFS" -- sh -c 'grep -E "^Cap(Eff|Bnd)" /proc/self/status'
  [ "${lines[0]}" = "$(printf 'CapEff:\t00000000800405fb')" ]
  [ "${lines[1]}" = "$(printf 'CapBnd:\t00000000800405fb')" ]
  run --separate-stderr launch -u 1000 "$ROOTFS" -- sh -c 'grep -E "^CapEff" /proc/self/status'
  [ "$output" = "$(printf 'CapEff:\t0000000000000000')" ]
  run --separate-stderr launch --cap-add SYS_ADMIN --cap-drop CAP_KILL "$ROOTFS" -- sh -c 'grep -E "^CapEff" /proc/self/status'
  [ "$output" = "$(printf 'CapEff:\t00000000802405db')" ]
  # Privileged gets every capability there is to get: as root, the bounding
  # set we run with; in a new user namespace (whose bounding set the kernel
  # fills), every capability the kernel knows.
  bnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
  if [ "$(id -u)" != 0 ]; then
    bnd=$(printf '%016x' $(((1 << ($(cat /proc/sys/kernel/cap_last_cap) + 1)) - 1)))
  fi
  run --separate-stderr launch --privileged "$ROOTFS" -- sh -c 'grep -E "^CapEff" /proc/self/status'
  [ "$output" = "$(printf 'CapEff:\t%s' "$bnd")" ]
}

@test "no_new_privs is set unless privileged" {
  run --separate-stderr launch "$ROOTFS" -- grep NoNewPrivs /proc/self/status
  [ "$output" = "$(printf 'NoNewPrivs:\t1')" ]
  run --separate-stderr launch --privileged "$ROOTFS" -- grep NoNewPrivs /proc/self/status
  [ "$output" = "$(printf 'NoNewPrivs:\t0')" ]
}

@test "--init reaps orphans and forwards SIGTERM" {
  run --separate-stderr launch --init "$ROOTFS" -- sh -c 'echo $$; (sleep 0 &); sleep 1; cat /proc/[0-9]*/stat | awk "{print \$3}" | grep -c Z'
  [ "${lines[0]}" = 2 ]
  [ "${lines[1]}" = 0 ]
  pidfile="$BATS_TEST_TMPDIR/pid"
  launch --init --pidfile "$pidfile" "$ROOTFS" -- sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done' &
  job=$!
  for _ in $(seq 100); do [ -s "$pidfile" ] && break; sleep 0.1; done
  sleep 0.3
  kill -TERM "$(cat "$pidfile")"
  rc=0
  wait "$job" || rc=$?
  [ "$rc" -eq 42 ]
}

@test "__exec joins a running container's namespaces" {
  pidfile="$BATS_TEST_TMPDIR/pid"
  launch --hostname inner --pidfile "$pidfile" "$ROOTFS" -- sleep 60 &
  job=$!
  for _ in $(seq 100); do [ -s "$pidfile" ] && break; sleep 0.1; done
  pid=$(cat "$pidfile")
  run --separate-stderr "$LILIPOD" __exec -u alice -w /tmp -e A=b "$pid" -- sh -c 'hostname; id -u; pwd; echo $A; pidof sleep; exit 3'
  kill -KILL "$pid" || true
  wait "$job" || true
  [ "$status" -eq 3 ]
  [ "${lines[0]}" = inner ]
  [ "${lines[1]}" = 1000 ]
  [ "${lines[2]}" = /tmp ]
  [ "${lines[3]}" = b ]
  [ "${lines[4]}" = 1 ]
}

@test "-t gives the command a pty of the container's own devpts, owned by the user" {
  run --separate-stderr launch -t -u 1000 "$ROOTFS" -- sh -c 'tty; stat -c %u "$(tty)"; ls -l /dev/console | cut -c1; exit 5' </dev/null
  [ "$status" -eq 5 ]
  [[ "$output" == *"/dev/pts/0"* ]]
  [[ "$output" == *"1000"* ]]
  [[ "$output" == *"c"* ]]
}

@test "a FUSE rootfs served from the launcher's namespace: the container pivots in its own" {
  command -v fuse-overlayfs >/dev/null || { echo "fuse-overlayfs is missing: install it (scripts/deps does)" >&2; false; }
  run --separate-stderr launch --fuse-overlay "$ROOTFS" -- sh -c 'echo written > /newfile; cat /newfile; awk "\$5==\"/\" {for (i=7;i<=NF;i++) if (\$i==\"-\") print \$(i+1)}" /proc/self/mountinfo; echo $$'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = written ]
  [ "${lines[1]}" = fuse.fuse-overlayfs ]
  [ "${lines[2]}" = 1 ]
  [ ! -e "$ROOTFS/newfile" ]
}

@test "distrobox's create shape: host namespaces, its volumes, and what its entrypoint mounts" {
  home="$BATS_TEST_TMPDIR/home"
  # Made here, not by container root: a rootless run could not clean up a
  # directory owned by a subordinate id.
  mkdir -p "$home" "$ROOTFS/mnt/usr"
  run --separate-stderr launch --hostname HOST --privileged --user root:root --ipc host --network host --pid host \
    -e HOME=/home/alice -e container=lilipod \
    -v "$BATS_TEST_TMPDIR:/tmp:rslave" -v "$home:/home/alice:rslave" -v /:/run/host/:rslave \
    -v /dev:/dev:rslave -v /sys:/sys:rslave -v /dev/pts -v /dev/null:/dev/ptmx -v /var/log/journal \
    -v /etc/hosts:/etc/hosts:ro -v /etc/resolv.conf:/etc/resolv.conf:ro -v /etc/hostname:/etc/hostname:ro \
    -v /dev/null:/run/.distrobox.rootless:ro "$ROOTFS" -- sh -c '
      set -e
      mount --make-rshared /
      mount --rbind /run/host/usr /mnt/usr
      mount --make-rslave /mnt/usr
      umount -l /mnt/usr
      umount /etc/hostname
      mount -t devpts devpts -o newinstance,ptmxmode=0666 /dev/pts
      test -c /dev/pts/ptmx
      hostname renamed
      hostname
      test -e /run/host/etc/passwd
      . /run/.containerenv
      echo "$engine"
      echo $HOME
      echo ok'
  echo "$output" "$stderr"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = renamed ]
  [ "${lines[1]}" = lilipod ]
  [ "${lines[2]}" = /home/alice ]
  [ "${lines[3]}" = ok ]
}

@test "no file descriptor leaks into the container or its init" {
  # A sleeping child's fds, not the shell's: the shell itself holds a pipe
  # for a moment while it sets up `|`.
  run --separate-stderr launch "$ROOTFS" -- sh -c 'sleep 2 & sleep 0.3; ls /proc/$!/fd | tr "\n" " "; kill $!' 7</dev/null
  [ "$status" -eq 0 ]
  [ "$output" = "0 1 2 " ]
  run --separate-stderr launch --init "$ROOTFS" -- sh -c 'ls /proc/1/fd | tr "\n" " "' 7</dev/null
  [ "$output" = "0 1 2 " ]
}

@test "__exec -t gets a pty of the container's devpts; a missing command is 127" {
  pidfile="$BATS_TEST_TMPDIR/pid"
  launch --pidfile "$pidfile" "$ROOTFS" -- sleep 60 &
  job=$!
  for _ in $(seq 100); do [ -s "$pidfile" ] && break; sleep 0.1; done
  pid=$(cat "$pidfile")
  run --separate-stderr "$LILIPOD" __exec -t "$pid" -- sh -c 'tty; exit 6' </dev/null
  st1=$status out1=$output
  run -127 "$LILIPOD" __exec "$pid" -- no-such-command
  kill -KILL "$pid" || true
  wait "$job" || true
  [ "$st1" -eq 6 ]
  [[ "$out1" == *"/dev/pts/"* ]]
  [[ "$output" == *"not found"* ]]
}

