#!/usr/bin/env bats
# The launcher's user namespace modes that only exist for a rootless user
# (root needs no user namespace). Registered for the user run only.

bats_require_minimum_version 1.5.0
load ../lib/runtime

@test "--userns private maps container root to the user" {
  run --separate-stderr launch --userns private "$ROOTFS" -- sh -c 'cat /proc/self/uid_map; stat -c %u /bin/busybox'
  [ "$status" -eq 0 ]
  [ "$(echo "${lines[0]}" | awk '{print $1, $2, $3}')" = "0 $(id -u) 1" ]
  [ "${lines[2]}" = 0 ]
}

