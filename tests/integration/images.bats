#!/usr/bin/env bats
# images, image exists/inspect/prune, tag/untag, rmi, inspect and system df,
# over images stored from the fixtures' OCI layout (__import-layout).

load ../lib/common

setup() {
  common_setup
  FIX="${LILIPOD_TEST_FIXTURES:-}"
  if [ -z "$FIX" ] && [ -n "${LILIPOD_TEST_ENV:-}" ] && [ -r "$LILIPOD_TEST_ENV" ]; then
    # shellcheck disable=SC1090
    source "$LILIPOD_TEST_ENV"
    FIX="${LILIPOD_TEST_FIXTURES:-}"
  fi
  if [ -z "$FIX" ] || [ ! -r "$FIX/index.json" ]; then
    echo "no fixtures layout: set LILIPOD_TEST_FIXTURES or LILIPOD_TEST_ENV (./scripts/test does)" >&2
    return 1
  fi
  BUSYBOX_ID=de83bad84f30a791a67f578abe55d0abd344a9c1bf55244469648cd2c9db0c95
}

import() {
  run lilipod __import-layout "$FIX" "$1" "$2"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "images lists one row per name, host:port repositories split at the tag" {
  import busybox docker.io/library/busybox:latest
  import multilayer localhost:5000/multi:v1
  run lilipod images
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "REPOSITORY                 TAG         IMAGE ID      CREATED      SIZE" ]
  grep -Eq '^localhost:5000/multi +v1 +25c94aa8d9fc +[0-9]+ years ago +2.23 MB$' <<<"$output"
  grep -Eq '^docker.io/library/busybox +latest +de83bad84f30 +[0-9]+ years ago +2.14 MB$' <<<"$output"
  [ "${#lines[@]}" -eq 3 ]
}

@test "images -q, --noheading, --no-trunc, --digests and --format" {
  import busybox docker.io/library/busybox:latest
  lilipod tag busybox 127.0.0.1:5000/busybox
  run lilipod images -q
  [ "$output" = "de83bad84f30" ]
  run lilipod images -q --no-trunc
  [ "$output" = "sha256:$BUSYBOX_ID" ]
  run lilipod images --noheading
  [ "${#lines[@]}" -eq 2 ]
  [[ "${lines[0]}" != REPOSITORY* ]]
  run lilipod images --digests
  [[ "${lines[0]}" == *"TAG         DIGEST "* ]]
  [[ "$output" == *"sha256:287e6599cc83bdd87c55c75506c307cc0689202b9e86610c13fa5416e7d50c23"* ]]
  run lilipod images --format '{{.Repository}}:{{.Tag}}\t{{.ID}}'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = $'127.0.0.1:5000/busybox:latest\tde83bad84f30' ]
  [ "${lines[1]}" = $'docker.io/library/busybox:latest\tde83bad84f30' ]
  run lilipod images --format 'table {{.Repository}} {{.Size}}'
  [ "${lines[0]}" = "REPOSITORY                 SIZE" ]
  [ "${lines[2]}" = "docker.io/library/busybox  2.14 MB" ]
  run lilipod images --format '{{json .}}'
  [ "$(jq -r '.[0].Id' <<<"$output")" = "$BUSYBOX_ID" ]
  [ "$(jq -r '.[0].Names | length' <<<"$output")" = 2 ]
  [ "$(jq -r 'length' <<<"$output")" = 1 ]
  run lilipod images --format '{{.Nope}}'
  [ "$status" -eq 125 ]
}

