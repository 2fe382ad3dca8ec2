#!/usr/bin/env bats
# -t through a real pseudo-terminal (tests/lib/pty-drive.py): the command
# sees a tty on stdin and stdout, TERM, our window size from its first
# instant and its changes (SIGWINCH); our terminal is raw while attached
# and restored on every way out; the exit status passes through.

load ../lib/common

setup_file() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  require_registry
  "$LILIPOD" pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox" >/dev/null
}

teardown_file() {
  "$LILIPOD" rm -af -t 0 >/dev/null 2>&1 || true
}

setup() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  export IMG="$LILIPOD_TEST_REG_PLAIN/busybox:latest"
  [ -x /usr/bin/python3 ] || { echo "/usr/bin/python3 is missing: install python3 (scripts/deps does)" >&2; false; }
}

# pty-drive exits 98 when the terminal mode was not restored, 97 on a timeout.
drive() {
  /usr/bin/python3 "$BATS_TEST_DIRNAME/../lib/pty-drive.py" "$@"
}

# What a command checks about its terminal, one word per line.
probe='tty; test -t 0 && echo stdin-is-tty; test -t 1 && echo stdout-is-tty; echo "TERM=$TERM"; stty size'

check_probe() {
  [[ "$output" == *$'/dev/pts/'[0-9]* ]]
  [[ "$output" == *stdin-is-tty* ]]
  [[ "$output" == *stdout-is-tty* ]]
  [[ "$output" == *TERM=xterm* ]]
  [[ "$output" == *"$1"* ]]
}

@test "exec -t: a tty, TERM, our size from the start, the status; our terminal untouched" {
  lilipod run -d --name p-exec "$IMG" sleep 1000 >/dev/null
  run -7 drive --size 37x111 -- "$LILIPOD" exec -t p-exec sh -c "$probe; exit 7"
  check_probe "37 111"
  # -t without a terminal of ours: still a pty inside, 0x0 size.
  run -0 lilipod exec -t p-exec sh -c 'test -t 1 && echo yes'
  [[ "$output" == yes* ]]
  lilipod rm -f -t 0 p-exec
}

@test "exec -it: raw while attached, resized on SIGWINCH, restored after an exit, a failure and a signal" {
  lilipod run -d --name p-exec "$IMG" sleep 1000 >/dev/null
  run -3 drive --size 25x80 'expect:# ' 'mode:raw' "send:$probe\\r" 'expect:25 80' 'resize:50x132' \
    'send:stty size\r' 'expect:50 132' 'send:exit 3\r' -- "$LILIPOD" exec -it p-exec sh
  check_probe "25 80"
  run -127 drive -- "$LILIPOD" exec -it p-exec no-such-command
  run -143 drive 'expect:ready' 'mode:raw' 'send:x\r' -- "$LILIPOD" exec -it p-exec sh -c 'echo ready; read x; kill -TERM $$'
  lilipod rm -f -t 0 p-exec
}

@test "run -t and run -it: a tty, TERM, size, SIGWINCH, the status; raw only while attached" {
  run -5 drive --size 33x99 -- "$LILIPOD" run --rm -t "$IMG" sh -c "$probe; exit 5"
  check_probe "33 99"
  run -4 drive --size 20x70 'expect:# ' 'mode:raw' "send:$probe\\r" 'expect:20 70' 'resize:44x140' \
    'send:stty size\r' 'expect:44 140' 'send:exit 4\r' -- "$LILIPOD" run --rm -it "$IMG" sh
  check_probe "20 70"
  run -127 drive -- "$LILIPOD" run --rm -it "$IMG" no-such-command
}

@test "start -ai and attach: the same terminal handling" {
  lilipod create -it --name p-start "$IMG" sh >/dev/null
  run -6 drive --size 28x90 'expect:# ' 'mode:raw' "send:$probe\\r" 'expect:28 90' 'send:exit 6\r' -- \
    "$LILIPOD" start -ai p-start
  check_probe "28 90"
  lilipod start p-start >/dev/null
  run -0 drive --size 31x101 'send:\r' 'expect:# ' 'mode:raw' "send:$probe\\r" 'expect:31 101' 'send:\x10\x11' -- \
    "$LILIPOD" attach p-start
  check_probe "31 101"
  lilipod rm -f -t 0 p-start
}
