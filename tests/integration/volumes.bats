#!/usr/bin/env bats
# Named and anonymous volumes: -v NAME:/dst, --mount type=volume, copy-up,
# `volume create|ls|inspect|rm|prune|exists`, rm -v, run --rm.

load ../lib/common

setup_file() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  require_registry
  "$LILIPOD" pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox" >/dev/null
}

setup() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
}

# The name of the volume mounted at $2 in container $1.
vol_at() {
  "$LILIPOD" inspect --format "{{range .Mounts}}{{if eq .Destination \"$2\"}}{{.Name}}{{end}}{{end}}" "$1"
}

@test "volume create, ls, inspect, exists, rm: Podman's output and exit codes" {
  run -0 lilipod volume create vol1
  [ "$output" = vol1 ]
  run -125 lilipod volume create vol1
  [ "$output" = "Error: volume with name vol1 already exists: volume already exists" ]
  run -0 lilipod volume create --ignore vol1
  [ "$output" = vol1 ]
  run -0 lilipod volume create --label team=a vol2
  run -0 lilipod volume create
  [[ "$output" =~ ^[0-9a-f]{64}$ ]]
  gen=$output
  run -125 lilipod volume create 'bad/name'
  run -125 lilipod volume create -o type=tmpfs vol3
  [[ "$output" == *"not supported"* ]]
  run -0 lilipod volume ls
  [ "$output" = "$(printf 'DRIVER      VOLUME NAME\nlocal       %s\nlocal       vol1\nlocal       vol2' "$gen")" ]
  run -0 lilipod volume ls -q --filter label=team=a
  [ "$output" = vol2 ]
  run -0 lilipod volume ls --noheading --filter name=vol --format '{{.Name}} {{.Labels}}'
  [ "$output" = "$(printf 'vol1 map[]\nvol2 map[team:a]')" ]
  run -0 lilipod volume inspect vol1
  [ "$(jq -r '.[0] | [.Name, .Driver, .Scope, .Mountpoint, .NeedsCopyUp] | join(" ")' <<<"$output")" = \
    "vol1 local local $LILIPOD_HOME/volumes/vol1/_data true" ]
  [ -d "$LILIPOD_HOME/volumes/vol1/_data" ]
  run -0 lilipod volume inspect --format '{{.Name}}={{.Labels.team}}' vol2
  [ "$output" = vol2=a ]
  run -0 lilipod volume exists vol1
  run -1 lilipod volume exists nope
  run -125 --separate-stderr lilipod volume inspect nope
  [ "$stderr" = "Error: no such volume nope" ]
  run -0 lilipod volume rm vol1 vol2 "$gen"
  [ "$output" = "$(printf 'vol1\nvol2\n%s' "$gen")" ]
  run -1 lilipod volume rm vol1
  [ "$output" = 'Error: no volume with name "vol1" found: no such volume' ]
  [ ! -e "$LILIPOD_HOME/volumes/vol1" ]
}

@test "-v NAME:/dst makes the volume; its first use copies the image's files; data outlives containers" {
  run -0 lilipod run --rm -v vdata:/etc busybox sh -c 'grep ^alice: /etc/passwd; echo x >/etc/added'
  [ "$output" = alice:x:1000:1000:Alice:/home/alice:/bin/sh ]
  # Podman's JSON leaves NeedsCopyUp out once it is false.
  run -0 lilipod volume inspect vdata
  [ "$(jq -r '.[0].NeedsCopyUp // false' <<<"$output")" = false ]
  [ -f "$LILIPOD_HOME/volumes/vdata/_data/passwd" ]
  run -0 lilipod run --rm -v vdata:/mnt:ro busybox sh -c 'cat /mnt/added; touch /mnt/y 2>/dev/null || echo ro'
  [ "$output" = "$(printf 'x\nro')" ]
  # Copied once: emptied, it stays empty.
  lilipod run --rm -v vdata:/v busybox sh -c 'rm -rf /v/* /v/.[!.]*'
  run -0 lilipod run --rm -v vdata:/etc busybox ls -A /etc
  [ -z "$output" ]
  lilipod volume rm vdata
}

