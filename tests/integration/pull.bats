#!/usr/bin/env bats
# lilipod pull, login and logout against the harness's four registries
# (plain HTTP, TLS, TLS + basic auth, TLS + bearer tokens).

load ../lib/common

MT_ACCEPT="application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json"

setup() {
  common_setup
  require_registry
  # Nothing from the real user's configuration may leak in.
  export HOME="$BATS_TEST_TMPDIR/userhome"
  mkdir -p "$HOME"
  unset XDG_RUNTIME_DIR REGISTRY_AUTH_FILE
  export CONTAINERS_REGISTRIES_CONF="$BATS_TEST_TMPDIR/registries.conf"
  : >"$CONTAINERS_REGISTRIES_CONF"
  CERTS="$BATS_TEST_TMPDIR/certs"
  mkdir -p "$CERTS"
  cp "$LILIPOD_TEST_CA" "$CERTS/ca.crt"
}

# The image ID a pull must print: the config digest of the manifest
# (for an index, of the entry for ARCH), read straight from the plain registry.
config_id() {
  local repo=$1 arch=${2:-}
  python3 - "$LILIPOD_TEST_REG_PLAIN" "$repo" "$arch" "$MT_ACCEPT" <<'PY'
import json, sys, urllib.request
host, repo, arch, accept = sys.argv[1:5]
def get(ref):
    req = urllib.request.Request(f"http://{host}/v2/{repo}/manifests/{ref}", headers={"Accept": accept})
    return json.load(urllib.request.urlopen(req))
m = get("latest")
if "manifests" in m:
    want = arch or "amd64"
    m = get(next(d["digest"] for d in m["manifests"] if d["platform"]["architecture"] == want))
print(m["config"]["digest"].split(":", 1)[1])
PY
}

manifest_digest() {
  curl -fsS -o /dev/null -D - -H "Accept: $MT_ACCEPT" "http://$LILIPOD_TEST_REG_PLAIN/v2/$1/manifests/latest" |
    tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest" {print $2}'
}

@test "pull each fixture image over plain HTTP with --tls-verify=false" {
  for img in busybox multilayer busybox-docker busybox-zstd; do
    run --separate-stderr lilipod pull --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/$img"
    [ "$status" -eq 0 ] || { echo "$img: $stderr"; false; }
    [ "$output" = "$(config_id "$img")" ]
  done
}

@test "pull output follows Podman: progress on stderr, the image ID on stdout" {
  run --separate-stderr lilipod pull --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/multilayer"
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^[0-9a-f]{64}$ ]]
  mapfile -t lines <<<"$stderr"
  [ "${lines[0]}" = "Trying to pull $LILIPOD_TEST_REG_PLAIN/multilayer:latest..." ]
  [ "${lines[1]}" = "Getting image source signatures" ]
  [ "$(grep -cE '^Copying blob [0-9a-f]{12} done$' <<<"$stderr")" -eq 4 ]
  grep -qx "Copying config ${output:0:12} done" <<<"$stderr"
  [ "${lines[-2]}" = "Writing manifest to image destination" ]
  [ "${lines[-1]}" = "Storing signatures" ]
  # Pulling again finds every layer in the store.
  run --separate-stderr lilipod pull --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/multilayer"
  [ "$status" -eq 0 ]
  [ "$(grep -cE '^Copying blob [0-9a-f]{12} skipped: already exists$' <<<"$stderr")" -eq 4 ]
}

@test "pull -q prints only the image ID" {
  run --separate-stderr lilipod pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox"
  [ "$status" -eq 0 ]
  [ "$output" = "$(config_id busybox)" ]
  [ -z "$stderr" ]
}

@test "pull several images on one command line" {
  run --separate-stderr lilipod pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox" \
    "$LILIPOD_TEST_REG_PLAIN/busybox-zstd"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 2 ]
  [ "${lines[0]}" = "$(config_id busybox)" ]
  [ "${lines[1]}" = "$(config_id busybox-zstd)" ]
}

@test "pull by digest, and a digest the registry does not have" {
  local d
  d=$(manifest_digest busybox)
  run --separate-stderr lilipod pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox@$d"
  [ "$status" -eq 0 ]
  [ "$output" = "$(config_id busybox)" ]
  run --separate-stderr lilipod pull -q --tls-verify=false \
    "$LILIPOD_TEST_REG_PLAIN/busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000"
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"Error: initializing source docker://$LILIPOD_TEST_REG_PLAIN/busybox@sha256:0000"*"manifest unknown"* ]]
}

