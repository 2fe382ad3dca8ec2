#!/usr/bin/env bats
# attach: a running container's terminal or pipes, held by its supervisor;
# detach keys (run -it, start -ai, attach, exec -it) leave it running;
# several clients at once; re-attach after a detach; --sig-proxy.

load ../lib/common

setup_file() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  require_registry
  "$LILIPOD" pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox" >/dev/null
}

teardown_file() {
  # A client left behind by a failure would keep bats waiting: ending the
  # containers ends their clients.
  "$LILIPOD" rm -af -t 0 >/dev/null 2>&1 || true
}

setup() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  export IMG="$LILIPOD_TEST_REG_PLAIN/busybox:latest"
  [ -x /usr/bin/python3 ] || { echo "/usr/bin/python3 is missing: install python3 (scripts/deps does)" >&2; false; }
}

# A command on a fresh pty, driven by steps (see tests/lib/pty-drive.py).
drive() {
  /usr/bin/python3 "$BATS_TEST_DIRNAME/../lib/pty-drive.py" "$@"
}

status_of() {
  "$LILIPOD" inspect --type container --format '{{.State.Status}} {{.State.ExitCode}}' "$1"
}

@test "attach: ctrl-p,ctrl-q detaches (0, a newline, nothing else), the container runs on; re-attach; attach ends with it" {
  lilipod run -dit --name a-sh "$IMG" sh >/dev/null
  drive 'send:\r' 'expect:# ' 'send:echo hel""lo\r' 'expect:hello' 'send:\x10\x11' -- "$LILIPOD" attach a-sh \
    >"$BATS_TEST_TMPDIR/out"
  grep -q $'^hello\r$' "$BATS_TEST_TMPDIR/out"
  [ "$(tail -c 2 "$BATS_TEST_TMPDIR/out" | od -An -c | tr -d ' ')" = '\r\n' ]
  run -0 status_of a-sh
  [ "$output" = "running 0" ]
  # Again, and this time the shell ends: attach says 0 (as Podman), the state has the code.
  run -0 drive 'send:\r' 'expect:# ' 'send:exit 4\r' -- "$LILIPOD" attach a-sh
  run -0 status_of a-sh
  [ "$output" = "exited 4" ]
  run -125 lilipod attach a-sh
  [[ "$output" == *"you can only attach to running containers"* ]]
  lilipod rm a-sh
}

@test "attach: two clients at once see the same output; either one's input reaches the container" {
  lilipod run -dit --name a-two "$IMG" sh >/dev/null
  sync_file=$BATS_TEST_TMPDIR/first-attached
  drive 'send:\r' 'expect:# ' 'touch:'"$sync_file" 'expect:from-second' 'send:echo from-fi""rst\r' \
    'expect:from-first' 'send:\x10\x11' -- "$LILIPOD" attach a-two >"$BATS_TEST_TMPDIR/first.out" &
  first=$!
  run -0 drive 'waitfile:'"$sync_file" 'send:echo from-sec""ond\r' 'expect:from-second' 'expect:from-first' \
    'send:\x10\x11' -- "$LILIPOD" attach a-two
  wait "$first"
  grep -q from-second "$BATS_TEST_TMPDIR/first.out"
  run -0 status_of a-two
  [ "$output" = "running 0" ]
  lilipod rm -f -t 0 a-two
}

@test "run -it --detach-keys ctrl-a,x detaches with 0; start -ai attaches again and passes the exit status" {
  run -0 drive 'expect:# ' 'send:echo one\r' 'expect:one' 'send:\x01x' -- \
    "$LILIPOD" run -it --name a-run --detach-keys ctrl-a,x "$IMG" sh
  run -0 status_of a-run
  [ "$output" = "running 0" ]
  # start -ai of a running container attaches (and says 0 whatever happens, as Podman).
  run -0 drive 'send:\r' 'expect:# ' 'send:exit 5\r' -- "$LILIPOD" start -ai a-run
  run -0 status_of a-run
  [ "$output" = "exited 5" ]
  # start -ai of a stopped one runs it again, attached: its status is ours.
  run -6 drive 'expect:# ' 'send:exit 6\r' -- "$LILIPOD" start -ai a-run
  # The default keys with start -ai.
  run -0 drive 'expect:# ' 'send:\x10\x11' -- "$LILIPOD" start -ai a-run
  run -0 status_of a-run
  [ "$output" = "running 0" ]
  lilipod rm -f -t 0 a-run
}

