#!/usr/bin/env bash
# The test command: installs what is missing, starts the real test servers (Swift, from
# ../shared/peers), builds everything (the shipped plugins are dynamic libraries the tests
# load from the build output), then runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/peers.sh
bash scripts/karborclient.sh
swift build
swift test --disable-xctest "$@"
