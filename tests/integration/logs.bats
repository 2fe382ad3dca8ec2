#!/usr/bin/env bats
# logs: whole log, streams, -t, --tail, --since/--until, -f; reading never truncates.

load ../lib/common

setup_file() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  require_registry
  "$LILIPOD" pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox" >/dev/null
}

setup() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  export IMG="$LILIPOD_TEST_REG_PLAIN/busybox:latest"
}

@test "logs: lines in order, stderr to stderr, partial lines, never truncated" {
  id=$(lilipod create --name l-box "$IMG" sh -c 'echo one; echo two >&2; sleep 0.2; printf "par"; sleep 0.2; echo tial; printf end')
  lilipod start l-box
  lilipod wait l-box
  run -0 --separate-stderr lilipod logs l-box
  [ "$output" = "$(printf 'one\npartial\nend')" ]
  [ "$stderr" = two ]
  size=$(stat -c %s "$LILIPOD_HOME/containers/$id/ctr.log")
  [ "$size" -gt 0 ]
  run -0 lilipod logs --tail 2 l-box
  [ "$output" = "$(printf 'partial\nend')" ]
  run -0 lilipod logs -n --tail 1 l-box
  [ "$output" = "l-box end" ]
  run -0 lilipod logs -t --tail 1 l-box
  [[ "$output" =~ ^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:.]+(Z|[+-][0-9][0-9]:[0-9][0-9])" end"$ ]]
  [ "$(stat -c %s "$LILIPOD_HOME/containers/$id/ctr.log")" = "$size" ]
  lilipod rm l-box
}

@test "logs --since/--until: RFC 3339 forms, Unix time, durations; same second included" {
  lilipod create --name l-time "$IMG" sh -c 'echo first' >/dev/null
  lilipod start l-time
  lilipod wait l-time
  sleep 1.1
  now=$(date -u +%FT%T)
  lilipod start l-time
  lilipod wait l-time
  run -0 lilipod logs l-time
  [ "$output" = "$(printf 'first\nfirst')" ]
  for since in "$now.000000000+00:00" "${now}Z" "$(date -d "${now}Z" +%s)" "$(TZ=UTC date -d "${now}Z" +%FT%T)"; do
    run -0 env TZ=UTC "$LILIPOD" logs --since "$since" l-time
    [ "$output" = first ]
  done
  run -0 lilipod logs --since 10m l-time
  [ "${#lines[@]}" = 2 ]
  run -0 lilipod logs --until "${now}Z" l-time
  [ "$output" = first ]
  run -0 lilipod logs --since 1s --until 10m l-time
  [ -z "$output" ]
  run -125 lilipod logs --since yesterday l-time
  lilipod rm l-time
}

@test "logs -f streams new lines and ends when the container exits" {
  lilipod create --name l-follow "$IMG" sh -c 'echo a; sleep 1; echo b; sleep 1; echo c' >/dev/null
  lilipod start l-follow
  SECONDS=0
  run -0 timeout 20 "$LILIPOD" logs -f l-follow
  [ "$output" = "$(printf 'a\nb\nc')" ]
  [ "$SECONDS" -lt 10 ]
  run -125 lilipod logs nosuchbox
  lilipod rm l-follow
}
