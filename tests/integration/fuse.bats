#!/usr/bin/env bats
# The FUSE union rootfs (src/fuse), through `lilipod __unionfs`. Each test
# runs a script in a private mount namespace: `unshare -m` as root,
# `unshare -Urm` as an unprivileged user (the same code path a rootless
# container uses).

load ../lib/common

setup_file() {
  export FUSE_TESTS="$BATS_TEST_DIRNAME/../fuse"
  export FSOPS="$BATS_FILE_TMPDIR/fsops"
  cc -O1 -o "$FSOPS" "$FUSE_TESTS/fsops.c" -lsqlite3 -lmbedcrypto
}

setup() {
  common_setup
  export T="$BATS_TEST_TMPDIR"
  if [ "$(id -u)" = 0 ]; then
    NS=(unshare -m --propagation private)
    export CAN_CHOWN=1
  else
    NS=(unshare -Urm)
    export CAN_CHOWN=0
  fi
}

# in_ns SCRIPT: run SCRIPT with lib.sh loaded, in the private namespace.
in_ns() {
  "${NS[@]}" bash -euo pipefail -c "source '$FUSE_TESTS/lib.sh'; $1"
}

# A lower tree with what images contain: files big and inline, a hard link,
# a symlink, a fifo, a set-uid file, nested directories, user xattrs.
make_lower() {
  local src=$T/src
  mkdir -p "$src/etc" "$src/usr/bin" "$src/usr/lib/deep" "$src/var/empty" "$src/lower-gone-dir/sub"
  echo "root:x:0:0::/root:/bin/sh" >"$src/etc/passwd"
  head -c 200000 /dev/urandom >"$src/usr/bin/tool"
  ln "$src/usr/bin/tool" "$src/usr/bin/tool-link"
  ln -s tool "$src/usr/bin/sym"
  echo lib >"$src/usr/lib/deep/lib.so"
  head -c 5000 /dev/urandom >"$src/usr/lib/data"
  echo remove-me >"$src/lower-gone-dir/sub/file"
  echo remove-me-too >"$src/lower-gone"
  mkfifo "$src/var/fifo"
  cp "$src/usr/bin/tool" "$src/usr/bin/suid"
  chmod 4755 "$src/usr/bin/suid"
  "$FSOPS" setxattr "$src/etc/passwd" user.origin lower
  if [ "$CAN_CHOWN" = 1 ]; then
    chown 1234:5678 "$src/etc/passwd"
    ROOT=$("$FSOPS" mklower "$src" "$T/store")
  else
    # our own files are root's inside `unshare -Urm`: record them so
    ROOT=$(LOWER_OWNER=0:0 "$FSOPS" mklower "$src" "$T/store")
  fi
  export ROOT
}

@test "fuse: operations give the same results on the union as on a plain directory" {
  in_ns '
    mkdir "$T/plain"
    "$FUSE_TESTS/ops.sh" "$T/plain"
    mount_union "$T/none" 0 "$T/upper" "$T/mnt"
    "$FUSE_TESTS/ops.sh" "$T/mnt"
    manifest "$T/plain" >"$T/plain.txt"
    manifest "$T/mnt" >"$T/union.txt"
    diff -u "$T/plain.txt" "$T/union.txt"
    umount_union "$T/mnt"
    # and the same again after a remount
    mount_union "$T/none" 0 "$T/upper" "$T/mnt"
    manifest "$T/mnt" >"$T/union2.txt"
    diff -u "$T/plain.txt" "$T/union2.txt"
    umount_union "$T/mnt"
    test "$(wc -l <"$T/plain.txt")" -gt 9300
  '
}

@test "fuse: operations over a lower tree match a plain copy of it" {
  make_lower
  in_ns '
    cp -a "$T/src" "$T/plain"
    mount_union "$T/store" "$ROOT" "$T/upper" "$T/mnt"
    manifest "$T/plain" >"$T/plain0.txt"
    manifest "$T/mnt" >"$T/union0.txt"
    diff -u "$T/plain0.txt" "$T/union0.txt"
    "$FUSE_TESTS/ops.sh" "$T/plain"
    "$FUSE_TESTS/ops.sh" "$T/mnt"
    # operations on lower entries
    for d in "$T/plain" "$T/mnt"; do
      echo appended >>"$d/usr/bin/tool"
      mv "$d/usr/lib" "$d/usr/lib-renamed"
      rm -r "$d/lower-gone-dir" "$d/lower-gone"
      chmod 600 "$d/etc/passwd"
      mv "$d/etc" "$d/big/etc"
      "$FSOPS" exchange "$d/usr/bin" "$d/var"
    done
    manifest "$T/plain" >"$T/plain.txt"
    manifest "$T/mnt" >"$T/union.txt"
    diff -u "$T/plain.txt" "$T/union.txt"
    umount_union "$T/mnt"
  '
}

