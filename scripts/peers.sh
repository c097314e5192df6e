#!/usr/bin/env bash
# Starts the real test servers the tests need, on 127.0.0.1, unless already running:
# OpenStack Swift (tempauth test:tester / testing) and Keystone (admin / secret), with the
# scripts of ../shared/peers.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${BULWARK_SHARED:-../shared}
export BULWARK_SHARED=$(cd "$shared" 2>/dev/null && pwd || echo "$shared")
if [ ! -d "$shared/peers" ]; then
    echo "peers: $shared/peers not found; the tests need ../shared beside the repository (or BULWARK_SHARED)" >&2
    exit 1
fi

start() {  # name, check command, script (under ../shared/peers, or a path)
    local script=$3 log=/tmp/bulwark-peer-$(basename "$3").log
    [ -f "$script" ] || script=$shared/peers/$3
    if eval "$2" >/dev/null 2>&1; then
        echo "peers: $1 already running"
    else
        echo "peers: starting $1"
        bash "$script" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
    fi
}
start "OpenStack Swift on 127.0.0.1:8080" \
    "curl -fs -o /dev/null -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' http://127.0.0.1:8080/auth/v1.0" swift.sh
start "Keystone on 127.0.0.1:5000" "curl -fs -o /dev/null http://127.0.0.1:5000/v3" keystone.sh

# A second Swift, with Keystone auth, on 127.0.0.1:8081 (its own ports and state).
if curl -fs -o /dev/null -w '%{http_code}' http://127.0.0.1:8081/info 2>/dev/null | grep -q 200; then
    echo "peers: Swift with Keystone auth on 127.0.0.1:8081 already running"
else
    echo "peers: starting Swift with Keystone auth on 127.0.0.1:8081"
    export SWIFT_PROXY_PORT=8081 SWIFT_OBJ_PORT=6210 SWIFT_CONT_PORT=6211 SWIFT_ACCT_PORT=6212 SWIFT_MEMCACHE_PORT=11212
    export SWIFT_BASE=${PEERS_DIR:-/tmp/bulwark-peers}/swift-keystone SWIFT_AUTH=keystone
    bash "$shared/peers/keystone-register-swift.sh" >/tmp/bulwark-peer-register.log 2>&1 || { cat /tmp/bulwark-peer-register.log >&2; exit 1; }
    bash "$shared/peers/swift.sh" >/tmp/bulwark-peer-swift-keystone.log 2>&1 || { cat /tmp/bulwark-peer-swift-keystone.log >&2; exit 1; }
fi

# OpenStack Cinder with its backup service (Tests/Peers/cinder.sh: the shared script plus a
# file-backed volume driver and cinder-backup; see docs/testing.md).
start "Cinder (volumes, snapshots, backups) on 127.0.0.1:8776" \
    "curl -fs -m 5 -H 'X-Auth-Token: a:x' http://127.0.0.1:8776/v3/x/os-services | python3 -c 'import json,sys; s=json.load(sys.stdin)[\"services\"]; sys.exit(0 if len(s) >= 3 and all(x[\"state\"] == \"up\" for x in s) else 1)'" Tests/Peers/cinder.sh

# The Kubernetes API simulator (Tests/Peers/kube_apiserver_sim.py) on 127.0.0.1:6443, for
# the demo; tests start their own.
start "Kubernetes API simulator on 127.0.0.1:6443" \
    "curl -fs -m 2 -o /dev/null --cacert ${PEERS_DIR:-/tmp/bulwark-peers}/kube-sim/ca.crt https://127.0.0.1:6443/version" Tests/Peers/kube-sim.sh
