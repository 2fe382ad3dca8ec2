#!/usr/bin/env bats
# Private networks: pasta and slirp4netns connect the container to the host,
# published ports, generated /etc/hosts and resolv.conf, and the helper's
# lifetime. Every server here listens on the host's loopback only.

load ../lib/common

setup_file() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  require_registry
  "$LILIPOD" pull -q --tls-verify=false "$LILIPOD_TEST_REG_PLAIN/busybox" >/dev/null
}

setup() {
  export LILIPOD_HOME="$BATS_FILE_TMPDIR/home"
  export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/config"
  mkdir -p "$XDG_CONFIG_HOME"
  SERVER_PIDS=()
}

teardown() {
  for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  "$LILIPOD" rm -f -t 0 -a >/dev/null 2>&1 || true
}

# An HTTP server on 127.0.0.1 serving DIR; sets HTTP_PORT. It stops by
# itself after two minutes.
start_http() {
  local dir=$1 log="$BATS_TEST_TMPDIR/http.log"
  timeout 120 /usr/bin/python3 -u -m http.server -b 127.0.0.1 -d "$dir" 0 >"$log" 2>&1 &
  SERVER_PIDS+=($!)
  for _ in $(seq 100); do
    HTTP_PORT=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$log" | head -1)
    [ -n "$HTTP_PORT" ] && return 0
    sleep 0.05
  done
  echo "the HTTP server did not start: $(cat "$log")" >&2
  return 1
}

# The network helper among the supervisor's children of container $1.
helper_pid() {
  local id spid
  id=$(lilipod inspect --format '{{.Id}}' "$1")
  read -r spid _ <"$LILIPOD_HOME/containers/$id/supervisor"
  ps -o pid=,comm= --ppid "$spid" | awk '$2 ~ /^(pasta|passt|slirp4netns)/ { print $1 }'
}

# Wait up to 5 s for pid $1 to be gone (or to be something else).
gone() {
  [[ "$1" =~ ^[0-9]+$ ]] || { echo "not one pid: '$1'" >&2; return 1; }
  for _ in $(seq 100); do
    [ -e "/proc/$1" ] || return 0
    grep -qE 'pasta|passt|slirp4netns' "/proc/$1/cmdline" 2>/dev/null || return 0
    [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ] && return 0
    sleep 0.05
  done
  echo "process $1 is still there: $(tr '\0' ' ' <"/proc/$1/cmdline")" >&2
  return 1
}

# wait_http PORT [CONTAINER]: until curl gets an answer from 127.0.0.1:PORT
# (15 s); else say what the container and its helper said.
wait_http() {
  for _ in $(seq 300); do
    curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$1/" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing answers on 127.0.0.1:$1" >&2
  if [ -n "${2:-}" ]; then
    local id
    id=$(lilipod inspect --format '{{.Id}}' "$2")
    lilipod ps -a >&2
    lilipod logs "$2" >&2
    cat "$LILIPOD_HOME/containers/$id/network.log" >&2
  fi
  return 1
}

for_helper_reaches_host() {
  need "$1"
  mkdir -p "$BATS_TEST_TMPDIR/www"
  echo "hello from the host" >"$BATS_TEST_TMPDIR/www/index.html"
  start_http "$BATS_TEST_TMPDIR/www"
  run -0 timeout 60 "$LILIPOD" run --rm --network "$1" busybox \
    wget -q -O - "http://host.containers.internal:$HTTP_PORT/index.html"
  [ "$output" = "hello from the host" ]
}

@test "pasta: wget reaches an HTTP server on the host's loopback through host.containers.internal" {
  for_helper_reaches_host pasta
}

@test "slirp4netns: wget reaches an HTTP server on the host's loopback through host.containers.internal" {
  for_helper_reaches_host slirp4netns
}

