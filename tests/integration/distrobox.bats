#!/usr/bin/env bats
# Distrobox's contract (shared/reference/distrobox.md): every call shape it
# passes, in its order, with what it reads checked exactly. The entrypoint is
# a stand-in for distrobox-init on busybox: it prints setup lines, then
# container_setup_done, then sleeps.

load ../lib/common

N=dbx-box

setup_file() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  require_registry
  export IMG="$LILIPOD_TEST_REG_PLAIN/busybox:latest"
  D="$BATS_FILE_TMPDIR/dbx"
  mkdir -p "$D"
  cat > "$D/distrobox-init" <<'INIT'
#!/bin/sh
echo "+ distrobox-init $*"
echo "Setting up read-only mounts..."
echo "Setting up host's sockets integration..." >&2
sleep 1
echo "container_setup_done"
while :; do sleep 1; done
INIT
  printf '#!/bin/sh\nexit 0\n' > "$D/distrobox-export"
  printf '#!/bin/sh\nexit 0\n' > "$D/distrobox-host-exec"
  chmod 0755 "$D"/*
  chmod 0755 "$BATS_FILE_TMPDIR"
}

setup() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  export IMG="$LILIPOD_TEST_REG_PLAIN/busybox:latest"
  D="$BATS_FILE_TMPDIR/dbx"
}

ENTER_TEMPLATE='container_status={{.State.Status}};
	unshare_groups={{ index .Config.Labels "distrobox.unshare_groups" }};
	{{range .Config.Env}}{{if and (ge (len .) 5) (eq (slice . 0 5) "HOME=")}}container_home={{slice . 5 | printf "%q"}}{{end}}{{end}};
	{{range .Config.Env}}{{if and (ge (len .) 5) (eq (slice . 0 5) "PATH=")}}container_path={{slice . 5 | printf "%q"}}{{end}}{{end}}'

@test "distrobox create: box exists? image local? pull, create, cp os-release of a never-started box" {
  run -125 --separate-stderr lilipod inspect --type container "$N"
  [ "$output" = "[]" ] # as Podman; Distrobox reads the exit status only
  run ! lilipod inspect --type image "$IMG"
  run -0 lilipod pull --tls-verify=false "$IMG"
  run -0 lilipod inspect --type image "$IMG"

  run -0 lilipod --log-level debug create --hostname dbx-host --name "$N" --privileged \
    --security-opt label=disable --security-opt apparmor=unconfined --pids-limit=-1 --user root:root \
    --ipc host --network host --pid host --label manager=distrobox --label distrobox.unshare_groups=0 \
    --env SHELL=bash --env HOME=/wrong/home --env container=lilipod \
    --env TERMINFO_DIRS=/usr/share/terminfo:/run/host/usr/share/terminfo --env CONTAINER_ID="$N" \
    --env HOME="$HOME" \
    --volume /tmp:/tmp:rslave --volume "$D/distrobox-init":/usr/bin/entrypoint:ro \
    --volume "$D/distrobox-export":/usr/bin/distrobox-export:ro \
    --volume "$D/distrobox-host-exec":/usr/bin/distrobox-host-exec:ro \
    --volume "$HOME:$HOME:rslave" --volume /:/run/host/:rslave --volume /dev:/dev:rslave \
    --volume /sys:/sys:rslave --volume /dev/pts --volume /dev/null:/dev/ptmx --volume /var/log/journal \
    --volume /etc/hosts:/etc/hosts:ro --volume /etc/resolv.conf:/etc/resolv.conf:ro \
    --volume /etc/hostname:/etc/hostname:ro --volume /dev/null:/run/.distrobox.rootless:ro \
    --entrypoint /usr/bin/entrypoint "$IMG" --verbose --name alice \
    --user 1000 --group 1000 --home /home/alice --init 0 --nvidia 0 --pre-init-hooks '' \
    --additional-packages '' -- ''

  rm -f "$BATS_TEST_TMPDIR/$N.os-release"
  run -0 lilipod cp --log-level debug "$N:/etc/os-release" "$BATS_TEST_TMPDIR/$N.os-release"
  [ -f "$BATS_TEST_TMPDIR/$N.os-release" ] && [ ! -L "$BATS_TEST_TMPDIR/$N.os-release" ]
  run -0 grep ^ID= "$BATS_TEST_TMPDIR/$N.os-release"
  [ "$output" = "ID=lilipod-busybox" ]
}

@test "distrobox list: one line per box, Created, labels map, mount destinations" {
  id=$(lilipod inspect --type container --format '{{.Id}}' "$N")
  run -0 lilipod ps -a --no-trunc --format "{{.ID}}|{{.Image}}|{{.Names}}|{{.Status}}|{{.Labels}}{{.Mounts}}"
  mounts="[/tmp /usr/bin/entrypoint /usr/bin/distrobox-export /usr/bin/distrobox-host-exec $HOME /run/host /dev /sys /dev/pts /dev/ptmx /var/log/journal /etc/hosts /etc/resolv.conf /etc/hostname /run/.distrobox.rootless]"
  echo "got: $output" >&2
  [ "$output" = "$id|$IMG|$N|Created|map[distrobox.unshare_groups:0 manager:distrobox]$mounts" ]
}

@test "distrobox enter: labels, the eval'd template, start, running, logs -f killed after setup, exec" {
  run -0 --separate-stderr lilipod inspect --type container --format '{{ index .Config.Labels "distrobox.unshare_groups" }}' "$N"
  [ "$output" = 0 ]
  run -0 --separate-stderr lilipod inspect --type container --format "$ENTER_TEMPLATE" "$N"
  expected="container_status=created;
	unshare_groups=0;
	container_home=\"$HOME\";
	container_path=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\""
  [ "$output" = "$expected" ]
  eval "$output"
  [ "$container_home" = "$HOME" ] && [ "$unshare_groups" = 0 ]

  since="$(date -u +%FT%T).000000000+00:00"
  SECONDS=0
  run -0 lilipod start "$N"
  [ "$SECONDS" -lt 10 ]
  run -0 --separate-stderr lilipod inspect --type container --format '{{.State.Status}}' "$N"
  [ "$output" = running ]

  log="$BATS_TEST_TMPDIR/log"
  lilipod logs --since "$since" -f "$N" > "$log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q container_setup_done "$log" && break; sleep 0.1; done
  kill -TERM "$pid"
  wait "$pid" || true
  grep -q "^+ distrobox-init --verbose --name alice --user 1000" "$log"
  grep -q "^Setting up host's sockets integration...$" "$log"
  grep -q "^container_setup_done$" "$log"

  run -0 lilipod logs "$N"
  echo "log: $output" >&2
  [ "${lines[0]}" = "+ distrobox-init --verbose --name alice --user 1000 --group 1000 --home /home/alice --init 0 --nvidia 0 --pre-init-hooks  --additional-packages  -- " ]

  run -0 --separate-stderr lilipod inspect --type container --format "$ENTER_TEMPLATE" "$N"
  [ "${lines[0]}" = "container_status=running;" ]

  run -7 lilipod exec --interactive --detach-keys= --user=alice --workdir=/tmp --env=DBX_A=1 --env=DBX_A=2 \
    "$N" sh -c 'echo "$DBX_A $(id -un) $(pwd) $HOME $container"; exit 7'
  [ "$output" = "2 alice /tmp $HOME lilipod" ]
  run -0 sh -c "echo piped | '$LILIPOD' exec --interactive --detach-keys= --user=root --workdir=/ $N cat"
  [ "$output" = piped ]
}

@test "distrobox stop and rm: stop kills exec sessions; status, HOME slice, rm --force --volumes" {
  lilipod exec -d "$N" sleep 4242
  run -0 lilipod stop "$N"
  ! pgrep -f "sleep 4242"
  run -0 --separate-stderr lilipod inspect --type container --format '{{.State.Status}}' "$N"
  [ "$output" = exited ]
  run -0 --separate-stderr lilipod inspect --type container --format '{{range .Config.Env}}{{if and (ge (len .) 5) (eq (slice . 0 5) "HOME=")}}{{slice . 5}}{{end}}{{end}}' "$N"
  [ "$output" = "$HOME" ]
  # Older releases: the pipeline form, inspect without --type.
  run -0 --separate-stderr lilipod inspect --format '{{range .Config.Env}}{{if slice . 0 5 | eq "HOME="}}{{slice . 5}}{{end}}{{end}}' "$N"
  [ "$output" = "$HOME" ]
  run -0 lilipod rm --force --volumes "$N"
  run -125 --separate-stderr lilipod inspect --type container --format '{{.State.Status}}' "$N"
  [ -z "$output" ]
  run -0 lilipod ps -a --no-trunc --format "{{.ID}}|{{.Image}}|{{.Names}}|{{.Status}}|{{.Labels}}{{.Mounts}}"
  [ -z "$output" ]
}
