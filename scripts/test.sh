#!/usr/bin/env bash
# The test command: installs what is missing, builds everything (the shipped plugins are
# dynamic libraries the tests load from the build output), then runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
swift build
swift test --disable-xctest "$@"
