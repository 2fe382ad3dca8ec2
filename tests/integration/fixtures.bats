#!/usr/bin/env bats
# Checks the test harness itself: the four local registries started by
# tests/fixtures/registry.sh and the images pushed by push-images.sh.
# Needs LILIPOD_TEST_ENV=/path/to/STATEDIR/registry.env. Writes only under
# $BATS_TEST_TMPDIR, so it runs as root and as the unprivileged test user.

MT_OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
MT_OCI_INDEX=application/vnd.oci.image.index.v1+json
MT_DOCKER_MANIFEST=application/vnd.docker.distribution.manifest.v2+json
ACCEPT="$MT_OCI_MANIFEST, $MT_OCI_INDEX, $MT_DOCKER_MANIFEST, application/vnd.docker.distribution.manifest.list.v2+json"
MODES="plain tls basic token"

setup() {
    if [ -z "${LILIPOD_TEST_ENV:-}" ]; then
        echo "LILIPOD_TEST_ENV is not set: point it at the registry.env written by" \
             "'tests/fixtures/registry.sh start STATEDIR' (then run push-images.sh)" >&2
        return 1
    fi
    if [ ! -r "$LILIPOD_TEST_ENV" ]; then
        echo "LILIPOD_TEST_ENV=$LILIPOD_TEST_ENV is not a readable file;" \
             "is the registry started (tests/fixtures/registry.sh start)?" >&2
        return 1
    fi
    # shellcheck disable=SC1090
    . "$LILIPOD_TEST_ENV"
    local v
    for v in LILIPOD_TEST_REG_PLAIN LILIPOD_TEST_REG_TLS LILIPOD_TEST_REG_BASIC \
             LILIPOD_TEST_REG_TOKEN LILIPOD_TEST_CA LILIPOD_TEST_BASIC_USER \
             LILIPOD_TEST_BASIC_PASS LILIPOD_TEST_TOKEN_USER LILIPOD_TEST_TOKEN_PASS \
             LILIPOD_TEST_TOKEN_SERVER; do
        if [ -z "${!v:-}" ]; then
            echo "$LILIPOD_TEST_ENV does not set $v" >&2
            return 1
        fi
    done
    T=$BATS_TEST_TMPDIR
}

# base_url MODE
base_url() {
    case $1 in
    plain) echo "http://$LILIPOD_TEST_REG_PLAIN" ;;
    tls) echo "https://$LILIPOD_TEST_REG_TLS" ;;
    basic) echo "https://$LILIPOD_TEST_REG_BASIC" ;;
    token) echo "https://$LILIPOD_TEST_REG_TOKEN" ;;
    esac
}

# get_token SCOPE [USER:PASS]: token from the realm, to stdout
get_token() {
    local scope=$1 creds=${2:-} args=(-fsS --cacert "$LILIPOD_TEST_CA" -G
        --data-urlencode "service=${LILIPOD_TEST_TOKEN_SERVICE:-lilipod-test-registry}")
    [ -n "$scope" ] && args+=(--data-urlencode "scope=$scope")
    [ -n "$creds" ] && args+=(-u "$creds")
    curl "${args[@]}" "$LILIPOD_TEST_TOKEN_SERVER" | jq -er .token
}

# set_auth MODE REPO: fills the array AUTH with curl arguments that give
# pull access to REPO through MODE
set_auth() {
    AUTH=()
    case $1 in
    plain) ;;
    tls) AUTH=(--cacert "$LILIPOD_TEST_CA") ;;
    basic) AUTH=(--cacert "$LILIPOD_TEST_CA" -u "$LILIPOD_TEST_BASIC_USER:$LILIPOD_TEST_BASIC_PASS") ;;
    token)
        local tok
        tok=$(get_token "repository:$2:pull" "$LILIPOD_TEST_TOKEN_USER:$LILIPOD_TEST_TOKEN_PASS")
        AUTH=(--cacert "$LILIPOD_TEST_CA" -H "Authorization: Bearer $tok")
        ;;
    esac
}

# fetch MODE REPO PATH OUT: GET /v2/REPO/PATH into OUT (headers in OUT.h)
fetch() {
    set_auth "$1" "$2"
    curl -fsS "${AUTH[@]}" -H "Accept: $ACCEPT" -D "$4.h" -o "$4" \
        "$(base_url "$1")/v2/$2/$3"
}