@test "plain HTTP needs --tls-verify=false or an insecure registries.conf entry" {
  run --separate-stderr lilipod pull -q "$LILIPOD_TEST_REG_PLAIN/busybox"
  [ "$status" -eq 125 ]
  [[ "$stderr" == "Error: initializing source docker://$LILIPOD_TEST_REG_PLAIN/busybox:latest: "* ]]
  cat >"$CONTAINERS_REGISTRIES_CONF" <<CONF
[[registry]]
location = "$LILIPOD_TEST_REG_PLAIN"
insecure = true
CONF
  run --separate-stderr lilipod pull -q "$LILIPOD_TEST_REG_PLAIN/busybox"
  [ "$status" -eq 0 ]
  [ "$output" = "$(config_id busybox)" ]
}

@test "unqualified names go to the unqualified-search-registries in order" {
  cat >"$CONTAINERS_REGISTRIES_CONF" <<CONF
unqualified-search-registries = ["127.0.0.1:1", "$LILIPOD_TEST_REG_PLAIN"]
[[registry]]
location = "$LILIPOD_TEST_REG_PLAIN"
insecure = true
CONF
  run --separate-stderr lilipod pull busybox-zstd
  [ "$status" -eq 0 ]
  [ "$output" = "$(config_id busybox-zstd)" ]
  grep -qx "Trying to pull 127.0.0.1:1/busybox-zstd:latest..." <<<"$stderr"
  grep -qx "Trying to pull $LILIPOD_TEST_REG_PLAIN/busybox-zstd:latest..." <<<"$stderr"
}

@test "a mirror in registries.conf serves a registry that is down" {
  cat >"$CONTAINERS_REGISTRIES_CONF" <<CONF
[[registry]]
prefix = "dead.example:5000"
location = "127.0.0.1:1"
[[registry.mirror]]
location = "$LILIPOD_TEST_REG_PLAIN"
insecure = true
CONF
  run --separate-stderr lilipod pull -q dead.example:5000/busybox
  [ "$status" -eq 0 ]
  [ "$output" = "$(config_id busybox)" ]
}

@test "a blocked registry is refused" {
  cat >"$CONTAINERS_REGISTRIES_CONF" <<CONF
[[registry]]
location = "$LILIPOD_TEST_REG_PLAIN"
blocked = true
CONF
  run --separate-stderr lilipod pull --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox"
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"is blocked in $CONTAINERS_REGISTRIES_CONF"* ]]
}

@test "a broken registries.conf is reported with file and line" {
  printf 'unqualified-search-registries = ["a"\n[[registry]]\n' >"$CONTAINERS_REGISTRIES_CONF"
  run --separate-stderr lilipod pull busybox
  [ "$status" -eq 125 ]
  [[ "$stderr" == "Error: $CONTAINERS_REGISTRIES_CONF:2: "* ]]
}

@test "TLS registry: CA from --cert-dir or from ~/.config/containers/certs.d" {
  run --separate-stderr lilipod pull -q "$LILIPOD_TEST_REG_TLS/busybox"
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"certificate"* ]]
  run --separate-stderr lilipod pull -q --cert-dir "$CERTS" "$LILIPOD_TEST_REG_TLS/busybox"
  [ "$status" -eq 0 ]
  [ "$output" = "$(config_id busybox)" ]
  mkdir -p "$HOME/.config/containers/certs.d/$LILIPOD_TEST_REG_TLS"
  cp "$LILIPOD_TEST_CA" "$HOME/.config/containers/certs.d/$LILIPOD_TEST_REG_TLS/ca.crt"
  run --separate-stderr lilipod pull -q "$LILIPOD_TEST_REG_TLS/multilayer"
  [ "$status" -eq 0 ]
  [ "$output" = "$(config_id multilayer)" ]
  # --tls-verify=false skips verification altogether.
  rm -r "$HOME/.config/containers/certs.d"
  run --separate-stderr lilipod pull -q --tls-verify=false "$LILIPOD_TEST_REG_TLS/busybox-docker"
  [ "$status" -eq 0 ]
}

