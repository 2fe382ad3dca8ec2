#!/usr/bin/env bats
# What a pull leaves in the store: the flattened tree (against the kernel's
# overlayfs as root, against multilayer.expected always), pulls killed with
# SIGKILL at named points then re-run, concurrent pulls, and Podman's
# progress lines.

load ../lib/common

setup() {
  common_setup
  require_registry
  export HOME="$BATS_TEST_TMPDIR/userhome"
  mkdir -p "$HOME"
  export CONTAINERS_REGISTRIES_CONF="$BATS_TEST_TMPDIR/registries.conf"
  : >"$CONTAINERS_REGISTRIES_CONF"
  REG=$LILIPOD_TEST_REG_PLAIN
  : "${LILIPOD_TEST_FIXTURES:?registry.env has no LILIPOD_TEST_FIXTURES: run push-images.sh}"
  EXPECTED=$LILIPOD_TEST_FIXTURES/multilayer.expected
}

teardown() {
  if [ -n "${OVERLAY_MNT:-}" ] && mountpoint -q "$OVERLAY_MNT"; then umount "$OVERLAY_MNT" || true; fi
}

pull() {
  lilipod pull -q --tls-verify=false "$@"
}

sql() {
  sqlite3 -readonly "$LILIPOD_HOME/store.db" "$1"
}

expected_rows() {
  grep -v '^#' "$EXPECTED" | LC_ALL=C sort
}

# The store holds no garbage: nothing in tmp/, every object file named by a
# row and every digest a row names on disk, no layer without an image.
assert_store_clean() {
  local files digests
  [ -z "$(ls -A "$LILIPOD_HOME/tmp")" ] || { echo "tmp/ not empty:"; ls -la "$LILIPOD_HOME/tmp"; return 1; }
  files=$(cd "$LILIPOD_HOME/objects" && find . -type f | sed 's|^\./||; s|/||' | LC_ALL=C sort)
  digests=$(sql "SELECT DISTINCT digest FROM layer_entries WHERE digest IS NOT NULL" | LC_ALL=C sort)
  [ "$files" = "$digests" ] || { diff <(echo "$files") <(echo "$digests"); return 1; }
  [ "$(sql "SELECT COUNT(*) FROM layers WHERE id NOT IN (SELECT layer FROM image_layers)")" = 0 ]
  # Every tree's objects are among them.
  [ "$(sql "SELECT COUNT(*) FROM tree_nodes WHERE digest IS NOT NULL AND digest NOT IN (SELECT digest FROM layer_entries WHERE digest IS NOT NULL)")" = 0 ]
}

gc_report() {
  run --separate-stderr lilipod __gc
  [ "$status" -eq 0 ] || { echo "__gc: $stderr"; return 1; }
  GC=$output
}

gc_value() {
  awk -v k="$1" '$1 == k {print $2}' <<<"$GC"
}

@test "the flattened multilayer tree equals multilayer.expected" {
  run --separate-stderr pull "$REG/multilayer"
  [ "$status" -eq 0 ]
  run --separate-stderr lilipod __tree "$REG/multilayer:latest"
  [ "$status" -eq 0 ]
  diff <(expected_rows) <(printf '%s\n' "$output")
  # The same tree by image ID.
  local id
  id=$(pull "$REG/multilayer")
  diff <(expected_rows) <(lilipod __tree "$id")
  run --separate-stderr lilipod __tree "$REG/not-pulled:latest"
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"image not known"* ]]
}

@test "the flattened multilayer tree equals the kernel overlayfs over the same layers (unprivileged: the expected file)" {
  if [ "$(id -u)" != 0 ]; then
    # Mounting overlayfs with trusted.* whiteouts needs root; unprivileged,
    # the same store tree is compared with multilayer.expected instead (which
    # the root run checks against the overlay below).
    pull "$REG/multilayer" >/dev/null
    diff <(expected_rows) <(lilipod __tree "$REG/multilayer:latest")
    return 0
  fi
  pull "$REG/multilayer" >/dev/null
  local work=$BATS_TEST_TMPDIR/overlay
  OVERLAY_MNT=$work/merged
  /usr/bin/python3 "$BATS_TEST_DIRNAME/../fixtures/overlay-tree.py" "$LILIPOD_TEST_FIXTURES" multilayer "$work" \
    >"$BATS_TEST_TMPDIR/overlay.tree"
  ! mountpoint -q "$OVERLAY_MNT"
  [ "$(wc -l <"$BATS_TEST_TMPDIR/overlay.tree")" -gt 300 ]
  diff "$BATS_TEST_TMPDIR/overlay.tree" <(lilipod __tree "$REG/multilayer:latest")
  diff "$BATS_TEST_TMPDIR/overlay.tree" <(expected_rows)
}

