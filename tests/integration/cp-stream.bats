#!/usr/bin/env bats
# cp with `-` (a tar stream on stdin or stdout) and docker cp's rules for
# SRC/. and trailing slashes, on created, stopped and running containers.

load ../lib/common

setup_file() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  require_registry
  "$LILIPOD" pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox" >/dev/null
}

teardown_file() {
  "$LILIPOD" rm -af -t 0 >/dev/null 2>&1 || true
}

setup() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  export IMG="$LILIPOD_TEST_REG_PLAIN/busybox:latest"
  [ -x /usr/bin/python3 ] || { echo "/usr/bin/python3 is missing: install python3 (scripts/deps does)" >&2; false; }
  command -v tar >/dev/null || { echo "tar is missing" >&2; false; }
}

# Archive members as python's tarfile sees them: "name type mode uid:gid size link".
members() {
  /usr/bin/python3 - "$1" <<'EOF'
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    for m in t.getmembers():
        kind = {tarfile.REGTYPE: "f", tarfile.DIRTYPE: "d", tarfile.SYMTYPE: "l", tarfile.LNKTYPE: "h",
                tarfile.FIFOTYPE: "p", tarfile.CHRTYPE: "c"}.get(m.type, "?")
        print(m.name, kind, "%04o" % m.mode, "%d:%d" % (m.uid, m.gid), m.size, m.linkname or "-")
EOF
}

# A tar made by python: one member per argument "name:type[:extra]";
# f (content = name), d, l (extra = target), h (extra = target).
mktar() {
  out=$1
  shift
  /usr/bin/python3 - "$out" "$@" <<'EOF'
import io, sys, tarfile
out, specs = sys.argv[1], sys.argv[2:]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for spec in specs:
        name, kind, *rest = spec.split(":", 2)
        ti = tarfile.TarInfo(name)
        ti.uid = ti.gid = 1000
        ti.mtime = 1500000000
        data = None
        if kind == "f":
            ti.mode = 0o4755 if name.endswith("suid") else 0o640
            data = name.encode()
            ti.size = len(data)
        elif kind == "d":
            ti.type, ti.mode = tarfile.DIRTYPE, 0o750
        elif kind == "l":
            ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, rest[0], 0o777
        elif kind == "h":
            ti.type, ti.linkname, ti.mode = tarfile.LNKTYPE, rest[0], 0o640
        t.addfile(ti, io.BytesIO(data) if data is not None else None)
EOF
}

long=$(printf 'n%.0s' $(seq 120))/$(printf 'm%.0s' $(seq 120))/$(printf 'q%.0s' $(seq 120))

@test "cp CTR:PATH - writes a tar GNU tar and python read: modes, owners as the container sees them, links, long names" {
  # The first run makes the tree; a start only sleeps (re-running the
  # chown/chmod would race the copy: chown clears the set-uid bit).
  lilipod run --name s-out "$IMG" sh -c "[ -e /data/one ] && exec sleep 120; mkdir -p /data/sub '/data/$long' && echo one > /data/one &&
    chown 1000:1000 /data/one && chmod 4750 /data/one && ln /data/one /data/sub/hard && ln -s ../one /data/sub/sym &&
    mkfifo /data/fifo && echo deep > '/data/$long/f' && ln -s '$(printf 't%.0s' $(seq 150))' /data/longlink" >/dev/null
  for state in stopped running; do
    [ "$state" = running ] && lilipod start s-out >/dev/null || true
    lilipod cp s-out:/data - >"$BATS_TEST_TMPDIR/d.tar"
    tar -tf "$BATS_TEST_TMPDIR/d.tar" >/dev/null
    run -0 members "$BATS_TEST_TMPDIR/d.tar"
    [[ "$output" == *"data d 0755 0:0 0 -"* ]]
    # Whichever name comes first is the file, the other a hard link to it.
    [[ "$output" == *"data/one f 4750 1000:1000 4 -"* && "$output" == *"data/sub/hard h 4750 1000:1000 0 data/one"* ]] ||
      [[ "$output" == *"data/sub/hard f 4750 1000:1000 4 -"* && "$output" == *"data/one h 4750 1000:1000 0 data/sub/hard"* ]]
    [[ "$output" == *"data/sub/sym l 0777 0:0 0 ../one"* ]]
    [[ "$output" == *"data/fifo p "* ]]
    [[ "$output" == *"data/$long/f f 0644 0:0 5 -"* ]]
    [[ "$output" == *"data/longlink l 0777 0:0 0 $(printf 't%.0s' $(seq 150))"* ]]
    mkdir -p "$BATS_TEST_TMPDIR/x-$state"
    tar -xf "$BATS_TEST_TMPDIR/d.tar" -C "$BATS_TEST_TMPDIR/x-$state" --no-same-owner
    [ "$(cat "$BATS_TEST_TMPDIR/x-$state/data/$long/f")" = deep ]
    [ "$(cat "$BATS_TEST_TMPDIR/x-$state/data/sub/hard")" = one ]
  done
  # A single file, and a directory's contents with SRC/.
  run -0 sh -c "'$LILIPOD' cp s-out:/data/one - | tar -tv"
  [[ "$output" == *"1000/1000"*" one" ]]
  run -0 sh -c "'$LILIPOD' cp s-out:/data/. - | tar -t"
  [[ "$output" == *one* && "$output" == *sub/sym* ]]
  [[ "$output" != *data* ]]
  run -125 sh -c "'$LILIPOD' cp s-out:/no/such - >/dev/null"
  [[ "$output" == *"could not be found on container"* ]]
  lilipod rm -f -t 0 s-out
}

