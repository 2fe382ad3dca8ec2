#!/usr/bin/env bats
# exec: environment, user, workdir, stdin, exit statuses; stop kills exec sessions.

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

@test "exec: env overrides, user by name, workdir, stdin with -i only, statuses 0/N/126/127/125" {
  lilipod create --name e-box --env FOO=ctr --env KEEP=1 -w /tmp "$IMG" sleep 1000 >/dev/null
  run -125 lilipod exec e-box true
  [[ "$output" == *"can only create exec sessions on running containers: container state improper"* ]]
  lilipod start e-box
  run -0 lilipod exec e-box sh -c 'echo "$FOO $KEEP $(pwd) $(id -u):$(id -g)"'
  [ "$output" = "ctr 1 /tmp 0:0" ]
  printf 'K2=file\n# comment\n' > "$BATS_TEST_TMPDIR/env"
  run -0 lilipod exec -e FOO=over --env-file "$BATS_TEST_TMPDIR/env" -u alice -w /home/alice e-box \
    sh -c 'echo "$FOO $K2 $(pwd) $(id -un) $(id -u)"'
  [ "$output" = "over file /home/alice alice 1000" ]
  run -0 sh -c "echo in | '$LILIPOD' exec -i e-box cat"
  [ "$output" = in ]
  run -0 sh -c "echo in | '$LILIPOD' exec e-box cat"
  [ -z "$output" ]
  run -9 lilipod exec e-box sh -c 'exit 9'
  run -127 lilipod exec e-box no-such-command
  run -126 lilipod exec e-box /etc/passwd
  run -125 lilipod exec nosuchbox true
  lilipod rm -f -t 0 e-box
}

@test "exec sees mounts the container made; stop kills exec'd processes (--pid host too)" {
  lilipod create --name e-host --pid host "$IMG" sleep 1000 >/dev/null
  lilipod start e-host
  lilipod exec -d e-host sleep 4343
  sleep 0.3
  pgrep -f "sleep 4343"
  run -0 lilipod stop -t 1 e-host
  ! pgrep -f "sleep 4343"
  lilipod rm e-host
}