@test "basic auth: --creds, wrong password, no credentials" {
  run --separate-stderr lilipod pull -q --cert-dir "$CERTS" "$LILIPOD_TEST_REG_BASIC/busybox"
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"authentication required"* ]]
  run --separate-stderr lilipod pull -q --cert-dir "$CERTS" --creds "$LILIPOD_TEST_BASIC_USER:nope" \
    "$LILIPOD_TEST_REG_BASIC/busybox"
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"invalid username/password"* ]]
  run --separate-stderr lilipod pull -q --cert-dir "$CERTS" \
    --creds "$LILIPOD_TEST_BASIC_USER:$LILIPOD_TEST_BASIC_PASS" "$LILIPOD_TEST_REG_BASIC/multilayer"
  [ "$status" -eq 0 ]
  [ "$output" = "$(config_id multilayer)" ]
}

@test "login checks the password, saves it, pull uses it, logout removes it" {
  export REGISTRY_AUTH_FILE="$BATS_TEST_TMPDIR/auth.json"
  run --separate-stderr lilipod login --cert-dir "$CERTS" -u "$LILIPOD_TEST_BASIC_USER" -p wrong \
    "$LILIPOD_TEST_REG_BASIC"
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"invalid username/password"* ]]
  [ ! -e "$REGISTRY_AUTH_FILE" ]
  run --separate-stderr lilipod login --cert-dir "$CERTS" -u "$LILIPOD_TEST_BASIC_USER" --password-stdin \
    "$LILIPOD_TEST_REG_BASIC" <<<"$LILIPOD_TEST_BASIC_PASS"
  [ "$status" -eq 0 ]
  [ "$output" = "Login Succeeded!" ]
  [ "$(stat -c %a "$REGISTRY_AUTH_FILE")" = 600 ]
  python3 -c 'import json,sys,base64; a=json.load(open(sys.argv[1]))["auths"][sys.argv[2]]["auth"]; print(base64.b64decode(a).decode())' \
    "$REGISTRY_AUTH_FILE" "$LILIPOD_TEST_REG_BASIC" | grep -qx "$LILIPOD_TEST_BASIC_USER:$LILIPOD_TEST_BASIC_PASS"
  run --separate-stderr lilipod pull -q --cert-dir "$CERTS" "$LILIPOD_TEST_REG_BASIC/busybox"
  [ "$status" -eq 0 ]
  [ "$output" = "$(config_id busybox)" ]
  run --separate-stderr lilipod logout "$LILIPOD_TEST_REG_BASIC"
  [ "$status" -eq 0 ]
  [ "$output" = "Removed login credentials for $LILIPOD_TEST_REG_BASIC" ]
  run --separate-stderr lilipod logout "$LILIPOD_TEST_REG_BASIC"
  [ "$status" -eq 125 ]
  [ "$stderr" = "Error: not logged into $LILIPOD_TEST_REG_BASIC" ]
  run --separate-stderr lilipod pull -q --cert-dir "$CERTS" "$LILIPOD_TEST_REG_BASIC/busybox"
  [ "$status" -eq 125 ]
}

@test "login without REGISTRY_AUTH_FILE writes \$XDG_RUNTIME_DIR/containers/auth.json; logout -a" {
  export XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/run"
  mkdir -p "$XDG_RUNTIME_DIR"
  run --separate-stderr lilipod login --cert-dir "$CERTS" -u "$LILIPOD_TEST_TOKEN_USER" \
    -p "$LILIPOD_TEST_TOKEN_PASS" "$LILIPOD_TEST_REG_TOKEN"
  [ "$status" -eq 0 ]
  [ -s "$XDG_RUNTIME_DIR/containers/auth.json" ]
  run --separate-stderr lilipod pull -q --cert-dir "$CERTS" "$LILIPOD_TEST_REG_TOKEN/busybox"
  [ "$status" -eq 0 ]
  [ "$output" = "$(config_id busybox)" ]
  run --separate-stderr lilipod logout -a
  [ "$status" -eq 0 ]
  [ "$output" = "Removed login credentials for all registries" ]
  ! grep -q "$LILIPOD_TEST_REG_TOKEN" "$XDG_RUNTIME_DIR/containers/auth.json"
}