@test "cp - CTR:DIR extracts plain, gzip and zstd tars: owners, modes, set-id, links; DIR must be a directory" {
  command -v zstd >/dev/null || { echo "zstd is missing: install it (scripts/deps does)" >&2; false; }
  mktar "$BATS_TEST_TMPDIR/in.tar" top:d top/suid:f top/plain:f top/sym:l:plain top/hard:h:top/plain \
    "top/$long/f:f" nodir/made/f:f
  gzip -k "$BATS_TEST_TMPDIR/in.tar"
  zstd -q -k "$BATS_TEST_TMPDIR/in.tar"
  lilipod create --name s-in "$IMG" sleep 1000 >/dev/null
  lilipod start s-in >/dev/null
  lilipod exec s-in mkdir /plain /gz /zst
  lilipod stop -t 0 s-in >/dev/null
  run -0 lilipod cp - s-in:/plain <"$BATS_TEST_TMPDIR/in.tar"
  run -0 lilipod cp - s-in:/gz <"$BATS_TEST_TMPDIR/in.tar.gz"
  lilipod start s-in >/dev/null
  run -0 lilipod cp - s-in:/zst <"$BATS_TEST_TMPDIR/in.tar.zst"
  for d in plain gz zst; do
    run -0 lilipod exec s-in sh -c "cd /$d && stat -c '%n %a %u:%g %Y' top top/suid top/plain && readlink top/sym &&
      stat -c %h top/plain && cat top/hard && echo && cat 'top/$long/f' && echo && stat -c '%a' nodir nodir/made"
    [ "${lines[0]}" = "top 750 1000:1000 1500000000" ]
    [ "${lines[1]}" = "top/suid 4755 1000:1000 1500000000" ]
    [ "${lines[2]}" = "top/plain 640 1000:1000 1500000000" ]
    [ "${lines[3]}" = plain ]
    [ "${lines[4]}" = 2 ]
    [ "${lines[5]}" = top/plain ]
    [ "${lines[6]}" = "top/$long/f" ]
    [ "${lines[7]}" = 755 ] && [ "${lines[8]}" = 755 ]
  done
  run -125 lilipod cp - s-in:/etc/passwd <"$BATS_TEST_TMPDIR/in.tar"
  [[ "$output" == *"must be a directory"* ]]
  run -125 lilipod cp - s-in:/no/such <"$BATS_TEST_TMPDIR/in.tar"
  [[ "$output" == *"must be a directory"* ]]
  run -125 sh -c "echo not a tar | '$LILIPOD' cp - s-in:/tmp"
  lilipod rm -f -t 0 s-in
}

