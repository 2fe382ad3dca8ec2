#!/bin/sh
# Differential test: run Go's text/template (gotmpl) and our engine
# (tmpl_driver) over the same data and corpus, fail with a diff on any
# mismatch.
# Usage: compare.sh GOBIN DRIVER
#   GOBIN: a built gotmpl binary, or "go" to build gotmpl.go here (needs
#          golang-go; GOCACHE goes to a temporary directory).
#   DRIVER: the built tests/unit/tmpl_driver executable.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
gobin=${1:?usage: compare.sh GOBIN DRIVER}
driver=${2:?usage: compare.sh GOBIN DRIVER}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ "$gobin" = go ]; then
	GOCACHE="$tmp/gocache" GOPATH="$tmp/gopath" GO111MODULE=off \
		go build -o "$tmp/gotmpl" "$here/gotmpl.go"
	gobin="$tmp/gotmpl"
fi

"$gobin" "$here/data.json" "$here/corpus.txt" >"$tmp/go.out" 2>"$tmp/go.err"
"$driver" "$here/data.json" "$here/corpus.txt" >"$tmp/c.out" 2>"$tmp/c.err"

cases=$(grep -c '^--- ' "$tmp/go.out")
if ! diff -u "$tmp/go.out" "$tmp/c.out" >"$tmp/diff"; then
	cat "$tmp/diff"
	echo "compare.sh: MISMATCH between Go and lilipod ($cases cases)" >&2
	exit 1
fi
echo "compare.sh: all $cases templates agree with Go"
