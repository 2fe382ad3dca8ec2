#!/usr/bin/env bats
# Containers under concurrency: many `run --rm` at once, rm -f racing start,
# rmi -f racing create, two creates of one name. Every command succeeds or
# fails cleanly (exit < 128 with one `Error:` line), never a corrupt store:
# system check stays clean, nothing is left running or mounted.

load ../lib/common

setup() {
  common_setup
  require_registry
  pull
}

pull() {
  run --separate-stderr lilipod pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox"
  [ "$status" -eq 0 ] || { echo "pull: $stderr"; false; }
}

check_ok() {
  run --separate-stderr lilipod system check
  [ "$status" -eq 0 ] || { echo "check: $output $stderr"; false; }
  [[ "$output" == OK:* ]]
}

# clean STATUS OUTFILE: success, or lilipod's own failure with an Error: line.
clean() {
  [ "$1" -eq 0 ] && return 0
  if [ "$1" -lt 128 ] && grep -q '^Error: ' "$2"; then
    return 0
  fi
  echo "exit $1, not clean:" >&2
  cat "$2" >&2
  return 1
}

nothing_left() {
  run -0 lilipod ps -a -q
  [ -z "$output" ] || { lilipod ps -a; false; }
  ! grep -q " $LILIPOD_HOME/" /proc/mounts
  [ -z "$(ls -A "$LILIPOD_HOME/containers")" ] || { ls -la "$LILIPOD_HOME/containers"; false; }
}

# No process of container $1 is left (its supervisor ends shortly after the
# row reads exited).
no_process() {
  for _ in $(seq 50); do
    pgrep -f "__supervise $1" >/dev/null || return 0
    sleep 0.1
  done
  pgrep -af "__supervise $1"
  return 1
}

@test "20 run --rm at once all succeed, leave nothing in ps -a, and the store checks OK" {
  pids=()
  for i in $(seq 20); do
    "$LILIPOD" run --rm busybox sh -c "echo run$i" >"$BATS_TEST_TMPDIR/run$i.out" 2>&1 &
    pids+=($!)
  done
  for i in $(seq 20); do
    wait "${pids[$((i - 1))]}" || { echo "run $i failed:"; cat "$BATS_TEST_TMPDIR/run$i.out"; false; }
    [ "$(cat "$BATS_TEST_TMPDIR/run$i.out")" = "run$i" ] || { cat "$BATS_TEST_TMPDIR/run$i.out"; false; }
  done
  nothing_left
  check_ok
}

@test "rm -f racing start of the same container: both end cleanly, the container is gone, the store checks OK" {
  for round in $(seq 8); do
    id=$(lilipod create --name race busybox sleep 1000)
    # Odd rounds start first, even rounds rm first, at varying distances.
    if [ $((round % 2)) -eq 1 ]; then
      "$LILIPOD" start race >"$BATS_TEST_TMPDIR/start.out" 2>&1 &
      s=$!
      sleep "0.0$((round - 1))"
      "$LILIPOD" rm -f -t 0 race >"$BATS_TEST_TMPDIR/rm.out" 2>&1 &
      r=$!
    else
      "$LILIPOD" rm -f -t 0 race >"$BATS_TEST_TMPDIR/rm.out" 2>&1 &
      r=$!
      sleep "0.00$((round - 2))"
      "$LILIPOD" start race >"$BATS_TEST_TMPDIR/start.out" 2>&1 &
      s=$!
    fi
    wait $s && ss=0 || ss=$?
    wait $r && rs=0 || rs=$?
    clean "$ss" "$BATS_TEST_TMPDIR/start.out"
    clean "$rs" "$BATS_TEST_TMPDIR/rm.out"
    # rm -f wins in the end whatever the order.
    [ "$rs" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/rm.out"; false; }
    run lilipod container exists race
    [ "$status" -eq 1 ]
    nothing_left
    no_process "$id"
    check_ok
  done
}

@test "rmi -f racing create from that image: a container never outlives its image, the store checks OK" {
  for round in $(seq 8); do
    "$LILIPOD" create --pull never --name racer busybox true >"$BATS_TEST_TMPDIR/create.out" 2>&1 &
    c=$!
    sleep "0.0$((round - 1))"
    "$LILIPOD" rmi -f busybox >"$BATS_TEST_TMPDIR/rmi.out" 2>&1 &
    r=$!
    wait $c && cs=0 || cs=$?
    wait $r && rs=0 || rs=$?
    clean "$cs" "$BATS_TEST_TMPDIR/create.out"
    clean "$rs" "$BATS_TEST_TMPDIR/rmi.out"
    check_ok
    if lilipod image exists busybox; then
      # rmi lost (it ran first and found nothing, or failed): the container may be there.
      lilipod rm -f racer >/dev/null 2>&1 || true
      lilipod rmi busybox >/dev/null
    else
      run lilipod container exists racer
      [ "$status" -eq 1 ] || { echo "container racer outlived its image"; cat "$BATS_TEST_TMPDIR/create.out" "$BATS_TEST_TMPDIR/rmi.out"; false; }
    fi
    nothing_left
    check_ok
    pull
  done
}

@test "two create --name same at once: one wins, the other gets Podman's name-in-use error" {
  for round in $(seq 8); do
    "$LILIPOD" create --name same busybox true >"$BATS_TEST_TMPDIR/a.out" 2>"$BATS_TEST_TMPDIR/a.err" &
    a=$!
    "$LILIPOD" create --name same busybox true >"$BATS_TEST_TMPDIR/b.out" 2>"$BATS_TEST_TMPDIR/b.err" &
    b=$!
    wait $a && as=0 || as=$?
    wait $b && bs=0 || bs=$?
    if [ "$as" -eq 0 ]; then win=a lose=b ls=$bs; else win=b lose=a ls=$as; fi
    [ "$(( as == 0 ))$(( bs == 0 ))" = 10 ] || [ "$(( as == 0 ))$(( bs == 0 ))" = 01 ] || {
      echo "exits $as $bs"; cat "$BATS_TEST_TMPDIR"/[ab].*; false; }
    id=$(cat "$BATS_TEST_TMPDIR/$win.out")
    [ "$ls" -eq 125 ]
    [ "$(cat "$BATS_TEST_TMPDIR/$lose.err")" = "Error: creating container storage: the container name \"same\" is already in use by $id. You have to remove that container to be able to reuse that name: that name is already in use" ]
    [ -z "$(cat "$BATS_TEST_TMPDIR/$lose.out")" ]
    run -0 lilipod ps -a --format '{{.ID}} {{.Names}}' --no-trunc
    [ "$output" = "$id same" ]
    check_ok
    lilipod rm same >/dev/null
  done
  nothing_left
  check_ok
}