@test "images --filter reference= and dangling=, and image ls" {
  import busybox docker.io/library/busybox:latest
  import multilayer localhost:5000/multi:v1
  run lilipod images --format '{{.Repository}}' --filter reference=busybox
  [ "$output" = "docker.io/library/busybox" ]
  run lilipod images --format '{{.Repository}}' --filter 'reference=localhost:5000/mul*'
  [ "$output" = "localhost:5000/multi" ]
  run lilipod images --format '{{.Repository}}' --filter reference=multi
  [ "$output" = "localhost:5000/multi" ]
  lilipod untag localhost:5000/multi:v1
  run lilipod images --format '{{.Repository}} {{.Tag}} {{.ID}}' --filter dangling=true
  [ "$output" = "<none> <none> 25c94aa8d9fc" ]
  run lilipod image ls --format '{{.Repository}}' -f dangling=false
  [ "$output" = "docker.io/library/busybox" ]
  run lilipod image list -q
  [ "${#lines[@]}" -eq 2 ]
  run lilipod images --filter bogus=1
  [ "$status" -eq 125 ]
}

@test "image exists, tag and untag" {
  import busybox docker.io/library/busybox:latest
  run lilipod image exists busybox
  [ "$status" -eq 0 ] && [ -z "$output" ]
  run lilipod image exists nosuch
  [ "$status" -eq 1 ] && [ -z "$output" ]
  lilipod tag busybox mybox:1.0 127.0.0.1:5000/busybox
  run lilipod images --format '{{.Repository}}:{{.Tag}}'
  [[ "$output" == *"localhost/mybox:1.0"* ]]
  [[ "$output" == *"127.0.0.1:5000/busybox:latest"* ]]
  # a short name finds a stored name whose repository path ends with it
  run lilipod image exists mybox:1.0
  [ "$status" -eq 0 ]
  run lilipod tag nosuch x
  [ "$status" -eq 125 ]
  [[ "$output" == *"nosuch: image not known"* ]]
  lilipod untag busybox mybox:1.0
  run lilipod untag busybox nosuch
  [ "$status" -eq 125 ]
  [[ "$output" == *"localhost/nosuch:latest: tag not known"* ]]
  lilipod untag busybox
  run lilipod images --format '{{.Repository}}'
  [ "$output" = "<none>" ]
}

@test "inspect and image inspect print Podman's image JSON" {
  import busybox docker.io/library/busybox:latest
  run --separate-stderr lilipod image inspect busybox
  [ "$status" -eq 0 ]
  [ "$(jq -r '.[0].Id' <<<"$output")" = "$BUSYBOX_ID" ]
  [ "$(jq -r '.[0].RepoTags[0]' <<<"$output")" = "docker.io/library/busybox:latest" ]
  [ "$(jq -r '.[0].Config.Cmd[0]' <<<"$output")" = "sh" ]
  [ "$(jq -r '.[0].Config.Env[0]' <<<"$output")" = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" ]
  [ "$(jq -r '.[0].Created' <<<"$output")" = "2023-11-14T22:13:20Z" ]
  [ "$(jq -r '.[0].Os + "/" + .[0].Architecture' <<<"$output")" = "linux/amd64" ]
  [ "$(jq -r '.[0].GraphDriver.Name' <<<"$output")" = "lilipod" ]
  [ "$(jq -r '.[0].RootFS.Layers[0]' <<<"$output")" = "sha256:01d9b0447394ea2c3de194cb08838b9436ce19dd820a858e93b9fd3933c902f9" ]
  [ "$(jq -r '.[0].ManifestType' <<<"$output")" = "application/vnd.oci.image.manifest.v1+json" ]
  [ "$(jq -r '.[0].Digest' <<<"$output")" = "sha256:287e6599cc83bdd87c55c75506c307cc0689202b9e86610c13fa5416e7d50c23" ]
  run lilipod inspect --type image --format '{{.Id}} {{.Config.Cmd}} {{.Labels}}' busybox "$BUSYBOX_ID"
  [ "${lines[0]}" = "$BUSYBOX_ID [sh] <nil>" ]
  [ "${#lines[@]}" -eq 2 ]
  run lilipod inspect busybox de83bad
  [ "$(jq -r 'length' <<<"$output")" = 2 ]
}

@test "inspect of a missing object: exit 125, the error on stderr, nothing for it on stdout" {
  import busybox docker.io/library/busybox:latest
  run --separate-stderr lilipod inspect --type image --format '{{.Id}}' nosuch
  [ "$status" -eq 125 ]
  [ -z "$output" ]
  [ "$stderr" = "Error: inspecting object: nosuch: image not known" ]
  run --separate-stderr lilipod inspect --type container --format '{{.State.Status}}' nosuch
  [ "$status" -eq 125 ]
  [ -z "$output" ]
  [ "$stderr" = "Error: inspecting object: no such container nosuch" ]
  run --separate-stderr lilipod inspect nosuch
  [ "$status" -eq 125 ]
  [ "$output" = "[]" ]   # Podman prints an empty array without --format
  [ "$stderr" = 'Error: inspecting object: no such object: "nosuch"' ]
  run --separate-stderr lilipod inspect --format '{{.Id}}' busybox nosuch
  [ "$status" -eq 125 ]
  [ "$output" = "$BUSYBOX_ID" ]
}

@test "rmi: untag by name, delete the last, Podman's exit codes" {
  import busybox docker.io/library/busybox:latest
  lilipod tag busybox 127.0.0.1:5000/busybox
  run --separate-stderr lilipod rmi nosuch
  [ "$status" -eq 1 ]
  [ "$stderr" = "Error: nosuch: image not known" ]
  run lilipod rmi -i nosuch
  [ "$status" -eq 0 ]
  run --separate-stderr lilipod rmi de83bad84f30
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"by ID with more than one tag"* ]]
  run lilipod rmi 127.0.0.1:5000/busybox
  [ "$status" -eq 0 ]
  [ "$output" = "Untagged: 127.0.0.1:5000/busybox:latest" ]
  run lilipod rmi busybox
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Untagged: docker.io/library/busybox:latest" ]
  [ "${lines[1]}" = "Deleted: $BUSYBOX_ID" ]
  run lilipod images -q
  [ -z "$output" ]
  run lilipod rmi
  [ "$status" -eq 125 ]
}