@test "fuse: lower entries are presented exactly, with suid and xattrs" {
  make_lower
  in_ns '
    mount_union "$T/store" "$ROOT" "$T/upper" "$T/mnt"
    cmp "$T/src/usr/bin/tool" "$T/mnt/usr/bin/tool"
    test "$(cat "$T/mnt/etc/passwd")" = "root:x:0:0::/root:/bin/sh"
    test "$(stat -c %a "$T/mnt/usr/bin/suid")" = 4755
    test "$(readlink "$T/mnt/usr/bin/sym")" = tool
    test "$(stat -c %F "$T/mnt/var/fifo")" = fifo
    test "$(stat -c %i "$T/mnt/usr/bin/tool")" = "$(stat -c %i "$T/mnt/usr/bin/tool-link")"
    test "$(stat -c %h "$T/mnt/usr/bin/tool")" = 2
    test "$(stat -c %i "$T/mnt")" = 1
    test "$("$FSOPS" getxattr "$T/mnt/etc/passwd" user.origin)" = lower
    if [ "$CAN_CHOWN" = 1 ]; then test "$(stat -c %u:%g "$T/mnt/etc/passwd")" = 1234:5678; fi
    opts=$(awk -v m="$T/mnt" "\$2 == m { print \$4 }" /proc/self/mounts)
    echo "mount options: $opts"
    case ",$opts," in *,nosuid,*) false ;; esac
    grep -q "^lilipod $T/mnt fuse.lilipod" /proc/self/mounts
    umount_union "$T/mnt"
  '
}

@test "fuse: metadata changes on lower entries copy no data; first write copies up and leaves the object alone" {
  make_lower
  in_ns '
    objs_before=$(cd "$T/store/objects" && find . -type f -exec sha256sum {} + | sort)
    mount_union "$T/store" "$ROOT" "$T/upper" "$T/mnt"
    chmod 700 "$T/mnt/usr/bin/tool"
    touch -d "2001-02-03 04:05:06" "$T/mnt/usr/bin/tool"
    "$FSOPS" setxattr "$T/mnt/usr/bin/tool" user.k v
    if [ "$CAN_CHOWN" = 1 ]; then chown 7:8 "$T/mnt/usr/bin/tool"; fi
    test -z "$(ls "$T/upper/data")"
    echo tail >>"$T/mnt/usr/bin/tool"
    test "$(tail -c 5 "$T/mnt/usr/bin/tool-link")" = tail
    test "$(stat -c %a "$T/mnt/usr/bin/tool")" = 700
    test "$("$FSOPS" getxattr "$T/mnt/usr/bin/tool" user.k)" = v
    test "$(ls "$T/upper/data" | wc -l)" = 1
    # a truncate to zero copies nothing
    truncate -s 0 "$T/mnt/usr/lib/data"
    test "$(stat -c %s "$T/mnt/usr/lib/data")" = 0
    objs_after=$(cd "$T/store/objects" && find . -type f -exec sha256sum {} + | sort)
    test "$objs_before" = "$objs_after"
    cmp "$T/src/usr/bin/tool" <(head -c 200000 "$T/mnt/usr/bin/tool")
    umount_union "$T/mnt"
  '
}

@test "fuse: whiteouts, opaque directories and renamed lower directories persist across remounts" {
  make_lower
  in_ns '
    mount_union "$T/store" "$ROOT" "$T/upper" "$T/mnt"
    rm "$T/mnt/lower-gone"
    rm -r "$T/mnt/lower-gone-dir"
    mkdir "$T/mnt/lower-gone-dir"
    mv "$T/mnt/usr/lib" "$T/mnt/lib-moved"
    echo new >"$T/mnt/lib-moved/deep/new"
    ino_lower=$(stat -c %i "$T/mnt/lib-moved/deep/lib.so")
    ino_upper=$(stat -c %i "$T/mnt/lib-moved/deep/new")
    umount_union "$T/mnt"
    mount_union "$T/store" "$ROOT" "$T/upper" "$T/mnt"
    test ! -e "$T/mnt/lower-gone"
    test -z "$(ls -A "$T/mnt/lower-gone-dir")"
    test ! -e "$T/mnt/usr/lib"
    test "$(cat "$T/mnt/lib-moved/deep/lib.so")" = lib
    test "$(cat "$T/mnt/lib-moved/deep/new")" = new
    test "$(ls "$T/mnt/usr")" = bin
    test "$(stat -c %i "$T/mnt/lib-moved/deep/lib.so")" = "$ino_lower"
    test "$(stat -c %i "$T/mnt/lib-moved/deep/new")" = "$ino_upper"
    # the lower store is untouched: the whiteouts are rows in the upper
    test -z "$(find "$T/upper" -name ".wh.*")"
    umount_union "$T/mnt"
  '
}