@test "a fresh pull says done for each blob, a second pull says skipped" {
  run --separate-stderr lilipod pull --tls-verify=false "$REG/busybox"
  [ "$status" -eq 0 ]
  local id=$output
  [ "$(grep -cE '^Copying blob [0-9a-f]{12} done$' <<<"$stderr")" -eq 1 ]
  grep -qx "Copying config ${id:0:12} done" <<<"$stderr"
  # multilayer shares busybox's layer: that one is skipped, the 3 others copied.
  run --separate-stderr lilipod pull --tls-verify=false "$REG/multilayer"
  [ "$status" -eq 0 ]
  [ "$(grep -cE '^Copying blob [0-9a-f]{12} skipped: already exists$' <<<"$stderr")" -eq 1 ]
  [ "$(grep -cE '^Copying blob [0-9a-f]{12} done$' <<<"$stderr")" -eq 3 ]
  run --separate-stderr lilipod pull --tls-verify=false "$REG/busybox"
  [ "$status" -eq 0 ]
  [ "$output" = "$id" ]
  mapfile -t lines <<<"$stderr"
  [ "${lines[0]}" = "Trying to pull $REG/busybox:latest..." ]
  [ "${lines[1]}" = "Getting image source signatures" ]
  [[ "${lines[2]}" =~ ^Copying\ blob\ [0-9a-f]{12}\ skipped:\ already\ exists$ ]]
  [ "${lines[3]}" = "Copying config ${id:0:12} done" ]
  [ "${lines[4]}" = "Writing manifest to image destination" ]
  [ "${lines[5]}" = "Storing signatures" ]
  [ "${#lines[@]}" -eq 6 ]
  run --separate-stderr lilipod pull -q --tls-verify=false "$REG/multilayer"
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^[0-9a-f]{64}$ ]]
  [ -z "$stderr" ]
}

@test "a pull killed with SIGKILL at each crash point, then re-run, succeeds and leaves no garbage" {
  local points=(pull.after-manifest pull.after-config pull.mid-blob store.layer.before-objects
    store.layer.after-objects store.layer.in-txn pull.after-layer-commit store.image.in-txn
    pull.after-image-commit)
  local want
  want=$(expected_rows)
  for point in "${points[@]}"; do
    export LILIPOD_HOME=$BATS_TEST_TMPDIR/home-$point
    # busybox first, so that the shared bottom layer is already there and
    # the store has something the crash must not damage.
    pull "$REG/busybox" >/dev/null
    LILIPOD_FAULT=$point run --separate-stderr lilipod pull --tls-verify=false "$REG/multilayer"
    [ "$status" -eq 137 ] || { echo "$point: status $status, $stderr"; false; }
    [ -z "$output" ]
    run --separate-stderr pull "$REG/multilayer"
    [ "$status" -eq 0 ] || { echo "$point: re-run: $stderr"; false; }
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    [ "$(lilipod __tree "$REG/multilayer:latest")" = "$want" ] || { echo "$point: tree differs"; false; }
    [ -n "$(lilipod __tree "$REG/busybox:latest")" ]
    # Only the killed ingest's temp files are left for gc; nothing referenced goes.
    local ntmp
    ntmp=$(find "$LILIPOD_HOME/tmp" -mindepth 1 | wc -l)
    gc_report
    [ "$(gc_value tmp_removed)" = "$ntmp" ] || { echo "$point: $ntmp in tmp/, $GC"; false; }
    [ "$(gc_value layers_removed)" = 0 ] || { echo "$point: $GC"; false; }
    [ "$(gc_value objects_removed)" = 0 ] || { echo "$point: $GC"; false; }
    assert_store_clean || { echo "after $point"; false; }
    gc_report
    [ "$GC" = "$(printf '%s 0\n' tmp_removed objects_removed object_bytes_removed layers_removed container_dirs_removed)" ]
  done
}

@test "a pull killed in the middle of a blob leaves temp files that gc removes, and the re-run completes" {
  # busybox's layer is mostly the 2 MB busybox binary: halfway through the
  # blob, its content is in a temp file.
  LILIPOD_FAULT=pull.mid-blob run --separate-stderr lilipod pull --tls-verify=false "$REG/busybox"
  [ "$status" -eq 137 ]
  local ntmp
  ntmp=$(find "$LILIPOD_HOME/tmp" -mindepth 1 | wc -l)
  [ "$ntmp" -ge 1 ]
  [ "$(sql "SELECT COUNT(*) FROM layers")" = 0 ]
  run --separate-stderr pull "$REG/busybox"
  [ "$status" -eq 0 ]
  gc_report
  [ "$(gc_value tmp_removed)" = "$ntmp" ]
  [ "$(gc_value objects_removed)" = 0 ]
  assert_store_clean
  [ "$(lilipod __tree "$REG/busybox:latest" | awk -F'\t' '$1 == "bin/busybox" {print $8}')" = \
    "$(sha256sum /bin/busybox | cut -d' ' -f1)" ]
}

