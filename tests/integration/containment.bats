#!/usr/bin/env bats
# Containment: what a default container sees and can do. Podman's masked and
# read-only paths (not with --privileged), Podman's default capabilities
# (exact CapEff bitmask) and --cap-add/--cap-drop, no_new_privs, :ro volumes
# read-only even to container root, no host path beyond volumes, a container
# never changing the store's shared content (checked by digest), and the
# store private to its user.

load ../lib/common

setup_file() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  require_registry
  "$LILIPOD" pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox" >/dev/null
  "$LILIPOD" pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/multilayer" >/dev/null
}

setup() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/config"
  mkdir -p "$XDG_CONFIG_HOME"
  require_registry
  ML="$LILIPOD_TEST_REG_PLAIN/multilayer:latest"
  BB="$LILIPOD_TEST_REG_PLAIN/busybox:latest"
}

# Podman's defaults (containers-common): masked and read-only paths, and the
# default capabilities CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID
# SETPCAP NET_BIND_SERVICE SYS_CHROOT SETFCAP = bits 0 1 3 4 5 6 7 8 10 18 31.
MASKED=(/proc/acpi /proc/kcore /proc/keys /proc/latency_stats /proc/sched_debug /proc/scsi /proc/timer_list
        /proc/timer_stats /sys/dev/block /sys/devices/virtual/powercap /sys/firmware /sys/fs/selinux)
READONLY=(/proc/asound /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger)
DEFAULT_CAPS=00000000800405fb

# Prints "PATH SIZE MOUNTS OPTIONS" for each path given: SIZE is the byte
# count of a file or the entry count of a directory, MOUNTS how many mounts
# sit exactly on it, OPTIONS the per-mount options of the last one.
PROBE='for p in "$@"; do
  if [ -d "$p" ]; then n=$(ls -A "$p" | wc -l); else n=$(cat "$p" 2>/dev/null | wc -c); fi
  m=$(awk -v p="$p" "\$5 == p" /proc/self/mountinfo | wc -l)
  o=$(awk -v p="$p" "\$5 == p { o = \$6 } END { print o }" /proc/self/mountinfo)
  echo "$p $n $m ${o:--}"
done'

# The paths of the list given that exist on this host.
on_host() {
  local p
  for p in "$@"; do [ -e "$p" ] && echo "$p"; done
}

@test "masked paths: Podman's list is masked (empty, a mount on each) unless --privileged" {
  mapfile -t paths < <(on_host "${MASKED[@]}")
  [ "${#paths[@]}" -ge 3 ] || { echo "too few of Podman's masked paths exist here: ${paths[*]}"; false; }
  run -0 lilipod run --rm busybox sh -c "$PROBE" sh "${paths[@]}"
  [ "${#lines[@]}" -eq "${#paths[@]}" ]
  for line in "${lines[@]}"; do
    read -r p n m _ <<<"$line"
    [ "$n" -eq 0 ] && [ "$m" -ge 1 ] || { echo "not masked: $line"; false; }
  done
  # Something masked has content on the host: masking hides real data.
  [ -s /proc/timer_list ] || [ -n "$(ls -A /sys/firmware 2>/dev/null)" ]

  run -0 lilipod run --rm --privileged busybox sh -c "$PROBE" sh "${paths[@]}"
  for line in "${lines[@]}"; do
    read -r p n m _ <<<"$line"
    [ "$m" -eq 0 ] || { echo "masked with --privileged: $line"; false; }
  done
  if [ -s /proc/timer_list ]; then
    grep -q '^/proc/timer_list [1-9]' <<<"$output"
  fi
}

