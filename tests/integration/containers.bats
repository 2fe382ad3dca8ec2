#!/usr/bin/env bats
# Container lifecycle: create, run, start, stop, restart, kill, wait, rm.

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

status_of() {
  "$LILIPOD" inspect --type container --format '{{.State.Status}}' "$1"
}

@test "create is O(1): prints the id, the upper is empty, status created" {
  run -0 lilipod create --name c-create busybox true
  [[ "$output" =~ ^[0-9a-f]{64}$ ]]
  id=$output
  [ -z "$(ls -A "$LILIPOD_HOME/containers/$id/upper")" ]
  run -0 status_of c-create
  [ "$output" = created ]
  lilipod rm c-create
}

@test "lifecycle: create, start (running right after), stop, exited" {
  lilipod create --name c-life busybox sleep 1000
  run -0 lilipod start c-life
  [ "$output" = c-life ]
  run -0 status_of c-life
  [ "$output" = running ]
  run -0 lilipod start c-life   # already running is fine
  run -0 lilipod stop -t 0 c-life
  run -0 status_of c-life
  [ "$output" = exited ]
  lilipod rm c-life
}

@test "run --rm echo hi prints hi and leaves nothing behind" {
  before=$(ls -A "$LILIPOD_HOME/containers" | wc -l)
  run -0 lilipod run --rm --name c-rm busybox echo hi
  [ "$output" = hi ]
  [ "$(ls -A "$LILIPOD_HOME/containers" | wc -l)" -eq "$before" ]
  run -125 lilipod inspect --type container c-rm
  ! grep -q "$LILIPOD_HOME" /proc/mounts
  ! pgrep -f "$LILIPOD_HOME"
}

@test "exit codes: the command's status, 127 not found" {
  run -7 lilipod run --rm busybox sh -c 'exit 7'
  run -127 lilipod run --rm busybox no-such-command
  [[ "$output" == *no-such-command* ]]
}

@test "run -d prints the 64-hex id; wait returns the exit code" {
  run -0 lilipod run -d --name c-wait busybox sh -c 'sleep 0.3; exit 3'
  [[ "$output" =~ ^[0-9a-f]{64}$ ]]
  run -0 lilipod wait c-wait
  [ "$output" = 3 ]
  lilipod rm c-wait
}

@test "containers of one image see only their own writes; data survives stop/start" {
  run -0 lilipod run --name c-a busybox sh -c 'cat /mine 2>/dev/null; echo a > /mine'
  [ -z "$output" ]
  run -0 lilipod run --name c-b busybox sh -c 'cat /mine 2>/dev/null; echo b > /mine'
  [ -z "$output" ]
  run -1 lilipod run --rm busybox cat /mine
  run -0 lilipod start -a c-a
  [ "$output" = a ]
  run -0 lilipod start -a c-b
  [ "$output" = b ]
  lilipod rm c-a c-b
}

@test "stop: a tree that ignores SIGTERM stops within -t 2 with nothing left" {
  lilipod run -d --name c-tree busybox sh -c 'trap "" TERM; sleep 4242 & sleep 4243 & wait; wait' >/dev/null
  sleep 0.3
  pgrep -f 'sleep 4242'
  SECONDS=0
  run -0 lilipod stop -t 2 c-tree
  [ "$SECONDS" -le 4 ]
  ! pgrep -f 'sleep 424[23]'
  run -0 status_of c-tree
  [ "$output" = exited ]
  lilipod rm c-tree
}

@test "stop with --pid host kills what the container forked" {
  lilipod run -d --pid host --name c-host busybox sh -c 'trap "" TERM; (trap "" TERM; sleep 5151) & sleep 5152 & wait' >/dev/null
  sleep 0.3
  pgrep -f 'sleep 5151'
  run -0 lilipod stop -t 1 c-host
  sleep 0.2
  ! pgrep -f 'sleep 515[12]'
  lilipod rm c-host
}

