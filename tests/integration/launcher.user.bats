#!/usr/bin/env bats
# Rootless only: the processes that hold the powers of root in a container's
# user namespace before its command runs (the supervisor's launcher, and the
# container's init until it execs) are never dumpable. A dumpable one could
# be ptraced, or have its /proc/PID/mem, root and ns files opened, by any
# process with the same ids: in particular by a --privileged --pid host
# container, whose root is the same subordinate uid, which would then reach
# the host's file system through the launcher's mount namespace. The network
# helper needs the init's namespaces: the init sends them itself.

load ../lib/common

setup_file() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  require_registry
  "$LILIPOD" pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox" >/dev/null
}

setup() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/config"
  mkdir -p "$XDG_CONFIG_HOME"
}

teardown() {
  [ -n "${WATCHER:-}" ] && kill "$WATCHER" 2>/dev/null || true
  "$LILIPOD" rm -f -t 0 -a >/dev/null 2>&1 || true
}

# watch ID OUT: in the background, note in OUT every process with ID in its
# command line (`lilipod start -a ID` supervises in the calling process; the
# launcher and the init keep that command line until the init execs) that is
# dumpable while it is root of the user namespace. The files in /proc/PID
# (environ, say; not the directory itself) belong to the process's effective
# uid when it is dumpable and to root when it is not, so a process that
# became root of the namespace (a subordinate uid on the host) and stayed
# dumpable shows that subordinate uid. Only a process that still has more
# than the container's capabilities counts: the init is made dumpable again
# once it has dropped to them, just before it execs. Sets WATCHER; OUT gets "ready" first.
watch() {
  /usr/bin/python3 - "$1" "$(id -u)" >"$2" <<'EOF' &
import os, sys, time
cid, me = sys.argv[1].encode(), int(sys.argv[2])
# Podman's default set, which the container's command gets (runtime/spec.h)
CONTAINER_CAPS = 0x800405fb
print("ready", flush=True)
end = time.time() + 120
while time.time() < end:
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            uid = os.stat("/proc/%s/environ" % p).st_uid
            if uid in (0, me):
                continue
            with open("/proc/%s/cmdline" % p, "rb") as f:
                argv = f.read().split(b"\0")
            if cid not in argv:
                continue
            # Read after the owner: capabilities only ever shrink here.
            with open("/proc/%s/status" % p) as f:
                caps = [l.split()[1] for l in f if l.startswith("CapPrm:")]
            if caps and int(caps[0], 16) & ~CONTAINER_CAPS:
                print("dumpable with CapPrm %s: pid %s (uid %d)" % (caps[0], p, uid), flush=True)
        except OSError:
            pass
EOF
  WATCHER=$!
  for _ in $(seq 100); do grep -q ready "$2" 2>/dev/null && return 0; sleep 0.05; done
  echo "the watcher did not start" >&2
  return 1
}

for_helper_never_dumpable() {
  need "$1"
  id=$(lilipod create --network "$1" -p 127.0.0.1::80 busybox true)
  watch "$id" "$BATS_TEST_TMPDIR/found"
  for _ in 1 2 3 4 5; do
    run -0 timeout 60 "$LILIPOD" start -a "$id"
  done
  kill "$WATCHER"
  WATCHER=
  run cat "$BATS_TEST_TMPDIR/found"
  [ "$output" = ready ]
}

@test "pasta: the launcher and the init are never dumpable while the network is set up" {
  for_helper_never_dumpable pasta
}

@test "slirp4netns: the launcher and the init are never dumpable while the network is set up" {
  for_helper_never_dumpable slirp4netns
}

@test "a --privileged --pid host container cannot open its launcher's root or namespaces" {
  need pasta
  run -0 timeout 60 "$LILIPOD" run --rm --privileged --pid host --network pasta busybox sh -c '
    for i in 1 2 3 4 5; do ls /proc/$PPID/root/ 2>&1; readlink /proc/$PPID/ns/mnt 2>&1; done; true'
  [[ "$output" != *"mnt:["* ]]
  [[ "$output" == *"Permission denied"* ]]
}
