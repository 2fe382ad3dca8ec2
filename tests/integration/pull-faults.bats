#!/usr/bin/env bats
# Pulls that go wrong: SIGKILL at random moments of a debian pull (the store
# must check clean after each and a re-pull must work), and registries that
# answer 500, reset connections or stall (tests/fixtures/fault-registry.py):
# retried where a retry can help, else one clear error within a bounded time,
# the store unchanged.

load ../lib/common

setup() {
  common_setup
  require_registry
  export HOME="$BATS_TEST_TMPDIR/userhome"
  mkdir -p "$HOME"
  export CONTAINERS_REGISTRIES_CONF="$BATS_TEST_TMPDIR/registries.conf"
  : >"$CONTAINERS_REGISTRIES_CONF"
  REG=$LILIPOD_TEST_REG_PLAIN
}

teardown() {
  if [ -n "${FAULT_PID:-}" ]; then kill "$FAULT_PID" 2>/dev/null || true; fi
  if [ -n "${SCRATCH:-}" ]; then rm -rf "$SCRATCH"; fi
}

# system check finds nothing: exit 0, one OK line, nothing on stderr.
check_clean() {
  run --separate-stderr lilipod system check
  [ "$status" -eq 0 ] && [ -z "$stderr" ] && [[ "$output" =~ ^OK:\ [0-9]+\ images,\ [^$'\n']*$ ]] || {
    echo "system check ($1): exit $status"
    echo "$output"
    echo "$stderr"
    return 1
  }
}

images_list() {
  lilipod images --format '{{.Repository}}:{{.Tag}} {{.ID}}' | LC_ALL=C sort
}

# Where a killed pull stopped, from what it left: temp files of a layer being
# received, a committed layer of no image, the image itself, or nothing yet.
killed_phase() {
  local home=$LILIPOD_HOME
  if [ ! -e "$home/store.db" ]; then echo "before-store"; return; fi
  python3 - "$home" <<'PY'
import os, sqlite3, sys
home = sys.argv[1]
db = sqlite3.connect(f"file:{home}/store.db?mode=ro", uri=True)
def one(q):
    try:
        return db.execute(q).fetchone()[0]
    except sqlite3.Error:
        return None
tmp = os.listdir(os.path.join(home, "tmp")) if os.path.isdir(os.path.join(home, "tmp")) else []
names = one("SELECT count(*) FROM image_names WHERE name LIKE '%/debian:bookworm'")
unused = one("SELECT count(*) FROM layers WHERE id NOT IN (SELECT layer FROM image_layers)")
if names is None:
    print("store-schema")
elif names:
    print("image-committed")
elif unused:
    print("layer-committed")
elif any(n.startswith("pending-") for n in tmp):
    print("objects-moving")
elif tmp:
    print("receiving-layer")
else:
    print("before-layer")
PY
}

# The stores live in /dev/shm when there is one: a SIGKILL leaves the page
# cache as it is whatever the filesystem, and on a busy disk deleting 24
# half-pulled debian stores took minutes.
scratch_dir() {
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    SCRATCH=$(mktemp -d /dev/shm/lilipod-pull-faults.XXXXXX)
  else
    SCRATCH=$BATS_TEST_TMPDIR/scratch
    mkdir -p "$SCRATCH"
  fi
}