@test "read-only paths: /proc/sys and Podman's others are read-only to container root, not with --privileged" {
  mapfile -t paths < <(on_host "${READONLY[@]}")
  [[ " ${paths[*]} " == *" /proc/sys "* ]]
  run -0 lilipod run --rm busybox sh -c "$PROBE" sh "${paths[@]}"
  for line in "${lines[@]}"; do
    read -r p _ m o <<<"$line"
    [ "$m" -ge 1 ] && [[ "$o" == ro* ]] || { echo "not read-only: $line"; false; }
  done
  # Container root writing a sysctl of its own UTS namespace: refused.
  run lilipod run --rm busybox sh -c 'echo lilipod > /proc/sys/kernel/hostname'
  [ "$status" -ne 0 ]
  [[ "$output" == *"Read-only file system"* ]]

  run -0 lilipod run --rm --privileged busybox sh -c "$PROBE" sh "${paths[@]}"
  for line in "${lines[@]}"; do
    read -r p _ m _ <<<"$line"
    [ "$m" -eq 0 ] || { echo "still a read-only mount with --privileged: $line"; false; }
  done
  if [ "$(id -u)" = 0 ]; then
    run -0 lilipod run --rm --privileged busybox sh -c 'echo lilipod > /proc/sys/kernel/hostname && hostname'
    [ "$output" = lilipod ]
  fi
}

caps_of() { # caps_of [RUN OPTIONS...]: "CapEff CapPrm CapBnd CapInh CapAmb"
  lilipod run --rm "$@" busybox sh -c \
    'for f in CapEff CapPrm CapBnd CapInh CapAmb; do awk -v f="$f:" "\$1 == f { printf \"%s \", \$2 }" /proc/self/status; done'
}

@test "capabilities: Podman's default set exactly; --cap-add/--cap-drop change it; none for a user; all when privileged" {
  run -0 caps_of
  [ "$output" = "$DEFAULT_CAPS $DEFAULT_CAPS $DEFAULT_CAPS 0000000000000000 0000000000000000 " ]
  run -0 caps_of --user 1000
  [ "$output" = "0000000000000000 0000000000000000 $DEFAULT_CAPS 0000000000000000 0000000000000000 " ]
  # - CHOWN (bit 0) + NET_RAW (bit 13)
  run -0 caps_of --cap-drop CHOWN --cap-add CAP_NET_RAW
  [ "$output" = "00000000800425fa 00000000800425fa 00000000800425fa 0000000000000000 0000000000000000 " ]
  run -0 caps_of --cap-drop all
  [ "$output" = "0000000000000000 0000000000000000 0000000000000000 0000000000000000 0000000000000000 " ]
  # A capability dropped is dropped for good: not even setuid root regains it.
  run lilipod run --rm --cap-drop CHOWN busybox chown 1000 /etc/passwd
  [ "$status" -ne 0 ]
  [[ "$output" == *"Operation not permitted"* ]]
  run -0 lilipod run --rm busybox chown 1000 /etc/passwd
  # Privileged: every capability there is to get (the bounding set this
  # process has as root; a full user namespace's set rootless).
  last=$(cat /proc/sys/kernel/cap_last_cap)
  if [ "$(id -u)" = 0 ]; then
    all=$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)
  else
    all=$(printf '%016x' $(((1 << (last + 1)) - 1)))
  fi
  run -0 caps_of --privileged
  [ "$output" = "$all $all $all 0000000000000000 0000000000000000 " ]
}

@test "no_new_privs: set in a default container (lilipod's configuration), not with --privileged" {
  run -0 lilipod run --rm busybox awk '$1 == "NoNewPrivs:" { print $2 }' /proc/self/status
  [ "$output" = 1 ]
  run -0 lilipod run --rm --user 1000 busybox awk '$1 == "NoNewPrivs:" { print $2 }' /proc/self/status
  [ "$output" = 1 ]
  run -0 lilipod run --rm --privileged busybox awk '$1 == "NoNewPrivs:" { print $2 }' /proc/self/status
  [ "$output" = 0 ]
}

@test ":ro volumes are read-only even to container root (writes, chmod, remount), :rw ones writable" {
  vol="$BATS_TEST_TMPDIR/vol"
  mkdir -p "$vol"
  echo host > "$vol/file"
  chmod 0777 "$vol"
  chmod 0666 "$vol/file"
  before=$(stat -c '%a %s %Y' "$vol/file")
  run --separate-stderr lilipod run --rm -v "$vol:/data:ro" busybox sh -c '
    echo x > /data/file && echo WROTE
    echo x > /data/new && echo CREATED
    chmod 600 /data/file && echo CHMOD
    rm /data/file && echo REMOVED
    mount -o remount,rw /data && echo REMOUNTED
    touch /data/file && echo TOUCHED
    cat /data/file'
  [ "$status" -eq 0 ] # the last command
  [[ "$output" != *WROTE* && "$output" != *CREATED* && "$output" != *CHMOD* ]] || { echo "$output"; false; }
  [[ "$output" != *REMOVED* && "$output" != *REMOUNTED* && "$output" != *TOUCHED* ]] || { echo "$output"; false; }
  [[ "$stderr" == *"Read-only file system"* ]]
  [ "$output" = host ] || { echo "$output"; false; }
  [ "$(cat "$vol/file")" = host ] && [ ! -e "$vol/new" ]
  [ "$(stat -c '%a %s %Y' "$vol/file")" = "$before" ]
  run -0 lilipod run --rm -v "$vol:/data" busybox sh -c 'echo rw > /data/new'
  [ "$(cat "$vol/new")" = rw ]
}

