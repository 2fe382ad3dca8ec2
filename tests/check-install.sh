#!/bin/bash
# check-install.sh BUILD_DIR: `cmake --install` puts the binary, the man pages
# and the completion scripts where a distribution would, and they work.
set -euo pipefail
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
DESTDIR="$dest" cmake --install "$build" --prefix /usr >/dev/null
fail() { echo "FAIL: $*" >&2; exit 1; }
for f in usr/bin/lilipod usr/share/man/man1/lilipod.1 usr/share/man/man1/lilipod-version.1 \
         usr/share/bash-completion/completions/lilipod usr/share/zsh/vendor-completions/_lilipod \
         usr/share/fish/vendor_completions.d/lilipod.fish; do
  [ -s "$dest/$f" ] || fail "cmake --install did not install /$f"
done
# lilipod installs nothing set-uid or set-gid of its own (rootless uses the
# system's newuidmap/newgidmap), and nothing others may write.
setid=$(find "$dest" -perm /6000 -o -perm /0022 -not -type l)
[ -z "$setid" ] || fail "installed set-id or group/world-writable files: $setid"
"$dest/usr/bin/lilipod" --version | grep -q '^lilipod version' || fail "the installed binary does not run"
man -l "$dest/usr/share/man/man1/lilipod.1" 2>/dev/null | grep -q 'lilipod' || fail "lilipod(1) does not render"
echo "install layout OK"
