#!/usr/bin/env bash
# Runs the unit tests under a sanitizer (issues #15 and #17; docs/testing.md):
#
#   bash scripts/sanitize.sh [address|undefined|thread] [FILTER]
#
#   address    AddressSanitizer with LeakSanitizer, everything built with -sanitize=address;
#              the suites of the modules below the command line and the service.
#   undefined  UndefinedBehaviorSanitizer on the C code: the ABI shim, the C example plugin
#              and the C plugins the tests compile (Swift has no -sanitize=undefined on
#              Linux; its own arithmetic and bounds are checked anyway). Same suites.
#   thread     ThreadSanitizer, everything built with -sanitize=thread: the engine's and
#              the loader's tests (BulwarkCoreTests).
#
# FILTER is a `swift test --filter` pattern. Any report fails the run. Its own build
# folder (.build-<sanitizer>): the first run builds everything again, about ten minutes on
# two cores. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizer=${1:-address}
case "$sanitizer" in
  address|undefined) default='^(BulwarkJSONTests|BulwarkYAMLTests|BulwarkSchemaTests|BulwarkSigV4Tests|BulwarkScheduleTests|BulwarkHTTPTests|BulwarkCoreTests)\.' ;;
  thread) default='^BulwarkCoreTests\.' ;;
  *) echo "sanitize: address, undefined or thread, not $sanitizer" >&2; exit 2 ;;
esac
filter=${2:-$default}

bash scripts/setup.sh
bash scripts/peers.sh          # the Swift and S3 bank suites of BulwarkCoreTests
bash scripts/karborclient.sh   # croniter and dateutil for the schedule differential test

scratch=".build-$sanitizer"
if [ "$sanitizer" = undefined ]; then
    # Clang's runtime, linked into every executable and library SwiftPM links; the C
    # plugins the tests compile use the same compiler and flags (TestSupport.compilePlugin).
    runtime_dir=$(dirname "$(command -v swift)")/../lib/clang
    runtime=$(find "$runtime_dir" -name 'libclang_rt.ubsan_standalone-x86_64.so' | head -n 1)
    [ -n "$runtime" ] || { echo "sanitize: no libclang_rt.ubsan_standalone in $runtime_dir" >&2; exit 1; }
    ubsan_flags=(-fsanitize=undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    build_flags=()
    for f in "${ubsan_flags[@]}"; do build_flags+=(-Xcc "$f"); done
    build_flags+=(-Xlinker "$runtime" -Xlinker -rpath -Xlinker "$(dirname "$runtime")")
    export BULWARK_TEST_CC="$(dirname "$(command -v swift)")/clang"
    export BULWARK_TEST_CFLAGS="${ubsan_flags[*]}"
    test_flags=("${build_flags[@]}")
else
    build_flags=(--sanitize="$sanitizer")
    test_flags=(--sanitize="$sanitizer")
fi
swift build --scratch-path "$scratch" "${build_flags[@]}" --build-tests
# Reports are errors: stop at the first, and fail the test process.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
# The Swift runtime's own backtracer would race the sanitizer's report on a crash.
export SWIFT_BACKTRACE=enable=no
swift test --scratch-path "$scratch" "${test_flags[@]}" --skip-build --disable-xctest --filter "$filter"