@test "no host path is visible beyond volumes: a canary in the host's /tmp and home is not" {
  canary=$(mktemp /tmp/lilipod-canary.XXXXXX)
  hcanary=$(mktemp "$HOME/.lilipod-canary.XXXXXX" 2>/dev/null || mktemp "$BATS_TEST_TMPDIR/lilipod-canary.XXXXXX")
  vol="$BATS_TEST_TMPDIR/vol"
  mkdir -p "$vol"
  echo seen > "$vol/inside"
  run lilipod run --rm -v "$vol:/vol" busybox sh -c "
    ls -a /tmp
    find / -xdev -name 'lilipod-canary.*' -o -xdev -name '.lilipod-canary.*' 2>/dev/null
    find /vol /tmp /root /home /run /etc /dev -name '*lilipod-canary*' 2>/dev/null
    cat /vol/inside; ls -a /vol/..; echo END"
  rm -f "$canary" "$hcanary"
  [ "$status" -eq 0 ]
  [[ "$output" != *lilipod-canary* ]] || { echo "$output"; false; }
  [ "${lines[-1]}" = END ]
  [[ "$output" == *seen* ]]
  # Only the mounts lilipod makes: none has a host directory as its source
  # but the volume and the generated files.
  run -0 lilipod run --rm -v "$vol:/vol" busybox awk '{ print $5 }' /proc/self/mountinfo
  for m in "${lines[@]}"; do
    case $m in
    / | /proc | /proc/* | /sys | /sys/* | /dev | /dev/* | /vol | /etc/hosts | /etc/hostname | /etc/resolv.conf | /run/.containerenv) ;;
    *) echo "unexpected mount $m"; false ;;
    esac
  done
}

# "path mode uid gid sha256" of the given paths, as the image's tree says.
tree_rows() {
  lilipod __tree "$1" | awk -F'\t' -v want=" $2 " 'index(want, " " $1 " ") { printf "/%s %d %s %s %s\n", $1, $3, $4, $5, $8 }'
}
# The same as a container of image $1 sees them.
seen_rows() {
  local img=$1
  shift
  lilipod run --rm "$img" sh -c 'for p in "$@"; do echo "$p $(stat -c "%a %u %g" "$p") $(sha256sum < "$p" | cut -d" " -f1)"; done' sh "$@"
}
# Every object file: name, size, mode, sha256 of its content.
objects_state() {
  find "$LILIPOD_HOME/objects" -type f -printf '%P %s %m\n' | sort | while read -r name size mode; do
    echo "$name $size $mode $(sha256sum < "$LILIPOD_HOME/objects/$name" | cut -d' ' -f1)"
  done
}

@test "a container never changes the store's shared content: writes, truncates, chmod, chown, links, renames" {
  files="etc/passwd etc/group data/overwritten.txt data/xattr.txt data/hl-orig data/hl-link1 data/sub/hl-link2 data/l3-orig data/l3-link data/setuid data/alice-dir/alice.txt bin/busybox"
  paths=()
  for f in $files; do paths+=("/$f"); done
  tree_before=$(lilipod __tree "$ML")
  bb_tree_before=$(lilipod __tree "$BB")
  objects_before=$(objects_state)
  expected=$(tree_rows "$ML" "$files" | sort)
  [ "$(wc -l <<<"$expected")" -eq 12 ]
  # The object of /bin/busybox is the image's file, by name and content.
  grep -q "$(awk '$1 == "/bin/busybox" { print substr($5, 3) }' <<<"$expected")" <<<"$objects_before"

  # Container A does its worst through its rootfs, with a copy of busybox so
  # that /bin/busybox is not busy (a running program cannot be written).
  run lilipod run --name ctr-a "$ML" sh -c '
    mkdir /x && cp /bin/busybox /x/busybox && exec /x/busybox sh -c "
      b=/x/busybox
      \$b chmod 0777 /data/xattr.txt /data/setuid; \$b chown 1234:1234 /data/xattr.txt /data/alice-dir/alice.txt
      \$b echo appended >> /etc/passwd
      : > /etc/group
      \$b dd if=/dev/zero of=/data/overwritten.txt bs=1 count=5 seek=3 conv=notrunc 2>/dev/null
      \$b truncate -s 0 /data/xattr.txt
      \$b echo via-link >> /data/hl-link1
      \$b ln /data/l3-orig /data/l3-new && \$b echo via-new-link >> /data/l3-new
      \$b mv /data/sub /data/sub-moved && \$b echo moved >> /data/sub-moved/hl-link2
      \$b ln /bin/busybox /bbl && \$b dd if=/dev/zero of=/bbl bs=4096 count=1 seek=1 conv=notrunc 2>/dev/null
      \$b chmod 4777 /bin/busybox
      \$b mv /bin/busybox /bin/renamed && \$b truncate -s 100 /bin/renamed
      \$b tail -n 1 /etc/passwd; \$b cat /data/hl-orig /data/l3-orig; \$b stat -c %s /bin/renamed
      \$b echo done
    "'
  [ "$status" -eq 0 ] && [ "${lines[-1]}" = done ] || { echo "container A: $output"; false; }
  # A saw its own changes (hard links kept together).
  [ "${lines[0]}" = appended ] || { echo "$output"; false; }
  [ "${lines[2]}" = via-link ] && [ "${lines[3]}" = moved ] && [ "${lines[5]}" = via-new-link ] \
    && [ "${lines[6]}" = 100 ] || { echo "$output"; false; }

  # Nothing shared changed: the image's tree, the objects by digest, what a
  # new container B of the same image and one of busybox (sharing the
  # layer) see.
  [ "$(lilipod __tree "$ML")" = "$tree_before" ]
  [ "$(lilipod __tree "$BB")" = "$bb_tree_before" ]
  [ "$(objects_state)" = "$objects_before" ]
  run -0 seen_rows "$ML" "${paths[@]}"
  [ "$(sort <<<"$output")" = "$expected" ] || { diff <(sort <<<"$output") <(echo "$expected"); false; }
  run -0 seen_rows "$BB" /bin/busybox
  [ "$output" = "$(tree_rows "$BB" bin/busybox)" ]
  run -0 lilipod run --rm "$ML" sh -c 'stat -c "%h %i" /data/hl-orig /data/hl-link1 /data/sub/hl-link2 | sort -u | wc -l; stat -c %h /data/hl-orig'
  [ "$output" = "$(printf '1\n3')" ]
  run -0 lilipod system check
  [[ "$output" == OK:* ]]
  lilipod rm ctr-a
}

@test "the store is private to its user (0700 directories) and its files are the user's" {
  run -0 lilipod run --name ctr-files -v /anon busybox sh -c 'echo x > /x; mkdir -p /d/e; echo y > /d/e/y; echo z > /anon/z'
  [ "$(stat -c %a "$LILIPOD_HOME")" = 700 ]
  # Every directory holding content or state: the home's subdirectories,
  # the objects' fan-out, each container's directory and its upper, each
  # volume's directory. A volume's _data is the container's own directory
  # (its mode is what the container sees at the mount point, what it writes
  # there is owned by its ids), as with Podman: not the store's.
  vols=(-path "$LILIPOD_HOME/volumes/*/_data" -prune -o)
  run -0 find "$LILIPOD_HOME" -mindepth 1 -maxdepth 3 "${vols[@]}" -type d -not -perm 0700 -print
  [ -z "$output" ] || { echo "not 0700: $output"; false; }
  run -0 find "$LILIPOD_HOME" "${vols[@]}" -not -user "$(id -u)" -print
  [ -z "$output" ] || { echo "not the user's: $output"; false; }
  run -0 find "$LILIPOD_HOME" -perm /6000
  [ -z "$output" ] || { echo "set-id: $output"; false; }
  lilipod rm -v ctr-files
}
