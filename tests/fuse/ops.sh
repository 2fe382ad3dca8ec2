#!/bin/bash
# ops.sh DIR: a fixed sequence of file-system operations, run once on a plain
# directory and once on the union; the tests compare the results (manifest in
# lib.sh). CAN_CHOWN=1 adds chown to foreign ids (real root only). Expects
# FSOPS (the tests/fuse/fsops.c helper).
set -euo pipefail
cd "$1"

# create, write, append, rename
echo hello >a
echo world >>a
head -c 300000 /dev/zero | tr '\0' 'z' >b
mv a a2
printf 'abc' >c
cat c c c >>c2

# directories, renamed and exchanged
mkdir -p d1/d2/d3
echo deep >d1/d2/d3/f
mv d1 d1moved
mkdir e
echo e >e/x
"$FSOPS" exchange d1moved e
echo f >f
echo g >g
"$FSOPS" exchange f g
if "$FSOPS" noreplace f g 2>/dev/null; then echo "RENAME_NOREPLACE replaced" >&2; exit 1; fi
"$FSOPS" noreplace f f-new
mkdir r1 r2
echo r >r1/x
mv -T r1 r2
echo over1 >o1
echo over2 >o2
mv o1 o2

# hard links and link counts
ln a2 hl1
ln a2 hl2
rm hl1
echo more >>hl2

# modes, owners, sizes
chmod 640 b
mkdir sticky setgid
chmod 1777 sticky
chmod 2775 setgid
mkdir setgid/inner
echo s >setgid/file
if [ "${CAN_CHOWN:-0}" = 1 ]; then
  chown 1234:5678 b
  chown 42:43 setgid
  mkdir setgid/inner2
fi
truncate -s 100 b
truncate -s 1000000 sparse
truncate -s 3 c2
: >empty

# unlink, rmdir
echo gone >gone
rm gone
mkdir rmd
rmdir rmd

# xattrs
mkdir x
echo x >x/file
"$FSOPS" setxattr x/file user.one 1
"$FSOPS" setxattr x/file user.two 2
"$FSOPS" rmxattr x/file user.one
"$FSOPS" setxattr x user.dir yes

# a deep tree: 200 levels
p=deep
for _ in $(seq 200); do p=$p/d; done
mkdir -p "$p"
echo bottom >"$p/file"
mv deep/d deep/renamed

# 255-byte names
long=$(printf 'n%.0s' $(seq 255))
echo long >"$long"
mkdir "${long:0:254}D"
mv "$long" "${long:0:250}XXXXX"
ln -s "${long:0:250}XXXXX" "${long:0:254}L"

# special files
mkfifo fifo1
"$FSOPS" bind sock1
ln -s a2 sl
ln -s /nonexistent dangling

# mmap, copy_file_range, seek
head -c 8192 /dev/zero >mm
test "$("$FSOPS" mmap mm)" = "mmapped!"
"$FSOPS" cfr b bcopy

# a directory with 10,000 entries, some removed again
mkdir big
(cd big && seq 1 10000 | xargs touch && seq 1 10 9000 | xargs rm)
test "$(ls big | wc -l)" = 9100