@test "nocopy skips the copy; a volume mounted where the image has nothing gets nothing" {
  run -0 lilipod run --rm -v vnc:/etc:nocopy busybox ls -A /etc
  [ -z "$output" ]
  run -0 lilipod run --rm -v vnew:/nothing-here busybox sh -c 'ls -A /nothing-here; echo 1 >/nothing-here/a'
  [ -z "$output" ]
  # Not empty any more: no copy into it later.
  run -0 lilipod run --rm -v vnew:/etc busybox ls -A /etc
  [ "$output" = a ]
  lilipod volume rm vnc vnew
}

@test "--mount type=volume,src=NAME,dst=...; anonymous volumes live in the same volumes dir" {
  run -0 lilipod run --rm --mount type=volume,src=mvol,dst=/data busybox sh -c 'echo m >/data/f'
  [ "$(cat "$LILIPOD_HOME/volumes/mvol/_data/f")" = m ]
  lilipod create --name va -v /anon --mount type=volume,dst=/anon2 busybox true >/dev/null
  anon=$(vol_at va /anon)
  [[ "$anon" =~ ^[0-9a-f]{64}$ ]]
  run -0 lilipod inspect --format '{{range .Mounts}}{{.Type}} {{.Source}} {{.Driver}}|{{end}}' va
  [[ "$output" == "volume $LILIPOD_HOME/volumes/$anon/_data local|volume $LILIPOD_HOME/volumes/"*"/_data local|" ]]
  run -0 lilipod volume inspect --format '{{.Anonymous}}' "$anon"
  [ "$output" = true ]
  run -0 lilipod volume ls -q
  [[ "$output" == *"$anon"* ]]
  lilipod rm -v va
  lilipod volume rm mvol
}

@test "rm -v removes anonymous volumes only; rm keeps them; run --rm removes them" {
  lilipod run --name c1 -v /anon1 -v named1:/n busybox sh -c 'echo a >/anon1/f; echo n >/n/f'
  anon1=$(vol_at c1 /anon1)
  [ -f "$LILIPOD_HOME/volumes/$anon1/_data/f" ]
  run -0 lilipod rm -v c1
  run -1 lilipod volume exists "$anon1"
  [ ! -e "$LILIPOD_HOME/volumes/$anon1" ]
  run -0 lilipod volume exists named1
  lilipod run --name c2 -v /anon2 busybox true
  anon2=$(vol_at c2 /anon2)
  lilipod rm c2
  run -0 lilipod volume exists "$anon2"
  run -0 lilipod volume ls -q --filter dangling=true
  [ "$output" = "$(printf '%s\n' "$anon2" named1 | sort)" ]
  before=$(lilipod volume ls -q | wc -l)
  run -0 lilipod run --rm -v /anon3 busybox sh -c 'echo x >/anon3/x'
  [ "$(lilipod volume ls -q | wc -l)" = "$before" ]
  lilipod volume rm "$anon2" named1
}

@test "volume rm of a volume in use: exit 2 unless -f, which removes the container" {
  id=$(lilipod run -d --name cu -v inuse:/d busybox sleep 1000)
  run -2 lilipod volume rm inuse
  [ "$output" = "Error: volume inuse is being used by the following container(s): $id: volume is being used" ]
  run -0 lilipod volume rm -f -t 0 inuse
  [ "$output" = inuse ]
  run -1 lilipod container exists cu
  run -1 lilipod volume exists inuse
}

@test "volume prune: asks, then removes the unused ones only" {
  lilipod volume create p-unused >/dev/null
  lilipod create --name pu -v p-used:/d busybox true >/dev/null
  run -0 bash -c "echo n | $LILIPOD volume prune"
  [[ "$output" == *"The following volumes will be removed:"*"p-unused"*"[y/N]"* ]]
  run -0 lilipod volume exists p-unused
  run -0 bash -c "echo y | $LILIPOD volume prune"
  run -1 lilipod volume exists p-unused
  run -0 lilipod volume exists p-used
  run -0 lilipod volume prune -f
  [ -z "$output" ]
  lilipod rm pu
  run -0 lilipod volume prune -f
  [ "$output" = p-used ]
}

@test "files written by container root into a volume are removable by volume rm" {
  run -0 lilipod run --rm -v vroot:/d busybox sh -c 'mkdir -p /d/a/b && echo x >/d/a/b/f && chown -R 1000:1000 /d/a && chmod 700 /d/a'
  run -0 lilipod volume rm vroot
  [ ! -e "$LILIPOD_HOME/volumes/vroot" ]
}
