#!/usr/bin/env bats
# --read-only: the root mount read-only (EROFS even for container root),
# Podman's --read-only-tmpfs (default) and tmpcopyup.

load ../lib/common

setup_file() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  require_registry
  "$LILIPOD" pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox" >/dev/null
}

setup() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
}

@test "--read-only: root cannot write the rootfs; /run, /tmp, /var/tmp and /dev/shm are writable" {
  run -0 lilipod run --rm --read-only busybox sh -c '
    id -u
    for f in /etc/x /x /home/alice/x; do touch $f 2>&1; echo "rc=$?"; done
    { echo x >>/etc/passwd; } 2>/dev/null || echo append-refused
    rm /etc/group 2>/dev/null || echo rm-refused
    for d in /run /tmp /var/tmp /dev/shm; do touch $d/ok && echo "$d ok"; done'
  [ "$output" = "$(printf '0\ntouch: /etc/x: Read-only file system\nrc=1\ntouch: /x: Read-only file system\nrc=1\ntouch: /home/alice/x: Read-only file system\nrc=1\nappend-refused\nrm-refused\n/run ok\n/tmp ok\n/var/tmp ok\n/dev/shm ok')" ]
}

@test "the root mount is ro and cannot be remounted rw; the tmpfs are Podman's" {
  run -0 lilipod run --rm --read-only busybox sh -c '
    awk "\$2==\"/\" {split(\$4, o, \",\"); print o[1]}" /proc/mounts
    awk "\$2==\"/run\" || \$2==\"/tmp\" || \$2==\"/var/tmp\" {print \$2, \$3, \$4}" /proc/mounts | sed "s/,relatime//; s/,uid=.*//"
    mount -o remount,rw / 2>/dev/null && echo remounted
    touch /x 2>/dev/null || echo still-ro'
  [ "$output" = "$(printf 'ro\n/run tmpfs rw,nosuid,nodev\n/tmp tmpfs rw,nosuid,nodev\n/var/tmp tmpfs rw,nosuid,nodev\nstill-ro')" ]
}

@test "--read-only-tmpfs=false: no tmpfs, /tmp is read-only too; inspect shows ReadonlyRootfs" {
  id=$(lilipod create --name ro1 --read-only --read-only-tmpfs=false busybox sh -c '
    awk "\$2==\"/tmp\"" /proc/mounts | wc -l; touch /tmp/x')
  run -0 lilipod inspect --format '{{.HostConfig.ReadonlyRootfs}}' ro1
  [ "$output" = true ]
  run -1 lilipod start -a ro1
  [ "$output" = "$(printf '0\ntouch: /tmp/x: Read-only file system')" ]
  lilipod rm ro1
}

@test "volumes keep their own modes in a read-only container; a volume on /tmp replaces its tmpfs" {
  mkdir -p "$BATS_TEST_TMPDIR/rw" "$BATS_TEST_TMPDIR/ro" "$BATS_TEST_TMPDIR/tmp"
  chmod 777 "$BATS_TEST_TMPDIR/rw" "$BATS_TEST_TMPDIR/tmp"
  run -0 lilipod run --rm --read-only -v "$BATS_TEST_TMPDIR/rw:/rw" -v "$BATS_TEST_TMPDIR/ro:/ro:ro" \
    -v "$BATS_TEST_TMPDIR/tmp:/tmp" busybox sh -c 'echo a >/rw/f && echo rw-ok; touch /ro/f 2>/dev/null || echo ro-refused; echo t >/tmp/t'
  [ "$output" = "$(printf 'rw-ok\nro-refused')" ]
  [ "$(cat "$BATS_TEST_TMPDIR/rw/f")" = a ]
  [ "$(cat "$BATS_TEST_TMPDIR/tmp/t")" = t ]
}

@test "exec sees the same read-only root, and the upper gets no file data" {
  id=$(lilipod run -d --read-only --name ro2 busybox sleep 1000)
  run -1 lilipod exec ro2 touch /etc/y
  [[ "$output" == *"Read-only file system"* ]]
  run -0 lilipod exec ro2 sh -c 'echo ok >/tmp/z && cat /tmp/z'
  [ "$output" = ok ]
  # Only the (empty) mount points made before the root went read-only.
  [ -z "$(find "$LILIPOD_HOME/containers/$id/upper/data" -type f -size +0 2>/dev/null)" ]
  lilipod rm -f -t 0 ro2
}

@test "a tmpfs starts with the image's content (tmpcopyup), unless notmpcopyup" {
  run -0 lilipod run --rm --tmpfs /etc busybox sh -c 'grep ^alice: /etc/passwd; touch /etc/new && echo writable'
  [ "$output" = "$(printf 'alice:x:1000:1000:Alice:/home/alice:/bin/sh\nwritable')" ]
  run -0 lilipod run --rm --mount type=tmpfs,destination=/etc,notmpcopyup busybox ls -A /etc
  [ -z "$output" ]
}