@test "a debian pull SIGKILLed at 24 random moments: system check is clean after each, re-pulls work, the image runs" {
  local seed=${LILIPOD_TEST_SEED:-$(($(date +%s%N) % 1000000))}
  echo "LILIPOD_TEST_SEED=$seed (set it to replay these kill moments)"
  RANDOM=$seed
  local ref=$REG/debian:bookworm n=24
  scratch_dir

  # A store holding busybox, which no crash may damage; half the rounds start
  # from it, the other half from no store at all.
  export LILIPOD_HOME=$SCRATCH/template
  lilipod pull -q --tls-verify=false "$REG/busybox" >/dev/null
  local base
  base=$(images_list)

  # One timed pull, its debug lines stamped as they come, measures three
  # phases. A: manifest, config, download and unpack of the layer (from the
  # start); B: the layer's commit, objects moved and rows inserted (from the
  # debug line "layer ...: verified, moving N objects"); C: the image's
  # commit, its tree built (from "image ...: building its tree"). A takes
  # nearly all the time and varies by more than B and C last, so each kill
  # is a random moment after the start of its phase as the killed pull
  # itself reports it: half the kills in A, a quarter each in B and C, each
  # phase cut in equal slices with one kill at a random moment of each.
  export LILIPOD_HOME=$SCRATCH/timed
  cp -a "$SCRATCH/template" "$LILIPOD_HOME"
  local t0=${EPOCHREALTIME/./} id tree
  "$LILIPOD" --log-level debug pull --tls-verify=false "$ref" 2>&1 >"$BATS_TEST_TMPDIR/id" |
    while IFS= read -r line; do echo "$(((${EPOCHREALTIME/./} - t0) / 1000)) $line"; done >"$BATS_TEST_TMPDIR/timed.log"
  local t_end=$(((${EPOCHREALTIME/./} - t0) / 1000))
  id=$(cat "$BATS_TEST_TMPDIR/id")
  [[ "$id" =~ ^[0-9a-f]{64}$ ]] || { cat "$BATS_TEST_TMPDIR/timed.log"; false; }
  tree=$(lilipod __tree "$ref" | sha256sum)
  rm -rf "$LILIPOD_HOME"
  local mark_b="objects into the store" mark_c="building its tree" t_b t_c
  t_b=$(awk -v m="$mark_b" 'index($0, m) {print $1; exit}' "$BATS_TEST_TMPDIR/timed.log")
  t_c=$(awk -v m="$mark_c" 'index($0, m) {print $1; exit}' "$BATS_TEST_TMPDIR/timed.log")
  [ -n "$t_b" ] && [ -n "$t_c" ] || { echo "no phase lines in the debug output:"; cat "$BATS_TEST_TMPDIR/timed.log"; false; }
  echo "one pull: ${t_end} ms; layer commit from ${t_b} ms, image commit from ${t_c} ms"
  # Kill k: its phase's mark ("" = the start) and its slice [lo, hi) in ms after it.
  slice() {
    local k=$1 na=$((n / 2)) nb=$((n / 4)) d mark=""
    if [ "$k" -lt "$na" ]; then d=$t_b; n_=$na
    elif [ "$k" -lt $((na + nb)) ]; then k=$((k - na)); d=$((t_c - t_b)); n_=$nb; mark=$mark_b
    else k=$((k - na - nb)); d=$((t_end - t_c)); n_=$((n - na - nb)); mark=$mark_c
    fi
    echo $((d * k / n_)) $((d * (k + 1) / n_)) "$mark"
  }

  local kills=0 finished=0 phases=() round=0 repulls=0 scale=100 fifo=$BATS_TEST_TMPDIR/pull.fifo
  mkfifo "$fifo"
  export LILIPOD_HOME=$SCRATCH/killed
  while [ "$kills" -lt "$n" ]; do
    round=$((round + 1))
    [ "$round" -le $((n + 12)) ] || { echo "the pull kept finishing before its kill ($finished times)"; false; }
    rm -rf "$LILIPOD_HOME" "$BATS_TEST_TMPDIR/pull.err"
    local from_template=$((kills % 2 == 0))
    [ "$from_template" = 0 ] || cp -a "$SCRATCH/template" "$LILIPOD_HOME"
    local lo hi mark
    read -r lo hi mark <<<"$(slice "$kills")"
    # Scaled down when pulls turn out faster than the timed one.
    local at_ms=$(((lo + (hi - lo) * RANDOM / 32768) * scale / 100))
    "$LILIPOD" --log-level debug pull -q --tls-verify=false "$ref" >"$BATS_TEST_TMPDIR/pull.out" 2>"$fifo" &
    local pid=$! fd
    exec {fd}<"$fifo"
    if [ -n "$mark" ]; then
      local line
      while IFS= read -r -u "$fd" line; do
        echo "$line" >>"$BATS_TEST_TMPDIR/pull.err"
        [[ "$line" != *"$mark"* ]] || break
      done
    fi
    sleep "$(printf '%d.%03d' $((at_ms / 1000)) $((at_ms % 1000)))"
    kill -KILL "$pid" 2>/dev/null || true
    cat <&"$fd" >>"$BATS_TEST_TMPDIR/pull.err"
    exec {fd}<&-
    local st=0
    wait "$pid" || st=$?
    local what="kill $((kills + 1))/$n at ${at_ms} ms after ${mark:-the start} (seed $seed)"
    if [ "$st" -eq 0 ]; then
      # Done before the kill: pulls run faster now than the timed one.
      finished=$((finished + 1))
      scale=$((scale * 9 / 10))
      continue
    fi
    [ "$st" -eq 137 ] || { echo "$what: pull exited $st: $(cat "$BATS_TEST_TMPDIR/pull.err")"; false; }
    kills=$((kills + 1))
    local phase
    phase=$(killed_phase)
    local label=download
    [ "$mark" != "$mark_b" ] || label=layer-commit
    [ "$mark" != "$mark_c" ] || label=image-commit
    phases+=("$label>$phase")
    what="$what, $phase"
    check_clean "$what" || false
    # The images are those before, plus debian only if its commit was reached.
    local now want=""
    now=$(images_list)
    [ "$from_template" = 0 ] || want=$base
    if [ "$now" != "$want" ]; then
      [ "$now" = "$(printf '%s\n' "$want" "$ref ${id:0:12}" | sed '/^$/d' | LC_ALL=C sort)" ] ||
        { echo "$what: images"; echo "$now"; false; }
      [ "$(lilipod __tree "$ref" | sha256sum)" = "$tree" ] || { echo "$what: tree differs"; false; }
    fi
    # Every fourth store, and the last, is pulled again: it completes.
    if [ $((kills % 4)) -eq 0 ]; then
      repulls=$((repulls + 1))
      run --separate-stderr lilipod pull -q --tls-verify=false "$ref"
      [ "$status" -eq 0 ] || { echo "$what: re-pull: $stderr"; false; }
      [ "$output" = "$id" ]
      [ "$(lilipod __tree "$ref" | sha256sum)" = "$tree" ] || { echo "$what: tree differs after re-pull"; false; }
      [ "$(images_list)" = "$(printf '%s\n' "$want" "$ref ${id:0:12}" | sed '/^$/d' | LC_ALL=C sort)" ]
      check_clean "$what, after the re-pull" || false
    fi
  done
  run --separate-stderr lilipod run --rm "$ref" cat /etc/debian_version
  [ "$status" -eq 0 ] || { echo "run: $stderr"; false; }
  [[ "$output" =~ ^12\.[0-9]+$ ]]
  local summary
  summary=$(printf '%s\n' "${phases[@]}" | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')
  echo "# seed $seed: $n kills over a ${t_end} ms pull (${finished} finished first, $repulls re-pulls): ${summary%, }" >&3
}

# start_fault_registry FAULT...: busybox served with FAULTs by
# tests/fixtures/fault-registry.py (its header says how to write them); sets
# FAULTY to its host:port and FAULT_DIR (requests are logged to
# $FAULT_DIR/requests). A running one is stopped first.
start_fault_registry() {
  stop_fault_registry
  FAULT_DIR=$BATS_TEST_TMPDIR/faulty
  rm -rf "$FAULT_DIR"
  mkdir -p "$FAULT_DIR"
  /usr/bin/python3 "$BATS_TEST_DIRNAME/../fixtures/fault-registry.py" "$REG" busybox "$FAULT_DIR" "$@" \
    >"$FAULT_DIR/server.log" 2>&1 3>&- &
  FAULT_PID=$!
  for _ in $(seq 100); do [ -s "$FAULT_DIR/port" ] && break; sleep 0.1; done
  [ -s "$FAULT_DIR/port" ] || { echo "fault-registry did not start:"; cat "$FAULT_DIR/server.log"; return 1; }
  FAULTY=127.0.0.1:$(cat "$FAULT_DIR/port")
}

stop_fault_registry() {
  if [ -n "${FAULT_PID:-}" ]; then
    kill "$FAULT_PID" 2>/dev/null || true
    wait "$FAULT_PID" 2>/dev/null || true
    FAULT_PID=
  fi
}

# How many requests for KIND (manifest, config, layer) the fault registry got.
requests() {
  grep -c "^$1 " "$FAULT_DIR/requests" || true
}

# A store holding one image (busybox-multiarch for arm64: busybox's own
# layer would be found in the store and never fetched), and busybox's ID.
prepare_store() {
  export LILIPOD_HOME=$BATS_TEST_TMPDIR/store
  lilipod pull -q --tls-verify=false --platform linux/arm64 "$REG/busybox-multiarch" >/dev/null
  BEFORE=$(images_list)
  [ -n "$BEFORE" ]
  BUSYBOX_ID=$(LILIPOD_HOME=$BATS_TEST_TMPDIR/reference lilipod pull -q --tls-verify=false "$REG/busybox")
}

# The store is as prepare_store left it.
assert_store_unchanged() {
  [ "$(images_list)" = "$BEFORE" ] || { echo "$1: images changed:"; images_list; return 1; }
  check_clean "$1"
}

# pull_timed ARGS...: `run` a pull of the fault registry's busybox; ELAPSED_MS.
pull_timed() {
  local t0=${EPOCHREALTIME/./}
  run --separate-stderr lilipod pull --tls-verify=false "$@" "$FAULTY/busybox"
  ELAPSED_MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
}

@test "a registry answering 500 once, on the manifest, the config or the layer: retried, the pull succeeds" {
  prepare_store
  for what in manifest config layer; do
    export LILIPOD_HOME=$BATS_TEST_TMPDIR/home-$what
    start_fault_registry "$what=500:1"
    pull_timed -q --retry-delay 100ms
    [ "$status" -eq 0 ] || { echo "$what: $stderr"; false; }
    [ "$output" = "$BUSYBOX_ID" ]
    [[ "$stderr" == *"Failed, retrying in 100ms ... (1/3). Error: "*"received unexpected HTTP status: 500 Internal Server Error"* ]] ||
      { echo "$what: $stderr"; false; }
    [ "$(requests "$what")" -eq 2 ]
    [ "$(head -n 1 <<<"$(grep "^$what " "$FAULT_DIR/requests")")" = "$what - 500" ]
    check_clean "$what"
  done
}

@test "a registry always answering 500: after the retries, one clear error within a bounded time, the store unchanged" {
  prepare_store
  local config_digest
  for what in manifest config layer; do
    start_fault_registry "$what=500"
    pull_timed --retry 2 --retry-delay 100ms
    [ "$status" -eq 125 ] || { echo "$what: $status $stderr"; false; }
    [ -z "$output" ]
    # 3 attempts, 2 waits of 100 ms: far under 10 s.
    [ "$ELAPSED_MS" -lt 10000 ] || { echo "$what: took $ELAPSED_MS ms"; false; }
    [ "$(requests "$what")" -eq 3 ]
    [ "$(grep -c '^WARN\[[0-9]*\] Failed, retrying in 100ms ... ([12]/2). Error: ' <<<"$stderr")" -eq 2 ]
    local last=${stderr##*$'\n'}
    case $what in
    manifest)
      [ "$last" = "Error: initializing source docker://$FAULTY/busybox:latest: reading manifest latest in $FAULTY/busybox: received unexpected HTTP status: 500 Internal Server Error" ] ;;
    config)
      [[ "$last" =~ ^Error:\ reading\ config\ sha256:[0-9a-f]{64}:\ received\ unexpected\ HTTP\ status:\ 500\ Internal\ Server\ Error$ ]] ;;
    layer)
      [[ "$last" =~ ^Error:\ copying\ blob\ sha256:[0-9a-f]{64}:\ received\ unexpected\ HTTP\ status:\ 500\ Internal\ Server\ Error$ ]] ;;
    esac || { echo "$what: $last"; false; }
    assert_store_unchanged "$what"
  done
}

