#!/usr/bin/env bats
# update: the original lilipod's meaning (a stopped container's settings,
# effective at the next start), Podman's resource flags refused.

load ../lib/common

setup_file() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  require_registry
  "$LILIPOD" pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox" >/dev/null
}

setup() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
}

@test "env, labels and hostname change at the next start" {
  id=$(lilipod create --name u1 -e KEEP=1 -e DROP=1 --label a=1 --label gone=1 busybox \
    sh -c 'echo "[$KEEP][$DROP][$NEW][$HOSTNAME]"; hostname; cat /etc/hostname')
  run -0 lilipod update -e NEW=n -e KEEP=2 --unsetenv DROP --label a=2 --label-rm gone --label b=3 -h newhost u1
  [ "$output" = "$id" ]
  run -0 lilipod inspect --format '{{.Config.Labels}} {{.Config.Hostname}}' u1
  [ "$output" = "map[a:2 b:3] newhost" ]
  run -0 lilipod start -a u1
  [ "$output" = "$(printf '[2][][n][newhost]\nnewhost\nnewhost')" ]
  run -0 lilipod update --env-rm NEW u1
  run -0 lilipod start -a u1
  [ "${lines[0]}" = "[2][][][newhost]" ]
  lilipod rm u1
}

@test "--entrypoint, the pid namespace, user and workdir" {
  lilipod create --name u2 busybox hello >/dev/null
  run -0 lilipod update --entrypoint /bin/echo u2
  run -0 lilipod start -a u2
  [ "$output" = hello ]
  run -0 lilipod update --entrypoint '["/bin/sh","-c","echo $$ $(id -u) $(pwd)"]' u2
  run -0 lilipod start -a u2
  [ "$output" = "1 0 /" ]
  run -0 lilipod update --pid host -u 1000 -w /tmp u2
  run -0 lilipod inspect --format '{{.HostConfig.PidMode}} {{.Config.User}} {{.Config.WorkingDir}}' u2
  [ "$output" = "host 1000 /tmp" ]
  run -0 lilipod start -a u2
  read -r pid uid cwd <<<"$output"
  [ "$pid" != 1 ]
  [ "$uid" = 1000 ]
  [ "$cwd" = /tmp ]
  lilipod rm u2
}

@test "the network mode: none, then host, as create takes them" {
  lilipod create --name u7 busybox sh -c 'ls /sys/class/net | tr "\n" " "' >/dev/null
  run -0 lilipod update --network none u7
  run -0 lilipod inspect --format '{{.HostConfig.NetworkMode}}' u7
  [ "$output" = none ]
  run -0 lilipod start -a u7
  [ "$output" = "lo " ]
  run -0 lilipod update --network host u7
  run -0 lilipod start -a u7
  [ "$output" = "$(ls /sys/class/net | tr '\n' ' ')" ]
  run -125 lilipod update --network nowhere u7
  lilipod rm u7
}

@test "volumes: add (a named one is created), replace by destination, remove" {
  mkdir -p "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
  echo from-a >"$BATS_TEST_TMPDIR/a/f"
  echo from-b >"$BATS_TEST_TMPDIR/b/f"
  lilipod create --name u3 -v "$BATS_TEST_TMPDIR/a:/old" -v "$BATS_TEST_TMPDIR/a:/same" busybox \
    sh -c 'cat /same/f; ls /old 2>&1; cat /new/f; echo hi > /v/x'
  run -0 lilipod update --mount-rm /old -v "$BATS_TEST_TMPDIR/b:/same:ro" -v "$BATS_TEST_TMPDIR/a:/new" -v uvol:/v u3
  run -0 lilipod volume exists uvol
  run -0 lilipod inspect --format '{{range .Mounts}}{{.Destination}}:{{.RW}} {{end}}' u3
  [ "$output" = "/same:false /new:true /v:true " ]
  run -0 lilipod start -a u3
  [ "${lines[0]}" = from-b ]
  [[ "${lines[1]}" == *"/old"*"No such file or directory"* ]]
  [ "${lines[2]}" = from-a ]
  run -0 lilipod run --rm -v uvol:/v busybox cat /v/x
  [ "$output" = hi ]
  run -125 lilipod update --mount-rm /nowhere u3
  [ "$output" = "Error: --mount-rm /nowhere: the container has no mount at /nowhere" ]
  lilipod rm u3
}

@test "booleans: --read-only and --privileged, with =false" {
  lilipod create --name u4 busybox sh -c 'touch /f && echo wrote' >/dev/null
  run -0 lilipod update --read-only u4
  run -0 lilipod inspect --format '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.Privileged}}' u4
  [ "$output" = "true false" ]
  run -1 lilipod start -a u4
  [[ "$output" == *"Read-only file system"* ]]
  run -0 lilipod update --read-only=false --privileged u4
  run -0 lilipod inspect --format '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.Privileged}}' u4
  [ "$output" = "false true" ]
  run -0 lilipod start -a u4
  [ "$output" = wrote ]
  run -125 lilipod update --read-only=maybe u4
  lilipod rm u4
}

@test "a running container is refused; --config-dump works on it" {
  id=$(lilipod run -d --name u5 -e A=1 busybox sleep 1000)
  run -125 lilipod update -e X=1 u5
  [ "$output" = "Error: container u5 is running: stop it first, then update it (changes apply at the next start)" ]
  run -0 lilipod update --config-dump u5
  [ "$(jq -r .Id <<<"$output")" = "$id" ]
  [ "$(jq -r '.Env | index("A=1") != null' <<<"$output")" = true ]
  lilipod stop -t 0 u5 >/dev/null
  run -0 lilipod update -e X=1 --config-dump u5
  [ "$(jq -r '.Env | index("X=1") != null' <<<"$output")" = true ]
  lilipod rm u5
}

@test "Podman's resource flags are refused (no cgroups); --userns cannot change; nothing to update" {
  lilipod create --name u6 busybox true >/dev/null
  run -125 lilipod update --memory 512m u6
  [ "$output" = "Error: --memory: resource limits need cgroups, which lilipod does not manage: not supported" ]
  run -125 lilipod update --cpus 2 u6
  [[ "$output" == *"--cpus: resource limits need cgroups"* ]]
  run -125 lilipod update --userns host u6
  [[ "$output" == *"--userns cannot be changed after create"* ]]
  run -125 lilipod update u6
  [[ "$output" == *"nothing to update"* ]]
  run -125 lilipod update -e X=1 u-nosuch
  [ "$output" = 'Error: no container with name or ID "u-nosuch" found: no such container' ]
  run -0 lilipod update --help
  [[ "$output" == *"--memory"*"not supported: lilipod does not manage cgroups"* ]]
  lilipod rm u6
}