@test "rmi -a removes every image; image rm is rmi" {
  import busybox docker.io/library/busybox:latest
  import multilayer localhost:5000/multi:v1
  run lilipod image rm localhost:5000/multi:v1
  [ "$status" -eq 0 ]
  [[ "$output" == *"Deleted: 25c94aa8d9fc"* ]]
  import multilayer localhost:5000/multi:v1
  run lilipod rmi -a
  [ "$status" -eq 0 ]
  [ "$(grep -c '^Deleted: ' <<<"$output")" -eq 2 ]
  run lilipod images -q
  [ -z "$output" ]
}

@test "image prune removes dangling images and frees their content" {
  import busybox docker.io/library/busybox:latest
  import multilayer localhost:5000/multi:v1
  lilipod untag localhost:5000/multi:v1
  run lilipod image prune -f
  [ "$status" -eq 0 ]
  [ "$output" = "25c94aa8d9fc2d860358d31d91d8ecfc8e19b367c73dd84307747dad33b0a77c" ]
  run lilipod images --format '{{.Repository}}'
  [ "$output" = "docker.io/library/busybox" ]
  run lilipod image prune -a -f
  [ "$output" = "$BUSYBOX_ID" ]
  run lilipod system df -v
  [[ "$output" == *"Content objects: 0, 0B on disk"* ]]
}

@test "system df shows Podman's columns" {
  import busybox docker.io/library/busybox:latest
  run lilipod system df
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "TYPE           TOTAL       ACTIVE      SIZE        RECLAIMABLE" ]
  grep -Eq '^Images +1 +0 +2\.14[0-9]*MB +2\.14[0-9]*MB \(100%\)$' <<<"$output"
  grep -Eq '^Containers +0 +0 +0B +0B \(0%\)$' <<<"$output"
  grep -Eq '^Local Volumes +0 +0 +0B +0B \(0%\)$' <<<"$output"
}

@test "__complete images offers names and short ids" {
  import busybox docker.io/library/busybox:latest
  run lilipod __complete images
  [ "${lines[0]}" = "docker.io/library/busybox:latest" ]
  [ "${lines[1]}" = "de83bad84f30" ]
}