for_helper_udp_dns() {
  need "$1"
  timeout 120 /usr/bin/python3 "$BATS_TEST_DIRNAME/../fixtures/dns-answer.py" "$BATS_TEST_TMPDIR/dnsport" 127.0.0.77 &
  SERVER_PIDS+=($!)
  for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/dnsport" ] && break; sleep 0.05; done
  port=$(cat "$BATS_TEST_TMPDIR/dnsport")
  run -0 timeout 60 "$LILIPOD" run --rm --network "$1" busybox nslookup some.test "host.containers.internal:$port"
  [[ "$output" == *"Address: 127.0.0.77"* ]]
}

@test "pasta: UDP out: a DNS query to a resolver on the host's loopback is answered" {
  for_helper_udp_dns pasta
}

@test "slirp4netns: UDP out: a DNS query to a resolver on the host's loopback is answered" {
  for_helper_udp_dns slirp4netns
}

for_helper_publish() {
  need "$1"
  run -0 lilipod run -d --name "pub-$1" -p 127.0.0.1::8080 --network "$1" busybox \
    sh -c 'mkdir /www && echo "served by $HOSTNAME" >/www/index.html && exec httpd -f -p 8080 -h /www'
  id=$output
  run -0 lilipod port "pub-$1" 8080
  [[ "$output" =~ ^127\.0\.0\.1:([0-9]+)$ ]]
  port=${BASH_REMATCH[1]}
  # As Podman's, run -d returns once the port is forwarded: the host side
  # takes a connection at once (httpd itself may still be starting).
  (exec 3<>"/dev/tcp/127.0.0.1/$port") || { echo "127.0.0.1:$port is not bound after run -d" >&2; false; }
  wait_http "$port" "pub-$1"
  run -0 curl -fsS -m 5 "http://127.0.0.1:$port/index.html"
  [ "$output" = "served by ${id:0:12}" ]
  run -0 lilipod ps --format '{{.Names}} {{.Ports}}'
  [[ "$output" == *"pub-$1 127.0.0.1:$port->8080/tcp"* ]]
  run -0 lilipod port "pub-$1"
  [ "$output" = "8080/tcp -> 127.0.0.1:$port" ]
}

@test "pasta: a published port serves busybox httpd to curl on the host" {
  for_helper_publish pasta
}

@test "slirp4netns: a published port serves busybox httpd to curl on the host" {
  for_helper_publish slirp4netns
}