@test "token auth: credentials, anonymous access to public/, refusal without credentials" {
  run --separate-stderr lilipod pull -q --cert-dir "$CERTS" \
    --creds "$LILIPOD_TEST_TOKEN_USER:$LILIPOD_TEST_TOKEN_PASS" "$LILIPOD_TEST_REG_TOKEN/multilayer"
  [ "$status" -eq 0 ]
  [ "$output" = "$(config_id multilayer)" ]
  run --separate-stderr lilipod pull -q --cert-dir "$CERTS" "$LILIPOD_TEST_REG_TOKEN/public/busybox"
  [ "$status" -eq 0 ]
  [ "$output" = "$(config_id public/busybox)" ]
  run --separate-stderr lilipod pull -q --cert-dir "$CERTS" "$LILIPOD_TEST_REG_TOKEN/busybox"
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"denied"* ]]
  run --separate-stderr lilipod pull -q --cert-dir "$CERTS" --creds "$LILIPOD_TEST_TOKEN_USER:bad" \
    "$LILIPOD_TEST_REG_TOKEN/busybox"
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"invalid username/password"* ]]
}

@test "multi-arch: the host's platform by default, --platform/--arch pick another" {
  [ "$(uname -m)" = x86_64 ] || { echo "this test needs an amd64 host: the multiarch fixture holds amd64 and arm64" >&2; false; }
  run --separate-stderr lilipod pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox-multiarch"
  [ "$status" -eq 0 ]
  [ "$output" = "$(config_id busybox-multiarch amd64)" ]
  run --separate-stderr lilipod pull -q --tls-verify=false --platform linux/arm64 \
    "$LILIPOD_TEST_REG_PLAIN/busybox-multiarch"
  [ "$status" -eq 0 ]
  [ "$output" = "$(config_id busybox-multiarch arm64)" ]
  [ "$output" != "$(config_id busybox-multiarch amd64)" ]
  run --separate-stderr lilipod pull -q --tls-verify=false --arch arm64 "$LILIPOD_TEST_REG_PLAIN/busybox-multiarch"
  [ "$status" -eq 0 ]
  [ "$output" = "$(config_id busybox-multiarch arm64)" ]
  run --separate-stderr lilipod pull -q --tls-verify=false --arch s390x "$LILIPOD_TEST_REG_PLAIN/busybox-multiarch"
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"no image found in manifest list for architecture s390x"* ]]
  run --separate-stderr lilipod pull --platform linux "$LILIPOD_TEST_REG_PLAIN/busybox-multiarch"
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"invalid platform"* ]]
}

@test "a dead registry fails quickly with a clear error" {
  SECONDS=0
  run --separate-stderr lilipod pull 127.0.0.1:1/busybox
  [ "$status" -eq 125 ]
  [ "$SECONDS" -lt 10 ]
  [[ "$stderr" == *"Error: initializing source docker://127.0.0.1:1/busybox:latest: "*"onnect"* ]]
}

@test "invalid references are refused before any network access" {
  run --separate-stderr lilipod pull Busybox
  [ "$status" -eq 125 ]
  [ "$stderr" = "Error: invalid reference format: repository name must be lowercase" ]
  run --separate-stderr lilipod pull "busybox:bad tag"
  [ "$status" -eq 125 ]
  [[ "$stderr" == "Error: invalid reference format"* ]]
  run --separate-stderr lilipod pull
  [ "$status" -eq 125 ]
}

