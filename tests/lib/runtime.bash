# The busybox rootfs and helpers the launcher tests share.

setup() {
  ROOTFS="$BATS_TEST_TMPDIR/rootfs"
  mkdir -p "$ROOTFS/bin" "$ROOTFS/etc" "$ROOTFS/tmp" "$ROOTFS/home/alice"
  cp /bin/busybox "$ROOTFS/bin/busybox"
  for app in $("$ROOTFS/bin/busybox" --list); do
    [ "$app" = busybox ] || ln -s busybox "$ROOTFS/bin/$app"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:alice:/home/alice:/bin/sh\n' >"$ROOTFS/etc/passwd"
  printf 'root:x:0:\nwheel:x:10:alice\nalice:x:1000:\n' >"$ROOTFS/etc/group"
  chmod 1777 "$ROOTFS/tmp"
  printf '#!/bin/sh\necho hi\n' >"$ROOTFS/bin/noexec"
  chmod 0644 "$ROOTFS/bin/noexec"
}

launch() {
  "$LILIPOD" __launch "$@"
}

