#!/usr/bin/env bats
# A user with no subordinate ids: the launcher falls back to a single-id map.
# Only root can become such a user, so this runs in the root run only.

bats_require_minimum_version 1.5.0
load ../lib/runtime

@test "a user without subordinate ids gets a single-id map and a warning" {
  command -v setpriv >/dev/null || { echo "setpriv is missing: install util-linux" >&2; false; }
  ! grep -q '^nobody:' /etc/subuid || { echo "this test needs a user without subordinate ids, but nobody has some in /etc/subuid" >&2; false; }
  dir=$(mktemp -d /tmp/lilipod-single.XXXXXX)
  cp -a "$ROOTFS" "$dir/rootfs"
  chown -R nobody "$dir"
  run setpriv --reuid=65534 --regid=65534 --clear-groups env TMPDIR="$dir" "$LILIPOD" __launch "$dir/rootfs" -- sh -c 'id -u; cat /proc/self/uid_map'
  rm -rf "$dir"
  [ "$status" -eq 0 ]
  [[ "$output" == *"no subordinate ids for uid 65534"* ]]
  printf '%s\n' "${lines[@]}" | grep -qx 0
  [ "$(printf '%s\n' "${lines[@]}" | awk '{print $1, $2, $3}' | grep -cx '0 65534 1')" -eq 1 ]
}
