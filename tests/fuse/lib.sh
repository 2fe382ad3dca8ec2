# Helpers for the FUSE tests, sourced by the scripts the bats tests run
# inside a private mount namespace (tests/integration/fuse.bats).
# Needs: LILIPOD (the binary), T (a scratch directory).

# mount_union STORE_HOME ROOT_ID UPPER MOUNTPOINT: serve in the background
# and return once mounted. SRV_PID is the server.
mount_union() {
  mkdir -p "$4"
  rm -f "$T/srv.out"
  "$LILIPOD" __unionfs --ready "$@" >"$T/srv.out" 2>>"$T/srv.err" &
  SRV_PID=$!
  # The server lives in this mount namespace and keeps it alive: never leave
  # it behind when the script fails.
  trap 'rc=$?; kill -9 $SRV_PID 2>/dev/null || true; umount -l "'"$4"'" 2>/dev/null || true
        if [ $rc != 0 ]; then cat "$T/srv.err" >&2; fi; exit $rc' EXIT
  for _ in $(seq 200); do
    if grep -q ready "$T/srv.out" 2>/dev/null; then return 0; fi
    kill -0 "$SRV_PID" 2>/dev/null || { cat "$T/srv.err" >&2; return 1; }
    sleep 0.05
  done
  echo "union server did not get ready" >&2
  return 1
}

# umount_union MOUNTPOINT: unmount and wait for the server to exit cleanly.
umount_union() {
  umount "$1"
  local rc=0
  wait "$SRV_PID" || rc=$?
  if [ "$rc" != 0 ]; then
    echo "union server exited with status $rc:" >&2
    cat "$T/srv.err" >&2
    return 1
  fi
}

# manifest DIR: every entry below DIR, sorted, with what a user checks
# (see fsops.c).
manifest() {
  "$FSOPS" manifest "$1"
}
