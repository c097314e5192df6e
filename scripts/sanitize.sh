#!/usr/bin/env bash
# Runs the unit tests under a sanitizer (issue #17; docs/testing.md): the suites of the
# modules below the command line and the service, built and run with
# -sanitize=address (AddressSanitizer with LeakSanitizer) or -sanitize=undefined
# (UndefinedBehaviorSanitizer, which checks the C code: shims, the C plugin fixtures).
#
#   bash scripts/sanitize.sh [address|undefined] [FILTER]
#
# FILTER is a `swift test --filter` pattern (default: the suites listed below). Any report
# fails the run. Its own build folder (.build-address / .build-undefined): the first run
# builds everything again, about ten minutes on two cores. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizer=${1:-address}
case "$sanitizer" in address|undefined) ;; *) echo "sanitize: address or undefined, not $sanitizer" >&2; exit 2 ;; esac
filter=${2:-'^(BulwarkJSONTests|BulwarkYAMLTests|BulwarkSchemaTests|BulwarkSigV4Tests|BulwarkScheduleTests|BulwarkHTTPTests|BulwarkCoreTests)\.'}

bash scripts/setup.sh
bash scripts/peers.sh          # the Swift and S3 bank suites of BulwarkCoreTests
bash scripts/karborclient.sh   # croniter and dateutil for the schedule differential test

scratch=".build-$sanitizer"
swift build --scratch-path "$scratch" --sanitize="$sanitizer" --build-tests
# Reports are errors: stop at the first, and fail the test process.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
# The Swift runtime's own backtracer would race the sanitizer's report on a crash.
export SWIFT_BACKTRACE=enable=no
swift test --scratch-path "$scratch" --sanitize="$sanitizer" --skip-build --disable-xctest --filter "$filter"