@test "cp - CTR:DIR keeps a hostile archive inside the container: .., absolute names, links out, writes through links" {
  canary="$BATS_TEST_TMPDIR/canary"
  lilipod create --name s-bad "$IMG" sleep 1000 >/dev/null
  for state in created running; do
    [ "$state" = running ] && lilipod start s-bad >/dev/null || true
    mktar "$BATS_TEST_TMPDIR/dotdot.tar" "../../../../../../..$canary-dotdot:f"
    run -125 lilipod cp - s-bad:/tmp <"$BATS_TEST_TMPDIR/dotdot.tar"
    [[ "$output" == *".."* ]]
    mktar "$BATS_TEST_TMPDIR/abs.tar" "$canary-abs:f"
    run -125 lilipod cp - s-bad:/tmp <"$BATS_TEST_TMPDIR/abs.tar"
    [[ "$output" == *"absolute"* ]]
    # A symlink to / then a file below it: lands in the container's root, not ours.
    mktar "$BATS_TEST_TMPDIR/via-link.tar" "up:l:/" "up${canary}-link:f" "up2:l:../../../../../../../" "up2${canary}-link2:f"
    run lilipod cp - s-bad:/tmp <"$BATS_TEST_TMPDIR/via-link.tar"
    if [ "$state" = running ]; then
      run -0 lilipod exec s-bad sh -c "test -e '$canary-link' && test -e '$canary-link2' && echo inside"
      [ "$output" = inside ]
    fi
    # A hard link through a symlink, to a file outside the archive.
    mktar "$BATS_TEST_TMPDIR/hard-out.tar" "root:l:/" "stolen:h:root/etc/passwd"
    run -125 lilipod cp - s-bad:/tmp <"$BATS_TEST_TMPDIR/hard-out.tar"
    [[ "$output" == *"hard link"* ]]
    [ ! -e "$canary-dotdot" ] && [ ! -e "$canary-abs" ] && [ ! -e "$canary-link" ] && [ ! -e "$canary-link2" ]
  done
  # An existing symlink in the destination is replaced, never written through.
  lilipod exec s-bad sh -c 'mkdir -p /drop && ln -s /etc/passwd /drop/victim'
  mktar "$BATS_TEST_TMPDIR/victim.tar" "victim:f"
  run -0 lilipod cp - s-bad:/drop <"$BATS_TEST_TMPDIR/victim.tar"
  run -0 lilipod exec s-bad sh -c 'test -L /drop/victim && echo link; cat /drop/victim; echo; grep -c root /etc/passwd'
  [ "$output" = "$(printf 'victim\n1')" ]
  lilipod rm -f -t 0 s-bad
}

@test "cp SRC/. DEST copies the contents, both ways; trailing / and /. rules as docker cp" {
  t=$BATS_TEST_TMPDIR
  mkdir -p "$t/src/sub" "$t/host-existing"
  echo 1 >"$t/src/one"
  echo 2 >"$t/src/sub/two"
  lilipod create --name s-dot "$IMG" sleep 1000 >/dev/null
  lilipod cp "$BATS_TEST_FILENAME" s-dot:/tmp/afile
  # Into a directory that does not exist yet: made, with the contents.
  run -0 lilipod cp "$t/src/." s-dot:/tmp/new
  lilipod start s-dot >/dev/null
  lilipod exec s-dot mkdir /tmp/existing
  # Into an existing one: the contents, not a src/ inside it ...
  run -0 lilipod cp "$t/src/." s-dot:/tmp/existing
  # ... while plain SRC goes in under its name.
  run -0 lilipod cp "$t/src" s-dot:/tmp/existing
  run -0 lilipod exec s-dot sh -c 'cd /tmp && find new existing | sort'
  [ "$output" = "$(printf '%s\n' existing existing/one existing/src existing/src/one existing/src/sub \
    existing/src/sub/two existing/sub existing/sub/two new new/one new/sub new/sub/two)" ]
  # Out of the container, the same.
  run -0 lilipod cp s-dot:/tmp/new/. "$t/host-existing"
  run -0 lilipod cp s-dot:/tmp/new/ "$t/host-new"
  [ "$(cd "$t" && find host-existing host-new | sort | tr '\n' ' ')" = \
    "host-existing host-existing/one host-existing/sub host-existing/sub/two host-new host-new/one host-new/sub host-new/sub/two " ]
  # A file with a trailing / or /. is not a directory; a directory does not go onto a file.
  run -125 lilipod cp s-dot:/tmp/afile/ "$t/x"
  [[ "$output" == *"Not a directory"* ]]
  run -125 lilipod cp s-dot:/tmp/afile/. "$t/x"
  run -125 lilipod cp "$t/src" s-dot:/tmp/afile
  [[ "$output" == *"destination must be a directory when copying a directory"* ]]
  run -125 lilipod cp "$t/src/one" s-dot:/tmp/nosuchdir/
  [ ! -e "$t/x" ]
  lilipod rm -f -t 0 s-dot
}

@test "cp CTR:PATH - | cp - CTR:DIR on one container: no deadlock on its lock (stopped and running)" {
  lilipod create --name s-pipe "$IMG" sleep 1000 >/dev/null
  # More than a pipe holds: the producer must not wait for the consumer's lock.
  run -0 timeout 60 sh -c "'$LILIPOD' cp s-pipe:/bin - | '$LILIPOD' cp - s-pipe:/tmp"
  lilipod start s-pipe >/dev/null
  run -0 timeout 60 sh -c "'$LILIPOD' cp s-pipe:/bin - | '$LILIPOD' cp - s-pipe:/root"
  run -0 lilipod exec s-pipe sh -c 'cmp /bin/busybox /tmp/bin/busybox && cmp /bin/busybox /root/bin/busybox && echo same'
  [ "$output" = same ]
  lilipod rm -f -t 0 s-pipe
}
