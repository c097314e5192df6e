#!/usr/bin/env bash
# Starts the real test servers the tests need, on 127.0.0.1, unless already running:
# OpenStack Swift (tempauth test:tester / testing) and Keystone (admin / secret), with the
# scripts of ../shared/peers.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${BULWARK_SHARED:-../shared}
if [ ! -d "$shared/peers" ]; then
    echo "peers: $shared/peers not found; the tests need ../shared beside the repository (or BULWARK_SHARED)" >&2
    exit 1
fi

start() {  # name, check command, script
    if eval "$2" >/dev/null 2>&1; then
        echo "peers: $1 already running"
    else
        echo "peers: starting $1"
        bash "$shared/peers/$3" >"/tmp/bulwark-peer-$3.log" 2>&1 || { cat "/tmp/bulwark-peer-$3.log" >&2; exit 1; }
    fi
}
start "OpenStack Swift on 127.0.0.1:8080" \
    "curl -fs -o /dev/null -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' http://127.0.0.1:8080/auth/v1.0" swift.sh
start "Keystone on 127.0.0.1:5000" "curl -fs -o /dev/null http://127.0.0.1:5000/v3" keystone.sh