# header NAME FILE: value of a response header (last response in FILE)
header() {
    tr -d '\r' <"$2" | awk -v n="$(echo "$1" | tr 'A-Z' 'a-z')" '
        { split($0, a, ": "); if (tolower(a[1]) == n) { sub(/^[^:]*: /, ""); v = $0 } }
        END { print v }'
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# repo:tag pairs and the manifest type each must be served with
images() {
    echo "busybox latest $MT_OCI_MANIFEST"
    echo "public/busybox latest $MT_OCI_MANIFEST"
    echo "multilayer latest $MT_OCI_MANIFEST"
    echo "busybox-docker latest $MT_DOCKER_MANIFEST"
    echo "busybox-zstd latest $MT_OCI_MANIFEST"
    echo "busybox-multiarch latest $MT_OCI_INDEX"
    if curl -fsS -o /dev/null -H "Accept: $ACCEPT" \
        "http://$LILIPOD_TEST_REG_PLAIN/v2/debian/manifests/bookworm"; then
        echo "debian bookworm $MT_OCI_MANIFEST"
    fi
}

@test "plain registry answers GET /v2/ with 200 and the API version header" {
    run curl -sS -D "$T/h" -o /dev/null -w '%{http_code}' "http://$LILIPOD_TEST_REG_PLAIN/v2/"
    [ "$status" -eq 0 ]
    [ "$output" = 200 ]
    [ "$(header Docker-Distribution-Api-Version "$T/h")" = registry/2.0 ]
}

@test "TLS registry verifies with the harness CA, for 127.0.0.1 and localhost" {
    run curl -sS -o /dev/null -w '%{http_code}' --cacert "$LILIPOD_TEST_CA" \
        "https://$LILIPOD_TEST_REG_TLS/v2/"
    [ "$status" -eq 0 ]
    [ "$output" = 200 ]
    run curl -sS -o /dev/null -w '%{http_code}' --cacert "$LILIPOD_TEST_CA" \
        "https://localhost:${LILIPOD_TEST_REG_TLS##*:}/v2/"
    [ "$status" -eq 0 ]
    [ "$output" = 200 ]
}

@test "TLS registry fails certificate verification without the CA" {
    # curl exits 60: peer certificate cannot be authenticated
    run curl -sS -o /dev/null "https://$LILIPOD_TEST_REG_TLS/v2/"
    [ "$status" -eq 60 ]
    run curl -sS -o /dev/null "https://$LILIPOD_TEST_REG_TOKEN/v2/"
    [ "$status" -eq 60 ]
    # and it does not answer plain HTTP
    run curl -s -o /dev/null -w '%{http_code}' "http://$LILIPOD_TEST_REG_TLS/v2/"
    [ "$output" != 200 ]
}

@test "basic-auth registry: 401 with WWW-Authenticate Basic, 200 with credentials" {
    run curl -sS -D "$T/h" -o /dev/null -w '%{http_code}' --cacert "$LILIPOD_TEST_CA" \
        "https://$LILIPOD_TEST_REG_BASIC/v2/"
    [ "$output" = 401 ]
    [[ "$(header WWW-Authenticate "$T/h")" == Basic\ realm=* ]]
    run curl -sS -o /dev/null -w '%{http_code}' --cacert "$LILIPOD_TEST_CA" \
        -u "$LILIPOD_TEST_BASIC_USER:$LILIPOD_TEST_BASIC_PASS" "https://$LILIPOD_TEST_REG_BASIC/v2/"
    [ "$output" = 200 ]
    run curl -sS -o /dev/null -w '%{http_code}' --cacert "$LILIPOD_TEST_CA" \
        -u "$LILIPOD_TEST_BASIC_USER:wrong" "https://$LILIPOD_TEST_REG_BASIC/v2/"
    [ "$output" = 401 ]
}

@test "token registry: Bearer challenge, then a realm token opens /v2/ and a manifest" {
    run curl -sS -D "$T/h" -o /dev/null -w '%{http_code}' --cacert "$LILIPOD_TEST_CA" \
        "https://$LILIPOD_TEST_REG_TOKEN/v2/"
    [ "$output" = 401 ]
    chal=$(header WWW-Authenticate "$T/h")
    [[ "$chal" == Bearer\ realm=\"*\",service=\"*\"* ]]
    # take realm and service from the challenge, as a client would
    realm=$(sed -E 's/.*realm="([^"]*)".*/\1/' <<<"$chal")
    service=$(sed -E 's/.*service="([^"]*)".*/\1/' <<<"$chal")
    [ "$realm" = "$LILIPOD_TEST_TOKEN_SERVER" ]
    tok=$(curl -fsS --cacert "$LILIPOD_TEST_CA" -u "$LILIPOD_TEST_TOKEN_USER:$LILIPOD_TEST_TOKEN_PASS" \
        -G --data-urlencode "service=$service" --data-urlencode "scope=repository:busybox:pull" "$realm" |
        jq -er .token)
    run curl -sS -o /dev/null -w '%{http_code}' --cacert "$LILIPOD_TEST_CA" \
        -H "Authorization: Bearer $tok" "https://$LILIPOD_TEST_REG_TOKEN/v2/"
    [ "$output" = 200 ]
    run curl -sS -o "$T/m" -w '%{http_code}' --cacert "$LILIPOD_TEST_CA" -H "Accept: $ACCEPT" \
        -H "Authorization: Bearer $tok" "https://$LILIPOD_TEST_REG_TOKEN/v2/busybox/manifests/latest"
    [ "$output" = 200 ]
    [ "$(jq -r .mediaType "$T/m")" = "$MT_OCI_MANIFEST" ]
    # a manifest GET without a token is challenged with the scope it needs
    run curl -sS -D "$T/h2" -o /dev/null -w '%{http_code}' --cacert "$LILIPOD_TEST_CA" \
        "https://$LILIPOD_TEST_REG_TOKEN/v2/busybox/manifests/latest"
    [ "$output" = 401 ]
    [[ "$(header WWW-Authenticate "$T/h2")" == *scope=\"repository:busybox:pull\"* ]]
}

@test "token server rejects wrong credentials" {
    run curl -sS -o /dev/null -w '%{http_code}' --cacert "$LILIPOD_TEST_CA" \
        -u "$LILIPOD_TEST_TOKEN_USER:wrong" "$LILIPOD_TEST_TOKEN_SERVER?service=x&scope=repository:busybox:pull"
    [ "$output" = 401 ]
}

@test "an anonymous token pulls public/busybox but not busybox" {
    tok=$(get_token "repository:public/busybox:pull")
    run curl -sS -o /dev/null -w '%{http_code}' --cacert "$LILIPOD_TEST_CA" -H "Accept: $ACCEPT" \
        -H "Authorization: Bearer $tok" "https://$LILIPOD_TEST_REG_TOKEN/v2/public/busybox/manifests/latest"
    [ "$output" = 200 ]
    tok=$(get_token "repository:busybox:pull")
    run curl -sS -o /dev/null -w '%{http_code}' --cacert "$LILIPOD_TEST_CA" -H "Accept: $ACCEPT" \
        -H "Authorization: Bearer $tok" "https://$LILIPOD_TEST_REG_TOKEN/v2/busybox/manifests/latest"
    [ "$output" = 401 ]
    # nor push to public/
    tok=$(get_token "repository:public/busybox:pull,push")
    run curl -sS -o /dev/null -w '%{http_code}' --cacert "$LILIPOD_TEST_CA" -X POST \
        -H "Authorization: Bearer $tok" "https://$LILIPOD_TEST_REG_TOKEN/v2/public/busybox/blobs/uploads/"
    [ "$output" = 401 ]
}

@test "every fixture image is served with the right Content-Type through every mode" {
    images >"$T/images"
    [ "$(wc -l <"$T/images")" -ge 6 ]
    while read -r repo tag type; do
        for mode in $MODES; do
            fetch "$mode" "$repo" "manifests/$tag" "$T/m" ||
                { echo "GET $repo:$tag via $mode failed" >&2; return 1; }
            ct=$(header Content-Type "$T/m.h")
            [ "$ct" = "$type" ] || { echo "$repo:$tag via $mode: Content-Type $ct, want $type" >&2; return 1; }
            [ "$(jq -r .mediaType "$T/m")" = "$type" ]
            dg=$(header Docker-Content-Digest "$T/m.h")
            [ "$dg" = "sha256:$(sha "$T/m")" ] || { echo "$repo:$tag via $mode: digest $dg" >&2; return 1; }
        done
    done <"$T/images"
}

@test "served manifests are byte-identical to the fixture layout" {
    [ -n "${LILIPOD_TEST_FIXTURES:-}" ] || skip "LILIPOD_TEST_FIXTURES not set (run push-images.sh)"
    jq -r '.manifests[] | .annotations["org.opencontainers.image.ref.name"] + " " + .digest' \
        "$LILIPOD_TEST_FIXTURES/index.json" >"$T/refs"
    while read -r name digest; do
        tag=latest; [ "$name" = debian ] && tag=bookworm
        fetch plain "$name" "manifests/$tag" "$T/m"
        [ "sha256:$(sha "$T/m")" = "$digest" ] || { echo "$name: served $(sha "$T/m"), layout $digest" >&2; return 1; }
    done <"$T/refs"
    [ -s "$LILIPOD_TEST_FIXTURES/multilayer.expected" ]
}

@test "the multiarch index lists linux/amd64 and linux/arm64 with the matching /etc/arch" {
    for mode in plain token; do
        fetch "$mode" busybox-multiarch manifests/latest "$T/idx"
        run jq -r '.manifests[] | .platform.os + "/" + .platform.architecture' "$T/idx"
        [ "${lines[*]}" = "linux/amd64 linux/arm64" ]
    done
    for arch in amd64 arm64; do
        dg=$(jq -r --arg a "$arch" '.manifests[] | select(.platform.architecture == $a) | .digest' "$T/idx")
        fetch plain busybox-multiarch "manifests/$dg" "$T/m"
        [ "$(header Content-Type "$T/m.h")" = "$MT_OCI_MANIFEST" ]
        fetch plain busybox-multiarch "blobs/$(jq -r .config.digest "$T/m")" "$T/c"
        [ "$(jq -r .architecture "$T/c")" = "$arch" ]
        fetch plain busybox-multiarch "blobs/$(jq -r '.layers[0].digest' "$T/m")" "$T/l"
        [ "$(tar -xzOf "$T/l" etc/arch)" = "$arch" ]
    done
}

@test "blob digests and sizes match the served bytes, and diff_ids match the layers" {
    for spec in plain:busybox:latest token:busybox:latest basic:multilayer:latest \
                tls:busybox-docker:latest token:busybox-zstd:latest plain:debian:bookworm; do
        IFS=: read -r mode repo tag <<<"$spec"
        if [ "$repo" = debian ] && ! images | grep -q '^debian '; then
            continue
        fi
        fetch "$mode" "$repo" "manifests/$tag" "$T/m"
        jq -r '([.config] + .layers)[] | .digest + " " + (.size|tostring) + " " + .mediaType' \
            "$T/m" >"$T/descs"
        fetch "$mode" "$repo" "blobs/$(jq -r .config.digest "$T/m")" "$T/config"
        i=0
        while read -r digest size type; do
            fetch "$mode" "$repo" "blobs/$digest" "$T/blob"
            [ "sha256:$(sha "$T/blob")" = "$digest" ] || { echo "$spec: blob $digest served wrong bytes" >&2; return 1; }
            [ "$(stat -c %s "$T/blob")" = "$size" ]
            case $type in
            *gzip) diff="sha256:$(gzip -dc "$T/blob" | sha256sum | cut -d' ' -f1)" ;;
            *zstd) diff="sha256:$(zstd -dc "$T/blob" | sha256sum | cut -d' ' -f1)" ;;
            *) continue ;;          # the config
            esac
            want=$(jq -r ".rootfs.diff_ids[$i]" "$T/config")
            [ "$diff" = "$want" ] || { echo "$spec: layer $i diff_id $diff, config says $want" >&2; return 1; }
            i=$((i + 1))
        done <"$T/descs"
        [ "$i" = "$(jq '.rootfs.diff_ids | length' "$T/config")" ]
    done
}

@test "the busybox layer has busybox, applets, users and os-release" {
    fetch plain busybox manifests/latest "$T/m"
    fetch plain busybox "blobs/$(jq -r '.layers[0].digest' "$T/m")" "$T/l"
    tar -tvzf "$T/l" >"$T/list"
    grep -Eq '^-rwxr-xr-x 0/0 .* bin/busybox$' "$T/list"
    grep -Eq '^lrwxrwxrwx 0/0 .* bin/sh -> /bin/busybox$' "$T/list"
    grep -Eq '^lrwxrwxrwx .* etc/os-release -> \.\./usr/lib/os-release$' "$T/list"
    grep -Eq '^drwxrwxrwt 0/0 .* tmp/?$' "$T/list"
    grep -Eq '^drwxr-xr-x 1000/1000 .* home/alice/?$' "$T/list"
    tar -xzOf "$T/l" usr/lib/os-release | grep -qx 'ID=lilipod-busybox'
    tar -xzOf "$T/l" etc/passwd | grep -q '^alice:x:1000:1000:.*:/home/alice:'
    tar -xzOf "$T/l" etc/group | grep -q '^wheel:x:[0-9]*:.*alice'
}