@test "kill -s, restart, rm -f of a running container" {
  lilipod run -d --name c-kill busybox sleep 1000 >/dev/null
  run -0 lilipod kill -s KILL c-kill
  run -0 lilipod wait c-kill
  [ "$output" = 137 ]
  run -0 lilipod restart c-kill
  run -0 status_of c-kill
  [ "$output" = running ]
  run -0 lilipod rm -f -t 0 c-kill
  run -1 lilipod rm c-kill
  [[ "$output" == *"no such container"* ]]
  run -0 lilipod rm -f c-kill
  run -0 lilipod rm --ignore c-kill
}

@test "rm of a running container without -f fails" {
  lilipod run -d --name c-busy busybox sleep 1000 >/dev/null
  run -2 lilipod rm c-busy
  lilipod rm -f -t 0 c-busy
}

@test "rm -v removes anonymous volumes" {
  run -0 lilipod run --name c-vol -v /data busybox sh -c 'echo v > /data/f'
  name=$(lilipod inspect --format '{{range .Mounts}}{{.Name}}{{end}}' c-vol)
  dir=$LILIPOD_HOME/volumes/$name
  [ "$(cat "$dir/_data/f")" = v ]
  lilipod rm -v c-vol
  [ ! -e "$dir" ]
}

@test "a killed supervisor is reported, not running" {
  id=$(lilipod run -d --name c-sup busybox sleep 1000)
  read -r spid _ < "$LILIPOD_HOME/containers/$id/supervisor"
  kill -9 "$spid"
  sleep 0.2
  run -0 status_of c-sup
  [ "$output" = exited ]
  [ "$(cat "$LILIPOD_HOME/containers/$id/reason")" = "supervisor died" ]
  lilipod rm -f c-sup
}

@test "-t gives a real pty; -i passes stdin" {
  command -v script || skip "script(1) missing"
  run -0 script -qec "$LILIPOD run --rm -t busybox tty" /dev/null
  [[ "$output" == */dev/pts/* ]]
  run -0 sh -c "echo hello | $LILIPOD run -i --rm busybox cat"
  [ "$output" = hello ]
}

@test "the log is k8s-file lines" {
  lilipod run --name c-log busybox sh -c 'echo out; echo err >&2; printf partial'
  id=$(lilipod inspect --type container --format '{{.Id}}' c-log)
  log="$LILIPOD_HOME/containers/$id/ctr.log"
  grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}\+00:00 stdout F out$' "$log"
  grep -Eq ' stderr F err$' "$log"
  grep -Eq ' stdout P partial$' "$log"
  lilipod rm c-log
}

@test "rmi of an image a container uses is refused (exit 2); rmi -f removes the container too" {
  export LILIPOD_HOME="$BATS_TEST_TMPDIR/home"
  run -0 lilipod pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox"
  id=$output
  run -0 lilipod create --name c-uses busybox true
  run --separate-stderr lilipod rmi busybox
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"image used by"* ]]
  run -0 lilipod image exists busybox
  run -0 lilipod rmi -f busybox
  [[ "$output" == *"Deleted: $id"* ]]
  run lilipod container exists c-uses
  [ "$status" -eq 1 ]
  run lilipod image exists busybox
  [ "$status" -eq 1 ]
}

@test "everything a container wrote can be removed by the user with rm -rf of LILIPOD_HOME" {
  export LILIPOD_HOME="$BATS_TEST_TMPDIR/home"
  run -0 lilipod pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox"
  run -0 lilipod run --name c-files busybox sh -c 'mkdir -p /a/b/c && echo data > /a/b/c/f && chown 1000:1000 /a/b && chmod 0500 /a/b && echo more >> /etc/passwd'
  run -0 lilipod create --name c-never busybox true
  run -0 lilipod cp "$BATS_TEST_FILENAME" c-never:/tmp/copied
  run rm -rf "$LILIPOD_HOME"
  [ "$status" -eq 0 ] || { echo "rm -rf failed: $output"; false; }
  [ ! -e "$LILIPOD_HOME" ]
}