@test "fuse: data fsync'd before the server is killed survives a remount" {
  make_lower
  in_ns '
    mount_union "$T/store" "$ROOT" "$T/upper" "$T/mnt"
    head -c 3000000 /dev/urandom >"$T/payload"
    dd if="$T/payload" of="$T/mnt/synced" bs=64k conv=fsync status=none
    echo lower-edit >>"$T/mnt/etc/passwd"
    sync "$T/mnt/etc/passwd"
    mkdir "$T/mnt/newdir"
    kill -9 "$SRV_PID"
    wait "$SRV_PID" || true
    umount -l "$T/mnt"
    mount_union "$T/store" "$ROOT" "$T/upper" "$T/mnt"
    cmp "$T/payload" "$T/mnt/synced"
    test "$(tail -n1 "$T/mnt/etc/passwd")" = lower-edit
    test -d "$T/mnt/newdir"
    umount_union "$T/mnt"
  '
}

@test "fuse: a lower directory is empty once every name in it is gone, and not before" {
  make_lower
  in_ns '
    mount_union "$T/store" "$ROOT" "$T/upper" "$T/mnt"
    d=$T/mnt/usr/lib/deep
    if rmdir "$d" 2>/dev/null; then echo "rmdir of a full lower directory worked" >&2; false; fi
    rm "$d/lib.so"
    echo again >"$d/lib.so"
    if rmdir "$d" 2>/dev/null; then echo "rmdir removed a directory holding a new file" >&2; false; fi
    rm "$d/lib.so"
    rmdir "$d"
    mkdir "$T/mnt/newdir"
    if mv -T "$T/mnt/newdir" "$T/mnt/usr/lib" 2>/dev/null; then echo "rename over a full directory worked" >&2; false; fi
    rm "$T/mnt/usr/lib/data"
    mv -T "$T/mnt/newdir" "$T/mnt/usr/lib"
    umount_union "$T/mnt"
    mount_union "$T/store" "$ROOT" "$T/upper" "$T/mnt"
    test -d "$T/mnt/usr/lib"
    test -z "$(ls -A "$T/mnt/usr/lib")"
    umount_union "$T/mnt"
  '
}

@test "fuse: thousands of changes answered before a SIGKILL all survive it" {
  make_lower
  in_ns '
    mount_union "$T/store" "$ROOT" "$T/upper" "$T/mnt"
    # more metadata than one WAL checkpoint holds, a pause for the idle
    # checkpoint, then more with no pause before the kill
    mkdir "$T/mnt/many"
    for ((i = 0; i < 3000; i++)); do echo "$i" >"$T/mnt/many/f$i"; done
    sleep 0.3
    for ((i = 3000; i < 3500; i++)); do echo "$i" >"$T/mnt/many/f$i"; done
    rm "$T/mnt/many/f7"
    chmod 600 "$T/mnt/many/f3499"
    kill -9 "$SRV_PID"
    wait "$SRV_PID" || true
    umount -l "$T/mnt"
    mount_union "$T/store" "$ROOT" "$T/upper" "$T/mnt"
    test "$(ls "$T/mnt/many" | wc -l)" = 3499
    test ! -e "$T/mnt/many/f7"
    test "$(cat "$T/mnt/many/f3498")" = 3498
    test "$(stat -c %a "$T/mnt/many/f3499")" = 600
    umount_union "$T/mnt"
  '
}

@test "fuse: writing clears set-id bits when the writer is not the owner" {
  if [ "$(id -u)" != 0 ]; then
    # A second user inside the namespace: map the subordinate ids too.
    NS=(unshare --map-users=auto --map-groups=auto --map-root-user -m)
  fi
  # the other user must be able to reach the mountpoint
  M=$(mktemp -d /tmp/lilipod-fuse-suid.XXXXXX)
  chmod 755 "$M"
  export M
  in_ns '
    mount_union "$T/none" 0 "$T/upper" "$M/mnt"
    chmod 755 "$M/mnt"
    echo data >"$M/mnt/f"
    chmod 6777 "$M/mnt/f"
    setpriv --reuid=1234 --regid=1234 --clear-groups sh -c "echo more >>$M/mnt/f"
    test "$(stat -c %a "$M/mnt/f")" = 777
    test "$(cat "$M/mnt/f")" = "data
more"
    umount_union "$M/mnt"
  '
  rm -rf "$M"
}

@test "fuse: bad arguments give clear errors" {
  run "$LILIPOD" __unionfs "$BATS_TEST_TMPDIR/nostore" 5 "$BATS_TEST_TMPDIR/up" "$BATS_TEST_TMPDIR/mnt"
  [ "$status" -eq 125 ]
  [[ "$output" == *"Error: "*"store"* ]]
  run "$LILIPOD" __unionfs x notanumber y z
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid tree id"* ]]
}
