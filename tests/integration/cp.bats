#!/usr/bin/env bats
# cp: both directions, files and directories, never-started, stopped and running containers.

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

@test "cp: a never-started container, symlink resolved inside its root, into a directory and onto a file" {
  lilipod create --name c-new "$IMG" true >/dev/null
  t=$BATS_TEST_TMPDIR
  echo old-and-longer-content > "$t/os"
  run -0 lilipod cp c-new:/etc/os-release "$t/os"
  [ -f "$t/os" ] && [ ! -L "$t/os" ]
  run -0 grep ^ID= "$t/os"
  [ "$output" = ID=lilipod-busybox ]
  [ "$(tail -c 1 "$t/os" | od -An -c | tr -d ' ')" = '\n' ]
  mkdir "$t/dir"
  run -0 lilipod cp c-new:/etc/passwd "$t/dir"
  cmp "$t/dir/passwd" <(lilipod cp c-new:/etc/passwd "$t/p2" && cat "$t/p2")
  run -125 lilipod cp c-new:/no/such "$t/x"
  [[ "$output" == *"could not be found on container"* ]]
  run -125 lilipod cp nosuchbox:/etc/passwd "$t/x"
  lilipod rm c-new
}

@test "cp: directories in and out of a stopped and a running container; changes persist" {
  t=$BATS_TEST_TMPDIR
  mkdir -p "$t/src/sub"
  echo data > "$t/src/sub/f"
  chmod 0640 "$t/src/sub/f"
  ln -s f "$t/src/sub/link"
  lilipod create --name c-box "$IMG" sleep 1000 >/dev/null
  run -0 lilipod cp "$t/src" c-box:/tmp
  run -0 lilipod cp "$t/src/sub/f" c-box:/tmp/single
  lilipod start c-box
  run -0 lilipod exec c-box sh -c 'cat /tmp/src/sub/f /tmp/single; readlink /tmp/src/sub/link; stat -c %a /tmp/src/sub/f'
  [ "$output" = "$(printf 'data\ndata\nf\n640')" ]
  lilipod exec c-box sh -c 'mkdir -p /made/deep && echo running > /made/deep/r'
  run -0 lilipod cp c-box:/made "$t/out"
  [ "$(cat "$t/out/deep/r")" = running ]
  lilipod stop -t 0 c-box
  run -0 lilipod cp c-box:/tmp/src "$t/back"
  [ "$(cat "$t/back/sub/f")" = data ] && [ "$(readlink "$t/back/sub/link")" = f ]
  lilipod rm c-box
}
