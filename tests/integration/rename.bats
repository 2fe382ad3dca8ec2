#!/usr/bin/env bats
# rename: any state, Podman's errors and exit codes, a running container
# undisturbed (nothing keys on the name).

load ../lib/common

setup_file() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  require_registry
  "$LILIPOD" pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox" >/dev/null
}

setup() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
}

@test "rename a created container: ps and inspect show the new name, the old one is free" {
  id=$(lilipod create --name r-old busybox true)
  run -0 lilipod rename r-old r-new
  [ -z "$output" ]
  run -0 lilipod inspect --format '{{.Name}} {{.Id}}' r-new
  [ "$output" = "r-new $id" ]
  run -0 lilipod ps -a --filter "id=$id" --format '{{.Names}}'
  [ "$output" = r-new ]
  run -125 --separate-stderr lilipod inspect --type container r-old
  [ "$output" = "[]" ]
  # By id prefix, and the old name can be taken again.
  run -0 lilipod rename "${id:0:12}" r-newer
  run -0 lilipod create --name r-old busybox true
  run -0 lilipod container rename r-old r-old2
  lilipod rm r-newer r-old2
}

@test "a name in use is Podman's error, exit 125, and nothing changes" {
  ida=$(lilipod create --name r-a busybox true)
  lilipod create --name r-b busybox true >/dev/null
  run -125 lilipod rename r-a r-b
  [ "$output" = "Error: renaming container $ida: name r-b already in use, cannot rename container $ida: container already exists" ]
  run -0 lilipod inspect --format '{{.Name}}' r-a
  [ "$output" = r-a ]
  run -0 lilipod rename r-a r-a   # its own name: nothing to do
  lilipod rm r-a r-b
}

@test "invalid names and missing containers exit 125" {
  lilipod create --name r-c busybox true >/dev/null
  for bad in 'bad name' 'bad/name' '.dot' '_under' ''; do
    run -125 lilipod rename r-c "$bad"
    [ "$output" = "Error: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument" ]
  done
  run -125 lilipod rename r-nosuch r-d
  [ "$output" = 'Error: no container with name or ID "r-nosuch" found: no such container' ]
  run -125 lilipod rename r-c
  lilipod rm r-c
}

@test "a running container keeps running after rename: exec, logs, hostname, stop and start" {
  id=$(lilipod run -d --name r-run busybox sh -c 'echo started; sleep 1000')
  read -r spid _ <"$LILIPOD_HOME/containers/$id/supervisor"
  run -0 lilipod rename r-run r-ran
  run -0 lilipod inspect --format '{{.State.Status}} {{.State.Pid}}' r-ran
  [[ "$output" == "running "[1-9]* ]]
  run -0 lilipod exec r-ran cat /etc/hostname
  [ "$output" = "${id:0:12}" ]
  # As Podman: the running container's .containerenv keeps the old name.
  run -0 lilipod exec r-ran grep name= /run/.containerenv
  [ "$output" = 'name="r-run"' ]
  run -0 lilipod logs r-ran
  [ "$output" = started ]
  read -r spid2 _ <"$LILIPOD_HOME/containers/$id/supervisor"
  [ "$spid" = "$spid2" ]
  kill -0 "$spid"
  run -0 lilipod stop -t 0 r-ran
  [ "$output" = r-ran ]
  run -0 lilipod inspect --format '{{.State.Status}}' r-ran
  [ "$output" = exited ]
  lilipod start r-ran
  run -0 lilipod exec r-ran grep name= /run/.containerenv
  [ "$output" = 'name="r-ran"' ]
  run -0 lilipod logs r-ran
  [ "$output" = "$(printf 'started\nstarted')" ]
  run -0 lilipod rm -f -t 0 r-ran
}