# A registry serving the busybox image in one of two ways (MODE):
#   tamper - one byte of the layer blob changed
#   cut    - the first download of the layer stops halfway; Range requests
#            get the rest (each Range header is logged to $dir/ranges)
start_tamper_registry() {
  local mode=${1:-tamper} dir=$BATS_TEST_TMPDIR/tamper
  mkdir -p "$dir"
  python3 - "$LILIPOD_TEST_REG_PLAIN" "$dir" "$MT_ACCEPT" "$mode" <<'PY' &
import http.server, json, os, sys, urllib.request
host, d, accept, mode = sys.argv[1:5]
def fetch(path, hdr=None):
    req = urllib.request.Request(f"http://{host}{path}", headers=hdr or {})
    with urllib.request.urlopen(req) as r:
        return r.read(), r.headers.get("Content-Type")
manifest, ctype = fetch("/v2/busybox/manifests/latest", {"Accept": accept})
m = json.loads(manifest)
blobs = {}
for desc in [m["config"]] + m["layers"]:
    blobs[desc["digest"]] = fetch(f"/v2/busybox/blobs/{desc['digest']}")[0]
layer = m["layers"][0]["digest"]
if mode == "tamper":
    b = bytearray(blobs[layer]); b[len(b) // 2] ^= 0xFF; blobs[layer] = bytes(b)
state = {"cut": mode == "cut"}
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def send(self, code, body, ct="application/octet-stream"):
        self.send_response(code); self.send_header("Content-Type", ct)
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_GET(self):
        p = self.path
        if p == "/v2/": return self.send(200, b"{}", "application/json")
        if p.startswith("/v2/busybox/manifests/"): return self.send(200, manifest, ctype)
        if p.startswith("/v2/busybox/blobs/") and p.rsplit("/", 1)[1] in blobs:
            body = blobs[p.rsplit("/", 1)[1]]
            rng = self.headers.get("Range")
            if p.endswith(layer) and state["cut"]:
                state["cut"] = False
                self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
                self.wfile.write(body[: len(body) // 2]); self.wfile.flush()
                self.close_connection = True
                return
            if rng:
                with open(os.path.join(d, "ranges"), "a") as f: f.write(rng + "\n")
                start = int(rng.split("=")[1].split("-")[0])
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                self.send_header("Content-Length", str(len(body) - start)); self.end_headers()
                self.wfile.write(body[start:])
                return
            return self.send(200, body)
        self.send(404, b'{"errors":[{"code":"NOT_FOUND","message":"not found"}]}', "application/json")
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(os.path.join(d, "port.tmp"), "w") as f: f.write(str(s.server_address[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
s.serve_forever()
PY
  TAMPER_PID=$!
  for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.1; done
  TAMPER=127.0.0.1:$(cat "$dir/port")
}

teardown() {
  if [ -n "${TAMPER_PID:-}" ]; then kill "$TAMPER_PID" 2>/dev/null || true; fi
}

@test "a tampered layer blob fails the pull with a digest error and stores nothing" {
  start_tamper_registry
  run --separate-stderr lilipod pull --tls-verify=false --retry 0 "$TAMPER/busybox"
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"Digest did not match, expected sha256:"* ]]
  [[ "$stderr" != *"Storing signatures"* ]]
  [ -z "$output" ]
  # The same image from the honest registry still pulls every layer afresh.
  run --separate-stderr lilipod pull --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox"
  [ "$status" -eq 0 ]
  grep -qE '^Copying blob [0-9a-f]{12} done$' <<<"$stderr"
}

@test "a transfer broken halfway is resumed with a Range request" {
  start_tamper_registry cut
  run --separate-stderr lilipod pull --tls-verify=false --retry-delay 100ms "$TAMPER/busybox"
  [ "$status" -eq 0 ] || { echo "$stderr"; false; }
  [ "$output" = "$(config_id busybox)" ]
  grep -qE '^bytes=[1-9][0-9]*-$' "$BATS_TEST_TMPDIR/tamper/ranges"
}

@test "with --retry 0 a broken transfer fails the pull" {
  start_tamper_registry cut
  run --separate-stderr lilipod pull --tls-verify=false --retry 0 "$TAMPER/busybox"
  [ "$status" -eq 125 ]
  [[ "$stderr" == *"Error: copying blob sha256:"* ]]
  [ -z "$output" ]
}

@test "progress bars are drawn on a terminal, never into a pipe" {
  command -v script >/dev/null || { echo "script is missing: install bsdutils (scripts/deps does)" >&2; false; }
  ref="$LILIPOD_TEST_REG_PLAIN/multilayer"
  script -qec "'$LILIPOD' pull --tls-verify=false $ref" /dev/null >"$BATS_TEST_TMPDIR/tty.out"
  grep -q $'Copying blob [0-9a-f]\{12\} \[[=>-]*\] .*B / .*B' "$BATS_TEST_TMPDIR/tty.out"
  grep -q $'\033\[K' "$BATS_TEST_TMPDIR/tty.out"
  [ "$(grep -c 'done' "$BATS_TEST_TMPDIR/tty.out")" -ge 1 ]
  run --separate-stderr lilipod pull --tls-verify=false "$ref"
  [ "$status" -eq 0 ]
  [[ "$stderr" != *$'\033'* ]]
  [[ "$stderr" == *"skipped: already exists"* ]]
}
