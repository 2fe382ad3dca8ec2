#!/usr/bin/env bats
# Hostile and broken images through the real pull path: tests/fixtures/hostile.py
# builds them (valid digests around the one bad thing) and pushes them to the
# plain registry as hostile/NAME:latest. A pull must fail with exit 125 and an
# error naming the problem, write nothing outside the store (a canary
# directory the layers aim at stays untouched), and leave the store as it
# was, but for what gc is there to remove.

load ../lib/common

setup_file() {
  require_registry
  export CANARY="$BATS_FILE_TMPDIR/canary"
  mkdir -p "$CANARY"
  echo "canary" >"$CANARY/file"
  export HOSTILE_LAYOUT="$BATS_FILE_TMPDIR/layout"
  mkdir -p "$HOSTILE_LAYOUT"
  /usr/bin/python3 "$BATS_TEST_DIRNAME/../fixtures/hostile.py" "$LILIPOD_TEST_REG_PLAIN" "$CANARY" >/dev/null
}

setup() {
  common_setup
  require_registry
  export HOME="$BATS_TEST_TMPDIR/userhome"
  mkdir -p "$HOME"
  export CONTAINERS_REGISTRIES_CONF="$BATS_TEST_TMPDIR/registries.conf"
  : >"$CONTAINERS_REGISTRIES_CONF"
  REG=$LILIPOD_TEST_REG_PLAIN
  # A store with something in it, which a failed pull must not change.
  run --separate-stderr lilipod pull -q --tls-verify=false "$REG/busybox"
  [ "$status" -eq 0 ]
  BUSYBOX_ID=$output
  canary_before=$(snapshot "$CANARY")
  outside_before=$(snapshot_outside)
  store_before=$(store_state)
}

teardown() {
  if [ -n "${SERVER_PID:-}" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "${OVERLAY_MNT:-}" ] && mountpoint -q "$OVERLAY_MNT"; then umount "$OVERLAY_MNT" || true; fi
}

# Every path under DIR with type, mode, size and content hash.
snapshot() {
  (cd "$1" && find . -printf '%p %y %m %s\n' | LC_ALL=C sort && find . -type f -exec sha256sum {} + | LC_ALL=C sort)
}

# Everything of this test outside the store (and its canary's parent).
snapshot_outside() {
  # (bats keeps run's stderr in separate-stderr-* files there)
  (cd "$BATS_TEST_TMPDIR" && find . \( -path ./home -o -name 'separate-stderr-*' \) -prune -o -printf '%p %y %m\n' |
     LC_ALL=C sort
   cd "$BATS_FILE_TMPDIR" && find . -printf '%p %y %m %s\n' | LC_ALL=C sort)
  ls -A "$(dirname "$BATS_TEST_TMPDIR")" "$(dirname "$BATS_FILE_TMPDIR")" 2>/dev/null | grep -F lilipod-escape || true
}

sql() {
  sqlite3 -readonly "$LILIPOD_HOME/store.db" "$1"
}

# What the store holds that matters: images, names, layers, tree rows, objects.
store_state() {
  sql "SELECT id FROM images ORDER BY id"
  sql "SELECT name, image FROM image_names ORDER BY name"
  sql "SELECT diff_id FROM layers ORDER BY diff_id"
  sql "SELECT COUNT(*) FROM tree_nodes"
  (cd "$LILIPOD_HOME/objects" && find . -type f | LC_ALL=C sort)
}

# The pull of hostile/NAME fails with 125 and an error matching GLOB; then
# nothing outside the store changed, no image came, and after gc the store is
# exactly as before.
pull_fails() {
  local name=$1 glob=$2 ref=${3:-$REG/hostile/$1}
  run --separate-stderr lilipod pull -q --tls-verify=false --retry 0 "$ref"
  echo "$name: status $status: $stderr"
  [ "$status" -eq 125 ]
  [ -z "$output" ]
  [[ "$stderr" == "Error: "* ]]
  [[ "$stderr" == $glob ]]
  [ "$(snapshot "$CANARY")" = "$canary_before" ]
  diff <(echo "$outside_before") <(snapshot_outside)
  [ "$(sql "SELECT COUNT(*) FROM images")" = 1 ]
  run --separate-stderr lilipod __gc
  [ "$status" -eq 0 ]
  [ "$(store_state)" = "$store_before" ]
  [ -z "$(ls -A "$LILIPOD_HOME/tmp")" ]
  # busybox is intact.
  [ "$(lilipod __tree "$BUSYBOX_ID" | awk -F'\t' '$1 == "bin/busybox" {print $8}')" = \
    "$(sha256sum /bin/busybox | cut -d' ' -f1)" ]
}

