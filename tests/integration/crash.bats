#!/usr/bin/env bats
# SIGKILL of a running container's supervisor, of its launcher and of its FUSE
# server alone: the container's processes all end at once (no later command
# needed), ps -a and inspect read exited with a reason, what the container
# fsync'd is intact after start, and system check stays clean.

load ../lib/common

setup() {
  common_setup
  require_registry
  lilipod pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox" >/dev/null
  # A command line no other process on the machine has.
  tag=$((100000 + RANDOM * 7 + $$ % 7))
}

# Whatever a failed test left running of its container goes (by pid).
teardown() {
  local pids
  pids=$(pgrep -fx "sleep $tag"; [ -z "${id:-}" ] || pgrep -f "__supervise $id")
  [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
}

# The container writes 1 MiB once (not again when restarted), fsyncs it, says
# so in its log, and keeps two processes (a child in the background and the
# main one) running.
run_writer() {
  run -0 lilipod run -d --name "$1" busybox sh -c \
    "[ -e /data.bin ] || dd if=/dev/urandom of=/data.bin bs=64k count=16 conv=fsync 2>/dev/null; sha256sum /data.bin; echo synced; sleep $tag & sleep $tag"
  id=$output
  for _ in $(seq 100); do
    lilipod logs "$1" | grep -qx synced && break
    sleep 0.1
  done
  run -0 lilipod logs "$1"
  [ "${lines[-1]}" = synced ]
  digest=${lines[0]%% *}
  [ "$(pgrep -cfx "sleep $tag")" -eq 2 ]
}

# "pid ppid" of the container's lilipod processes: the supervisor S (whose
# parent is not one of them), its launcher H and H's FUSE server F.
sup_pid() { # sup_pid S|H|F
  local procs s h
  procs=$(ps -eo pid=,ppid=,args= | awk -v id="$id" '$3 ~ /lilipod$/ && $4 == "__supervise" && $5 == id { print $1, $2 }')
  s=$(awk 'NR == FNR { p[$1] = 1; next } !($2 in p) { print $1 }' <(echo "$procs") <(echo "$procs"))
  h=$(awk -v p="$s" '$2 == p { print $1 }' <<<"$procs")
  case $1 in
  S) echo "$s" ;;
  H) echo "$h" ;;
  F) awk -v p="$h" '$2 == p { print $1 }' <<<"$procs" ;;
  esac
}

# Wait up to 5 s for every process of the container to be gone (nothing of
# lilipod runs meanwhile, so nobody but the survivors can end them).
all_gone() {
  for _ in $(seq 50); do
    if ! pgrep -fx "sleep $tag" >/dev/null && ! pgrep -f "__supervise $id" >/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  ps -eo pid,ppid,args | grep -E "sleep $tag|__supervise $id" >&2
  return 1
}

check_clean() {
  run -0 lilipod system check
  [[ "$output" == "OK: 1 images, 1 layers, "*", $1 containers" ]]
}

# After the kill: exited with reason, then start again finds the data.
exited_then_restart() {
  local reason=$1
  run -0 lilipod ps -a --format '{{.Names}} {{.Status}}'
  [[ "$output" == "$2 Exited (137) "*" ago" ]]
  run -0 lilipod inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}|{{.State.Error}}' "$2"
  [ "$output" = "exited 137 false|$reason" ]
  check_clean 1
  run -0 lilipod start "$2"
  run -0 lilipod exec "$2" sha256sum /data.bin
  [ "${output%% *}" = "$digest" ]
  run -0 lilipod stop -t 0 "$2"
  run -0 lilipod rm "$2"
  check_clean 0
  ! grep -q " $LILIPOD_HOME/" /proc/mounts
}

@test "SIGKILL of the supervisor: the container ends, reads exited with a reason, its fsync'd data survives" {
  run_writer c-sup
  s=$(sup_pid S)
  [ -n "$s" ]
  kill -9 "$s"
  all_gone
  exited_then_restart "supervisor died" c-sup
}

@test "SIGKILL of the FUSE server alone: the container ends with the reason, data survives a restart" {
  run_writer c-fuse
  f=$(sup_pid F)
  [ -n "$f" ]
  kill -9 "$f"
  # The supervisor itself records it: no command runs meanwhile.
  for _ in $(seq 50); do
    [ "$(lilipod inspect --format '{{.State.Status}}' c-fuse)" = exited ] && break
    sleep 0.1
  done
  all_gone
  exited_then_restart "the FUSE server of the container's root file system died (signal 9)" c-fuse
}

@test "SIGKILL of the supervisor's launcher: the container ends with the reason, data survives a restart" {
  run_writer c-launcher
  h=$(sup_pid H)
  [ -n "$h" ]
  kill -9 "$h"
  all_gone
  exited_then_restart "the container's launcher died" c-launcher
}

@test "SIGKILL of an attached run's lilipod: a client gone, the container runs on under its supervisor (as Podman's conmon)" {
  "$LILIPOD" run --name c-att busybox sh -c "sleep $tag & sleep $tag" >/dev/null 2>&1 3>&- &
  for _ in $(seq 100); do
    [ "$(pgrep -cfx "sleep $tag")" -eq 2 ] && break
    sleep 0.1
  done
  [ "$(pgrep -cfx "sleep $tag")" -eq 2 ]
  id=$(lilipod inspect --format '{{.Id}}' c-att)
  kill -9 $!
  sleep 0.5
  [ "$(pgrep -cfx "sleep $tag")" -eq 2 ]
  run -0 lilipod inspect --format '{{.State.Status}}|{{.State.Error}}' c-att
  [ "$output" = "running|" ]
  # Still its supervisor's: another client attaches, stop ends it all and the client with it.
  "$LILIPOD" attach --no-stdin c-att >/dev/null 3>&- &
  sleep 0.3
  run -0 lilipod stop -t 0 c-att
  wait $!
  all_gone
  run -0 lilipod inspect --format '{{.State.Status}} {{.State.ExitCode}}|{{.State.Error}}' c-att
  [ "$output" = "exited 137|" ]
  lilipod rm c-att
  check_clean 0
}

@test "start right after SIGKILL of the supervisor (the rest still ending) works and keeps the data" {
  run_writer c-again
  s=$(sup_pid S)
  kill -9 "$s"
  # Until it is gone it is alive, and start has nothing to do.
  while [ -e "/proc/$s" ]; do sleep 0.01; done
  run -0 lilipod start c-again
  run -0 lilipod exec c-again sha256sum /data.bin
  [ "${output%% *}" = "$digest" ]
  run -0 lilipod inspect --format '{{.State.Status}}|{{.State.Error}}' c-again
  [ "$output" = "running|" ]
  run -0 lilipod rm -f -t 0 c-again
  check_clean 0
}