@test "pasta and slirp4netns: two containers publish different ports at once" {
  need pasta
  need slirp4netns
  lilipod run -d --name two-a -p 127.0.0.1::80 --network pasta busybox \
    sh -c 'mkdir /w && echo A >/w/index.html && exec httpd -f -p 80 -h /w'
  lilipod run -d --name two-b -p 127.0.0.1::80 --network slirp4netns busybox \
    sh -c 'mkdir /w && echo B >/w/index.html && exec httpd -f -p 80 -h /w'
  pa=$(lilipod port two-a 80 | cut -d: -f2)
  pb=$(lilipod port two-b 80 | cut -d: -f2)
  [ "$pa" != "$pb" ]
  wait_http "$pa" two-a
  wait_http "$pb" two-b
  [ "$(curl -fsS -m 5 "http://127.0.0.1:$pa/")" = A ]
  [ "$(curl -fsS -m 5 "http://127.0.0.1:$pb/")" = B ]
}

@test "pasta: --add-host names resolve inside, --hostname and host.containers.internal are in /etc/hosts" {
  need pasta
  run -0 timeout 60 "$LILIPOD" run --rm --network pasta --hostname web1 --add-host db.test:127.0.0.1 \
    --add-host gw.test:host-gateway busybox sh -c '
      mkdir /w && echo via-name >/w/index.html && httpd -p 127.0.0.1:8080 -h /w &&
      wget -q -O - http://db.test:8080/index.html && cat /etc/hosts && hostname'
  [ "${lines[0]}" = via-name ]
  [ "${lines[1]}" = "127.0.0.1	db.test" ]
  [[ "$output" == *$'\n'"web1" ]]
  gw=$(printf '%s\n' "$output" | awk '$2 == "host.containers.internal" { print $1 }')
  [ -n "$gw" ]
  [[ "$output" == *"$gw	gw.test"* ]]
}

@test "slirp4netns: lo up, 10.0.2.100 with a default route, resolv.conf points at 10.0.2.3" {
  need slirp4netns
  run -0 timeout 60 "$LILIPOD" run --rm --network slirp4netns --name s-addr busybox sh -c \
    'ip -o addr show; ip route; cat /etc/resolv.conf; grep -v localhost /etc/hosts'
  [[ "$output" == *"lo    inet 127.0.0.1/8"* ]]
  [[ "$output" == *"tap0    inet 10.0.2.100/24"* ]]
  [[ "$output" == *"default via 10.0.2.2 dev tap0"* ]]
  [[ "$output" == *"nameserver 10.0.2.3"* ]]
  [[ "$output" == *"10.0.2.100	"*" s-addr"* ]]
  [[ "$output" == *"10.0.2.2	host.containers.internal"* ]]
}

@test "pasta: the DNS forwarder is resolv.conf's nameserver; --dns, --dns-search, --dns-option replace it" {
  need pasta
  run -0 timeout 60 "$LILIPOD" run --rm --network pasta busybox sh -c 'cat /etc/resolv.conf; ip route'
  [[ "$output" == *"nameserver 169.254.1.1"* ]]
  [[ "$output" == *"default via"* ]]
  run -0 timeout 60 "$LILIPOD" run --rm --network pasta --dns 192.0.2.53 --dns-search example.test \
    --dns-option ndots:3 busybox cat /etc/resolv.conf
  [ "$output" = $'search example.test\nnameserver 192.0.2.53\noptions ndots:3' ]
  run -0 lilipod create --network pasta --dns 192.0.2.53 --add-host a:1.2.3.4 busybox true
  run -0 lilipod inspect --format '{{json .HostConfig.Dns}} {{json .HostConfig.ExtraHosts}} {{.HostConfig.NetworkMode}}' "$output"
  [ "$output" = '["192.0.2.53"] ["a:1.2.3.4"] pasta' ]
}

for_helper_lifetime() {
  need "$1"
  # stop
  lilipod run -d --name "life-$1" --network "$1" busybox sleep 120
  hp=$(helper_pid "life-$1")
  [ -n "$hp" ]
  lilipod stop -t 0 "life-$1"
  gone "$hp"
  # rm -f of a running container
  lilipod start "life-$1"
  hp=$(helper_pid "life-$1")
  [ -n "$hp" ]
  lilipod rm -f -t 0 "life-$1"
  gone "$hp"
  # a supervisor killed with SIGKILL takes its helper along
  id=$(lilipod run -d --name "kill-$1" --network "$1" busybox sleep 120)
  hp=$(helper_pid "kill-$1")
  [ -n "$hp" ]
  read -r spid _ <"$LILIPOD_HOME/containers/$id/supervisor"
  init=$(lilipod inspect --format '{{.State.Pid}}' "kill-$1")
  kill -9 "$spid"
  gone "$hp"
  # The container ends with its supervisor too (crash.bats tests that).
  for _ in $(seq 100); do
    [ -e "/proc/$init" ] || break
    sleep 0.05
  done
  [ ! -e "/proc/$init" ]
}

@test "pasta: no helper process survives stop, rm -f or a killed supervisor" {
  for_helper_lifetime pasta
}

@test "slirp4netns: no helper process survives stop, rm -f or a killed supervisor" {
  for_helper_lifetime slirp4netns
}

@test "the default network is private through pasta; ports are refused without a private network" {
  need pasta
  run -0 lilipod create busybox true
  run -0 lilipod inspect --format '{{.HostConfig.NetworkMode}}' "$output"
  [ "$output" = pasta ]
  run -125 lilipod create --network host -p 8080:80 busybox true
  [[ "$output" == *"not possible with --network host"* ]]
  run -125 lilipod create -p 80:80/sctp busybox true
  [[ "$output" == *"sctp"* ]]
  run -125 lilipod create -p 8080-8081:80 busybox true
  run -125 lilipod create --network bogus busybox true
  run -0 lilipod create --name exp --expose 7000 -p 127.0.0.1:9001-9002:90-91/udp busybox true
  run -0 lilipod inspect --format '{{json .NetworkSettings.Ports}}' exp
  [ "$output" = '{"7000/tcp":null,"90/udp":[{"HostIp":"127.0.0.1","HostPort":"9001"}],"91/udp":[{"HostIp":"127.0.0.1","HostPort":"9002"}]}' ]
  run -0 lilipod ps -a --format '{{.Ports}}' --filter name=exp
  [ "$output" = "127.0.0.1:9001-9002->90-91/udp" ]
}

@test "a helper that cannot bind the published port fails the start with its message" {
  need pasta
  need slirp4netns
  timeout 120 /usr/bin/python3 -c 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(120)' \
    >"$BATS_TEST_TMPDIR/busy" &
  SERVER_PIDS+=($!)
  for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/busy" ] && break; sleep 0.05; done
  busy=$(cat "$BATS_TEST_TMPDIR/busy")
  for h in pasta slirp4netns; do
    run -125 timeout 60 "$LILIPOD" run --rm --network "$h" -p "127.0.0.1:$busy:80" busybox true
    [[ "$output" == *"$h"* ]]
  done
}

@test "without pasta and slirp4netns on PATH the default is none, with a one-line notice" {
  mkdir -p "$BATS_TEST_TMPDIR/emptybin"
  run -0 --separate-stderr env PATH="$BATS_TEST_TMPDIR/emptybin" "$LILIPOD" create busybox true
  id=$output
  [[ "$stderr" == *"no network helper (pasta or slirp4netns) is installed"* ]]
  [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
  run -0 lilipod inspect --format '{{.HostConfig.NetworkMode}}' "$id"
  [ "$output" = none ]
  run -125 --separate-stderr env PATH="$BATS_TEST_TMPDIR/emptybin" "$LILIPOD" create -p 8080:80 busybox true
  [[ "$stderr" == *"cannot publish ports"* ]]
}

# push_exposed REPO EXPOSED_JSON: busybox with its config's ExposedPorts set
# to EXPOSED_JSON, pushed as REPO:latest to the plain registry over the
# registry API (the layer is mounted from busybox; same bytes, same digest
# every time, so root and the user may both push it).
push_exposed() {
  local reg=$LILIPOD_TEST_REG_PLAIN repo=$1 ports=$2 mt=application/vnd.oci.image.manifest.v1+json
  local man cfg cdig csize layer loc
  man=$(curl -fsS -H "Accept: $mt" "http://$reg/v2/busybox/manifests/latest") || return 1
  cfg=$(curl -fsS "http://$reg/v2/busybox/blobs/$(jq -r .config.digest <<<"$man")" |
    jq -c --argjson p "$ports" '.config.ExposedPorts = $p') || return 1
  cdig=sha256:$(printf '%s' "$cfg" | sha256sum | cut -d' ' -f1)
  csize=$(printf '%s' "$cfg" | wc -c)
  for layer in $(jq -r '.layers[].digest' <<<"$man"); do
    curl -fsS -o /dev/null -X POST "http://$reg/v2/$repo/blobs/uploads/?mount=$layer&from=busybox" || return 1
  done
  loc=$(curl -fsS -o /dev/null -D - -X POST "http://$reg/v2/$repo/blobs/uploads/" | tr -d '\r' |
    sed -n 's/^[Ll]ocation: //p')
  case $loc in http*) ;; *) loc="http://$reg$loc" ;; esac
  case $loc in *\?*) loc="$loc&digest=$cdig" ;; *) loc="$loc?digest=$cdig" ;; esac
  printf '%s' "$cfg" | curl -fsS -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' \
    --data-binary @- "$loc" || return 1
  jq -c --arg d "$cdig" --argjson s "$csize" '.config.digest = $d | .config.size = $s' <<<"$man" |
    curl -fsS -o /dev/null -X PUT -H "Content-Type: $mt" --data-binary @- "http://$reg/v2/$repo/manifests/latest"
}

