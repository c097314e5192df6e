#!/usr/bin/env bash
# Starts the real test servers the tests need, on 127.0.0.1, unless already running:
# OpenStack Swift (tempauth test:tester / testing) from ../shared/peers.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${BULWARK_SHARED:-../shared}
if curl -fs -o /dev/null -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' http://127.0.0.1:8080/auth/v1.0; then
    echo "peers: Swift already running on 127.0.0.1:8080"
    exit 0
fi
if [ ! -f "$shared/peers/swift.sh" ]; then
    echo "peers: $shared/peers/swift.sh not found; the tests need ../shared beside the repository (or BULWARK_SHARED)" >&2
    exit 1
fi
echo "peers: starting OpenStack Swift on 127.0.0.1:8080"
bash "$shared/peers/swift.sh" >/tmp/bulwark-swift-peer.log 2>&1 || { cat /tmp/bulwark-swift-peer.log >&2; exit 1; }
