#!/usr/bin/env bats
# ps and inspect of containers: Podman's columns, filters, templates, JSON.

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

@test "ps: none is exit 0 with a header only; -q prints nothing" {
  run -0 lilipod ps -a
  [ "$output" = "CONTAINER ID  IMAGE       COMMAND     CREATED     STATUS      PORTS       NAMES" ]
  run -0 lilipod ps -aq
  [ -z "$output" ]
}

@test "ps: statuses, filters, -q, -l, -n, --no-trunc, templates" {
  id1=$(lilipod create --name p-created --label a=1 --label b=x "$IMG" true)
  id2=$(lilipod create --name p-exited "$IMG" sh -c 'exit 7')
  lilipod start p-exited
  lilipod wait p-exited
  id3=$(lilipod create --name p-running --label a=2 "$IMG" sleep 1000)
  lilipod start p-running

  run -0 lilipod ps --format '{{.Names}} {{.Status}}'
  [[ "$output" =~ ^"p-running Up " ]] && [ "${#lines[@]}" = 1 ]
  run -0 lilipod ps -a --format '{{.Names}}|{{.Status}}|{{.State}}'
  [ "${lines[0]%%|*}" = p-running ]
  [[ "${lines[1]}" =~ ^"p-exited|Exited (7) ".*" ago|exited"$ ]]
  [ "${lines[2]}" = "p-created|Created|created" ]
  run -0 lilipod ps -a -q
  [ "$output" = "$(printf '%s\n%s\n%s' "${id3:0:12}" "${id2:0:12}" "${id1:0:12}")" ]
  run -0 lilipod ps -a --no-trunc -q --filter label=a
  [ "$output" = "$(printf '%s\n%s' "$id3" "$id1")" ]
  run -0 lilipod ps -a --format '{{.Names}}' --filter label=a=1
  [ "$output" = p-created ]
  run -0 lilipod ps -a --format '{{.Names}}' --filter status=exited
  [ "$output" = p-exited ]
  run -0 lilipod ps -a --format '{{.Names}}' --filter name=p-c --filter name=p-e
  [ "$output" = "$(printf 'p-exited\np-created')" ]
  run -0 lilipod ps -a --format '{{.Names}}' --filter id="${id2:0:6}" --filter ancestor=busybox
  [ "$output" = p-exited ]
  run -0 lilipod ps -l --format '{{.Names}}'
  [ "$output" = p-running ]
  run -0 lilipod ps -n 2 --format '{{.Names}}'
  [ "$output" = "$(printf 'p-running\np-exited')" ]
  run -0 lilipod ps -a --filter name=p-created --format '{{.Labels}} {{.Mounts}} {{.Command}} {{.Image}}'
  [ "$output" = "map[a:1 b:x] [] true $IMG" ]
  run -0 lilipod ps -a --filter name=p-created --format 'table {{.ID}} {{.Names}}'
  [ "${lines[0]}" = "CONTAINER ID  NAMES" ]
  [ "${lines[1]}" = "${id1:0:12}  p-created" ]
  run -0 lilipod ps -a --filter name=p-created --noheading
  [[ "$output" =~ ^"${id1:0:12}  $IMG  true" ]]
  run -0 lilipod ps -a --filter name=p-created --format '{{json .}}'
  [[ "$output" == *'"Names": "p-created"'* ]]
  run -125 lilipod ps --filter bogus=1
  run -0 lilipod container ls -a -q --filter name=p-created
  [ "$output" = "${id1:0:12}" ]
  lilipod rm -f -t 0 p-running p-exited p-created
}

@test "inspect: Podman's shape; a missing container prints nothing with --format" {
  id=$(lilipod create --name i-box --label k=v --env FOO=bar -v /tmp:/tmp:ro --entrypoint /bin/sh "$IMG" -c 'exit 3')
  run -0 lilipod inspect --format '{{.Id}} {{.Name}} {{.State.Status}} {{.State.Running}} {{.Path}} {{.Args}} {{.Driver}}' i-box
  [ "$output" = "$id i-box created false /bin/sh [-c exit 3] lilipod" ]
  run -0 lilipod inspect --format '{{.Config.Labels}} {{index .Config.Labels "k"}}|{{index .Config.Labels "nope"}}|{{.Config.Entrypoint}} {{.Config.Cmd}}' i-box
  [ "$output" = "map[k:v] v||/bin/sh [-c exit 3]" ]
  run -0 lilipod inspect --format '{{range .Mounts}}{{.Type}} {{.Source}} {{.Destination}} {{.RW}}{{end}}' i-box
  [ "$output" = "bind /tmp /tmp false" ]
  run -0 lilipod inspect --format '{{range .Config.Env}}{{.}} {{end}}' i-box
  [[ "$output" == "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "*"FOO=bar "* ]]
  run -0 lilipod inspect i-box
  [ "${lines[0]}" = "[" ]
  [[ "$output" == *'"Image": "'*'"ImageName": "'"$IMG"'"'* ]]
  [[ "$output" == *'"HostConfig": {'* ]]
  lilipod start i-box
  lilipod wait i-box
  run -0 lilipod inspect --format '{{.State.Status}} {{.State.ExitCode}}' i-box
  [ "$output" = "exited 3" ]
  run -125 --separate-stderr lilipod inspect --type container --format '{{.State.Status}}' nosuchbox
  [ -z "$output" ]
  [[ "$stderr" == *"no such container nosuchbox"* ]]
  lilipod rm i-box
}