@test "--detach-keys '' disables detaching; a bad key spec is refused before anything is created" {
  run -3 drive 'expect:ready' 'send:\x10\x11go\r' 'expect:020 021' -- \
    "$LILIPOD" run -it --rm --detach-keys '' "$IMG" sh -c 'stty -ixon; echo ready; read x; echo "got:$x" | od -c | head -1; exit 3'
  [[ "$output" == *'020 021   g   o'* ]]
  n=$(lilipod ps -aq | wc -l)
  run -125 lilipod run --detach-keys ctrl-1 "$IMG" true
  [[ "$output" == *"invalid detach keys"* ]]
  [ "$(lilipod ps -aq | wc -l)" = "$n" ]
  run -125 lilipod attach --detach-keys ctrl-p, nosuch
  [[ "$output" == *"invalid detach keys"* ]]
}

@test "run -it --rm: detached, it runs on; when it ends its supervisor removes it" {
  run -0 drive 'expect:# ' 'send:\x10\x11' -- "$LILIPOD" run -it --rm --name a-rm "$IMG" sh
  run -0 status_of a-rm
  [ "$output" = "running 0" ]
  run -0 drive 'send:\r' 'expect:# ' 'send:exit\r' -- "$LILIPOD" attach a-rm
  # attach returns once the supervisor is done, removal included.
  run -1 lilipod container exists a-rm
  # run -d --rm too.
  lilipod run -d --rm --name a-rmd "$IMG" true >/dev/null
  for _ in $(seq 50); do lilipod container exists a-rmd || break; sleep 0.1; done
  run -1 lilipod container exists a-rmd
}

@test "attach without a tty: stdout and stderr apart, --no-stdin, -l for the latest container" {
  lilipod run -d --name a-pipes "$IMG" sh -c \
    'while [ ! -e /tmp/go ]; do sleep 0.1; done; echo out; echo err >&2; exit 3' >/dev/null
  "$LILIPOD" attach -l --no-stdin >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
  pid=$!
  sleep 0.5
  lilipod exec a-pipes touch /tmp/go
  wait "$pid"
  [ "$(cat "$BATS_TEST_TMPDIR/out")" = "$(printf 'out\n\n')" ]
  [ "$(cat "$BATS_TEST_TMPDIR/err")" = err ]
  run -0 status_of a-pipes
  [ "$output" = "exited 3" ]
  lilipod rm a-pipes
}

@test "--sig-proxy: a signal to run or attach reaches the container; --sig-proxy=false leaves it alone" {
  script='trap "echo got-term; exit 7" TERM; echo up; while :; do sleep 0.1; done'
  # In the background: the binary itself (not the lilipod function's subshell) gets the signal.
  "$LILIPOD" run --name a-sig "$IMG" sh -c "$script" >"$BATS_TEST_TMPDIR/run.out" &
  pid=$!
  for _ in $(seq 50); do grep -q up "$BATS_TEST_TMPDIR/run.out" 2>/dev/null && break; sleep 0.1; done
  kill -TERM "$pid"
  st=0
  wait "$pid" || st=$?
  [ "$st" = 7 ]
  grep -q got-term "$BATS_TEST_TMPDIR/run.out"
  lilipod rm a-sig
  lilipod run -d --name a-sig2 "$IMG" sh -c "$script" >/dev/null
  "$LILIPOD" attach --no-stdin --sig-proxy=false a-sig2 >/dev/null &
  pid=$!
  sleep 0.5
  kill -TERM "$pid"
  wait "$pid" || true
  run -0 status_of a-sig2
  [ "$output" = "running 0" ]
  "$LILIPOD" attach --no-stdin a-sig2 >"$BATS_TEST_TMPDIR/att.out" &
  pid=$!
  sleep 0.5
  kill -TERM "$pid"
  wait "$pid"
  grep -q got-term "$BATS_TEST_TMPDIR/att.out"
  run -0 status_of a-sig2
  [ "$output" = "exited 7" ]
  lilipod rm a-sig2
}

@test "exec -it: the detach keys leave the command running in the container" {
  lilipod run -d --name a-exec "$IMG" sleep 1000 >/dev/null
  run -0 drive 'expect:# ' 'send:echo $$ > /tmp/sh.pid\r' 'send:\x10\x11' -- "$LILIPOD" exec -it a-exec sh
  [[ "$output" != *rror* ]]
  sleep 0.3
  run -0 lilipod exec a-exec sh -c 'kill -0 "$(cat /tmp/sh.pid)" && echo alive'
  [ "$output" = alive ] || { lilipod exec a-exec ps; false; }
  run -0 drive 'expect:# ' 'send:\x18y' -- "$LILIPOD" exec -it --detach-keys ctrl-x,y a-exec sh
  lilipod rm -f -t 0 a-exec
}