@test "a pull killed after a layer commit leaves a layer gc removes when nothing re-pulls it" {
  LILIPOD_FAULT=pull.after-layer-commit run --separate-stderr lilipod pull --tls-verify=false "$REG/multilayer"
  [ "$status" -eq 137 ]
  [ "$(sql "SELECT COUNT(*) FROM images")" = 0 ]
  local layers objects
  layers=$(sql "SELECT COUNT(*) FROM layers")
  [ "$layers" -ge 1 ]
  objects=$(find "$LILIPOD_HOME/objects" -type f | wc -l)
  gc_report
  [ "$(gc_value layers_removed)" = "$layers" ]
  [ "$(gc_value objects_removed)" = "$objects" ]
  [ "$(find "$LILIPOD_HOME/objects" -type f | wc -l)" = 0 ]
  [ "$(sql "SELECT COUNT(*) FROM layer_entries")" = 0 ]
  assert_store_clean
}

@test "two concurrent pulls of the same image both succeed and store it once" {
  export LILIPOD_HOME=$BATS_TEST_TMPDIR/single
  pull "$REG/multilayer" >/dev/null
  local single
  single=$(find "$LILIPOD_HOME/objects" -type f | wc -l)
  [ "$single" -gt 0 ]

  export LILIPOD_HOME=$BATS_TEST_TMPDIR/concurrent
  pull "$REG/multilayer" >"$BATS_TEST_TMPDIR/a.out" 2>"$BATS_TEST_TMPDIR/a.err" &
  local a=$!
  pull "$REG/multilayer" >"$BATS_TEST_TMPDIR/b.out" 2>"$BATS_TEST_TMPDIR/b.err" &
  local b=$!
  wait "$a" || { cat "$BATS_TEST_TMPDIR/a.err"; false; }
  wait "$b" || { cat "$BATS_TEST_TMPDIR/b.err"; false; }
  [ "$(cat "$BATS_TEST_TMPDIR/a.out")" = "$(cat "$BATS_TEST_TMPDIR/b.out")" ]
  [ "$(find "$LILIPOD_HOME/objects" -type f | wc -l)" = "$single" ]
  [ "$(sql "SELECT COUNT(*) FROM layers")" = 4 ]
  [ "$(sql "SELECT COUNT(*) FROM images")" = 1 ]
  diff <(expected_rows) <(lilipod __tree "$REG/multilayer:latest")
  assert_store_clean
}

@test "concurrent pulls of two images sharing a layer both succeed and store the layer once" {
  export LILIPOD_HOME=$BATS_TEST_TMPDIR/single
  pull "$REG/busybox" >/dev/null
  pull "$REG/multilayer" >/dev/null
  local single
  single=$(find "$LILIPOD_HOME/objects" -type f | wc -l)

  export LILIPOD_HOME=$BATS_TEST_TMPDIR/concurrent
  for round in 1 2 3; do
    rm -rf "$LILIPOD_HOME"
    pull "$REG/busybox" >"$BATS_TEST_TMPDIR/a.out" 2>"$BATS_TEST_TMPDIR/a.err" &
    local a=$!
    pull "$REG/multilayer" >"$BATS_TEST_TMPDIR/b.out" 2>"$BATS_TEST_TMPDIR/b.err" &
    local b=$!
    wait "$a" || { echo "round $round"; cat "$BATS_TEST_TMPDIR/a.err"; false; }
    wait "$b" || { echo "round $round"; cat "$BATS_TEST_TMPDIR/b.err"; false; }
    [ "$(find "$LILIPOD_HOME/objects" -type f | wc -l)" = "$single" ]
    # busybox's layer is multilayer's bottom one: 4 layers in all.
    [ "$(sql "SELECT COUNT(*) FROM layers")" = 4 ]
    [ "$(sql "SELECT COUNT(*) FROM images")" = 2 ]
    diff <(expected_rows) <(lilipod __tree "$REG/multilayer:latest")
    assert_store_clean
  done
}

@test "processes opening a new store at the same moment all succeed" {
  # A race the concurrent pulls above once hit: the second of two first
  # opens got "database is locked" from switching the journal to WAL.
  for round in $(seq 40); do
    export LILIPOD_HOME=$BATS_TEST_TMPDIR/race-$round
    lilipod __gc >/dev/null 2>"$BATS_TEST_TMPDIR/e1" &
    local a=$!
    lilipod __gc >/dev/null 2>"$BATS_TEST_TMPDIR/e2" &
    local b=$!
    lilipod __gc >/dev/null 2>"$BATS_TEST_TMPDIR/e3" || { echo "round $round"; cat "$BATS_TEST_TMPDIR/e3"; false; }
    wait "$a" || { echo "round $round"; cat "$BATS_TEST_TMPDIR/e1"; false; }
    wait "$b" || { echo "round $round"; cat "$BATS_TEST_TMPDIR/e2"; false; }
    [ "$(sql "PRAGMA journal_mode")" = wal ]
  done
}