@test "hostile: a layer entry named ../x is refused" {
  pull_fails dotdot "*name \`../lilipod-escape\` contains \`..\`*"
}

@test "hostile: an absolute entry name is refused" {
  pull_fails absolute "*absolute name \`$CANARY/abs-pwned\`*"
}

@test "hostile: a file through a symlink of the same layer is refused" {
  pull_fails symlink-file "*entry \`evil/pwned\` goes through symlink \`evil\`*"
  [ ! -e "$CANARY/pwned" ]
}

@test "hostile: a file through a lower layer's symlink replaces the symlink by a directory, as overlayfs does" {
  # Layers are stacked, not extracted over each other: in the upper layer
  # `evil` is a directory (an implicit parent), which hides the lower
  # symlink, exactly as the kernel overlay shows it. Nothing follows the link.
  run --separate-stderr lilipod pull -q --tls-verify=false "$REG/hostile/symlink-file-2"
  [ "$status" -eq 0 ]
  [ "$(snapshot "$CANARY")" = "$canary_before" ]
  [ "$(snapshot_outside)" = "$outside_before" ]
  run --separate-stderr lilipod __tree "$output"
  [ "$status" -eq 0 ]
  grep -qxP 'evil\tdir\t0755\t0\t0\t0\t-\t-\t-\t1\t-' <<<"$output"
  grep -qP '^evil/pwned\tfile\t' <<<"$output"
  local tree=$output
  if [ "$(id -u)" = 0 ]; then
    # The kernel's overlay of the same two layers agrees (root only: it mounts).
    OVERLAY_MNT=$BATS_TEST_TMPDIR/overlay/merged
    /usr/bin/python3 "$BATS_TEST_DIRNAME/../fixtures/overlay-tree.py" "$HOSTILE_LAYOUT" symlink-file-2 \
      "$BATS_TEST_TMPDIR/overlay" >"$BATS_TEST_TMPDIR/overlay.tree"
    diff "$BATS_TEST_TMPDIR/overlay.tree" <(printf '%s\n' "$tree")
  fi
}

@test "hostile: a hard link to a path no layer has is refused" {
  pull_fails hardlink-missing "*hard link \`hl\` points to \`no/such/file\`, which is not a file of this or a lower layer*"
}

@test "broken: a layer whose content does not match its diff_id" {
  pull_fails diffid-mismatch "Error: copying blob sha256:*does not match the expected diff_id*"
}

@test "broken: a corrupt gzip layer" {
  pull_fails corrupt-gzip "Error: copying blob sha256:*decompress layer sha256:*"
}

@test "broken: a truncated zstd layer" {
  pull_fails truncated-zstd "Error: copying blob sha256:*unexpected end of zstd data*"
}

@test "broken: a config whose size is not the descriptor's" {
  pull_fails config-digest "Error: reading config sha256:*bytes, the manifest says*"
}

@test "broken: a layer of an unknown media type" {
  pull_fails layer-type "*unsupported layer media type \"application/vnd.example.not-a-layer\"*"
}

@test "broken: a manifest of the wrong media type" {
  local dir=$BATS_TEST_TMPDIR/wrongtype
  mkdir -p "$dir"
  /usr/bin/python3 "$BATS_TEST_DIRNAME/../fixtures/hostile.py" serve-wrong-type "$dir/port" 3>&- &
  SERVER_PID=$!
  for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.1; done
  outside_before=$(snapshot_outside)
  pull_fails manifest-type \
    "Error: initializing source docker://127.0.0.1:*/hostile/manifest-type:latest: *unsupported manifest media type \"application/vnd.oci.image.config.v1+json\"*" \
    "127.0.0.1:$(cat "$dir/port")/hostile/manifest-type"
}