@test "a connection reset before any byte: retried, the pull succeeds; reset every time, a clear error, the store unchanged" {
  prepare_store
  for what in manifest layer; do
    export LILIPOD_HOME=$BATS_TEST_TMPDIR/home-$what
    start_fault_registry "$what=reset:1"
    pull_timed -q --retry-delay 100ms
    [ "$status" -eq 0 ] || { echo "$what: $stderr"; false; }
    [ "$output" = "$BUSYBOX_ID" ]
    [[ "$stderr" == *"Failed, retrying in 100ms ... (1/3). Error: "*"reset by peer"* ]] || { echo "$what: $stderr"; false; }
    [ "$(requests "$what")" -eq 2 ]
  done
  export LILIPOD_HOME=$BATS_TEST_TMPDIR/store
  for what in manifest config layer; do
    start_fault_registry "$what=reset"
    pull_timed --retry 1 --retry-delay 100ms
    [ "$status" -eq 125 ] || { echo "$what: $status $stderr"; false; }
    [ "$ELAPSED_MS" -lt 10000 ]
    [ "$(requests "$what")" -eq 2 ]
    local last=${stderr##*$'\n'}
    [[ "$last" == "Error: "*"Get \"http://$FAULTY/v2/busybox/"*"\": Recv failure: Connection reset by peer" ]] ||
      { echo "$what: $last"; false; }
    assert_store_unchanged "$what"
  done
}

@test "a registry that stalls fails the pull within LILIPOD_PULL_STALL_TIMEOUT per attempt, or the pull resumes" {
  prepare_store
  export LILIPOD_PULL_STALL_TIMEOUT=1
  # Connection accepted, request read, then silence; headers and then
  # silence; half the layer and then silence. FAULT:RETRIES.
  for case in manifest=stall-silent:1 manifest=stall-headers:0 config=stall-headers:0 layer=stall-body:1; do
    local fault=${case%:*} retries=${case##*:}
    start_fault_registry "$fault"
    pull_timed --retry "$retries" --retry-delay 100ms
    [ "$status" -eq 125 ] || { echo "$fault: $status $stderr"; false; }
    # Each attempt waits 1 s of silence (noticed within a second more).
    local attempts=$((retries + 1))
    [ "$ELAPSED_MS" -ge $((attempts * 1000)) ] && [ "$ELAPSED_MS" -lt $((attempts * 5000)) ] ||
      { echo "$fault: $attempts attempts took $ELAPSED_MS ms"; false; }
    [ "$(requests "${fault%%=*}")" -eq "$attempts" ]
    local last=${stderr##*$'\n'}
    [[ "$last" == "Error: "*"\": the registry stalled: nothing received for 1 second (LILIPOD_PULL_STALL_TIMEOUT)" ]] ||
      { echo "$fault: $last"; false; }
    assert_store_unchanged "$fault"
  done

  # A layer that stalls halfway once is resumed from where it stopped.
  export LILIPOD_HOME=$BATS_TEST_TMPDIR/resumed
  start_fault_registry layer=stall-body:1
  pull_timed -q --retry-delay 100ms
  [ "$status" -eq 0 ] || { echo "$stderr"; false; }
  [ "$output" = "$BUSYBOX_ID" ]
  [ "$ELAPSED_MS" -ge 1000 ] && [ "$ELAPSED_MS" -lt 10000 ]
  grep -qE '^layer bytes=[1-9][0-9]*- ok$' "$FAULT_DIR/requests"
  check_clean "resumed"

  # Without the variable the limit is 60 s; a wrong value is said and ignored.
  LILIPOD_PULL_STALL_TIMEOUT=soon run --separate-stderr lilipod pull -q --tls-verify=false "$REG/busybox"
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"ignoring LILIPOD_PULL_STALL_TIMEOUT=soon: expected whole seconds 1..3600"* ]]
}

@test "a server that ignores Range: a broken layer transfer is resumed by skipping what was already received" {
  export LILIPOD_HOME=$BATS_TEST_TMPDIR/home
  BUSYBOX_ID=$(LILIPOD_HOME=$BATS_TEST_TMPDIR/reference lilipod pull -q --tls-verify=false "$REG/busybox")
  start_fault_registry layer=cut:1 norange
  pull_timed -q --retry-delay 100ms
  [ "$status" -eq 0 ] || { echo "$stderr"; false; }
  [ "$output" = "$BUSYBOX_ID" ]
  grep -qE '^layer bytes=[1-9][0-9]*- ok$' "$FAULT_DIR/requests"
  check_clean "resumed"
  [ -n "$(lilipod __tree "$FAULTY/busybox:latest" | awk -F'\t' -v h="$(sha256sum /bin/busybox | cut -d' ' -f1)" '$1 == "bin/busybox" && $8 == h')" ]
}