for_helper_netsettings() {
  need "$1"
  run -0 lilipod run -d --name "nset-$1" --network "$1" -p 127.0.0.1::80 --expose 9000 busybox sleep 120
  # Podman 4.3 (slirp4netns; pasta from 4.4): its fields in its order, no
  # address, MAC or prefix of the container, rootless and rootful alike.
  run -0 lilipod inspect --format '{{json .NetworkSettings}}' "nset-$1"
  [ "$(jq -c 'del(.Ports, .SandboxKey)' <<<"$output")" = \
    '{"EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"MacAddress":"","Bridge":"","SandboxID":"","HairpinMode":false,"LinkLocalIPv6Address":"","LinkLocalIPv6PrefixLen":0}' ]
  [ "$(jq -r 'keys_unsorted | join(",")' <<<"$output")" = \
    "EndpointID,Gateway,IPAddress,IPPrefixLen,IPv6Gateway,GlobalIPv6Address,GlobalIPv6PrefixLen,MacAddress,Bridge,SandboxID,HairpinMode,LinkLocalIPv6Address,LinkLocalIPv6PrefixLen,Ports,SandboxKey" ]
  run -0 lilipod inspect --format '{{.NetworkSettings.IPAddress}}|{{.NetworkSettings.Gateway}}|{{.NetworkSettings.IPPrefixLen}}|{{.NetworkSettings.MacAddress}}' "nset-$1"
  [ "$output" = "||0|" ]
  # SandboxKey is the container's network namespace while it runs.
  key=$(lilipod inspect --format '{{.NetworkSettings.SandboxKey}}' "nset-$1")
  pid=$(lilipod inspect --format '{{.State.Pid}}' "nset-$1")
  [ "$key" = "/proc/$pid/ns/net" ]
  [ "$(readlink "$key")" = "$(lilipod exec "nset-$1" readlink /proc/self/ns/net)" ]
  port=$(lilipod port "nset-$1" 80 | cut -d: -f2)
  run -0 lilipod inspect --format '{{json .NetworkSettings.Ports}} {{json .HostConfig.PortBindings}}' "nset-$1"
  [ "$output" = "{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$port\"}],\"9000/tcp\":null} {\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$port\"}],\"9000/tcp\":null}" ]
  lilipod stop -t 0 "nset-$1"
  run -0 lilipod inspect --format '{{json .NetworkSettings.SandboxKey}}' "nset-$1"
  [ "$output" = '""' ]
}

@test "pasta: inspect NetworkSettings as Podman's: no address, SandboxKey while running, exposed ports" {
  for_helper_netsettings pasta
}

@test "slirp4netns: inspect NetworkSettings as Podman's: no address, SandboxKey while running, exposed ports" {
  for_helper_netsettings slirp4netns
}

@test "inspect NetworkSettings with --network host and none: no ports, no SandboxKey" {
  for n in host none; do
    run -0 lilipod run -d --name "nset-$n" --network "$n" --expose 9000 busybox sleep 120
    run -0 lilipod inspect --format '{{json .NetworkSettings.Ports}} {{json .HostConfig.PortBindings}} {{json .NetworkSettings.SandboxKey}}' "nset-$n"
    [ "$output" = '{} {} ""' ]
  done
}

# "PORT/PROTO HOSTIP:HOSTPORT" lines of container $1, sorted.
published() {
  lilipod inspect --format '{{json .NetworkSettings.Ports}}' "$1" |
    jq -r 'to_entries[] | .key + " " + (if .value == null then "-" else (.value[] | .HostIp + ":" + .HostPort) end)' |
    sort
}

for_helper_publish_all() {
  need "$1"
  push_exposed busybox-exposed '{"8080/tcp":{},"5353/udp":{}}'
  img="$LILIPOD_TEST_REG_PLAIN/busybox-exposed"
  lilipod pull -q --tls-verify=false "$img" >/dev/null
  # Without -P the image's ports are exposed, not published.
  lilipod create --name "pa0-$1" --network "$1" "$img" true
  run -0 published "pa0-$1"
  [ "$output" = $'5353/udp -\n8080/tcp -' ]
  # -P: the image's and --expose'd ports, each on its own random host port.
  lilipod create --name "pa1-$1" --network "$1" -P --expose 9000 --expose 7100-7101/udp "$img" true
  run -0 published "pa1-$1"
  [ "${#lines[@]}" -eq 5 ]
  [[ "${lines[0]}" =~ ^5353/udp\ :[0-9]+$ ]]
  [[ "${lines[1]}" =~ ^7100/udp\ :[0-9]+$ ]]
  [[ "${lines[2]}" =~ ^7101/udp\ :[0-9]+$ ]]
  [[ "${lines[3]}" =~ ^8080/tcp\ :[0-9]+$ ]]
  [[ "${lines[4]}" =~ ^9000/tcp\ :[0-9]+$ ]]
  [ "$(printf '%s\n' "${lines[@]}" | cut -d: -f2 | sort -u | wc -l)" -eq 5 ]
  run -0 lilipod inspect --format '{{json .NetworkSettings.Ports}}' "pa1-$1"
  [ "$(lilipod inspect --format '{{json .HostConfig.PortBindings}}' "pa1-$1")" = "$output" ]
  run -0 lilipod ps -a --format '{{.Ports}}' --filter "name=pa1-$1"
  [[ "$output" == *"0.0.0.0:"*"->8080/tcp"* ]]
  [[ "$output" == *"0.0.0.0:"*"->5353/udp"* ]]
  # A port -p maps keeps its mapping.
  lilipod create --name "pa2-$1" --network "$1" -P -p 127.0.0.1:18080:8080 "$img" true
  run -0 published "pa2-$1"
  [[ "$output" =~ ^5353/udp\ :[0-9]+$'\n'8080/tcp\ 127\.0\.0\.1:18080$ ]]
  # With nothing exposed -P publishes nothing.
  lilipod create --name "pa3-$1" --network "$1" -P busybox true
  run -0 published "pa3-$1"
  [ "$output" = "" ]
  # And the published port serves.
  run -0 lilipod run -d --name "pa4-$1" --network "$1" -P "$img" \
    sh -c 'mkdir /w && echo "P $HOSTNAME" >/w/index.html && exec httpd -f -p 8080 -h /w'
  id=$output
  port=$(lilipod port "pa4-$1" 8080 | cut -d: -f2)
  (exec 3<>"/dev/tcp/127.0.0.1/$port") || { echo "127.0.0.1:$port is not bound after run -d" >&2; false; }
  wait_http "$port" "pa4-$1"
  [ "$(curl -fsS -m 5 "http://127.0.0.1:$port/")" = "P ${id:0:12}" ]
}

@test "pasta: -P publishes the image's and --expose'd ports on random host ports" {
  for_helper_publish_all pasta
}

@test "slirp4netns: -P publishes the image's and --expose'd ports on random host ports" {
  for_helper_publish_all slirp4netns
}

@test "-P with --network host or none publishes nothing and is no error, as Podman" {
  push_exposed busybox-exposed '{"8080/tcp":{},"5353/udp":{}}'
  img="$LILIPOD_TEST_REG_PLAIN/busybox-exposed"
  lilipod pull -q --tls-verify=false "$img" >/dev/null
  for n in host none; do
    run -0 lilipod create --name "pan-$n" --network "$n" -P --expose 9000 "$img" true
    run -0 lilipod inspect --format '{{json .NetworkSettings.Ports}} {{json .HostConfig.PortBindings}}' "pan-$n"
    [ "$output" = '{} {}' ]
  done
}
