#!/usr/bin/env bash
# Fuzzes one target with libFuzzer and AddressSanitizer (issue #17; docs/testing.md).
#
#   bash scripts/fuzz.sh TARGET [SECONDS] [libFuzzer options...]
#
# TARGET is one of Fuzz/Targets (json, yaml, schema, pattern, bank-key, provider, plan,
# kubeconfig, clouds-yaml, query, request, s3-xml); SECONDS defaults to 600. The seed corpus is
# Fuzz/corpus/TARGET (committed); what libFuzzer adds goes to .build-fuzz/corpus/TARGET
# (not committed). A crash, hang, leak or broken check is written to
# Fuzz/crashes/TARGET/; copy it into Fuzz/corpus/TARGET/ once fixed, and
# FuzzCorpusTests replays it in every test run from then on. Not part of CI: too long.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS] [libFuzzer options...]}
seconds=${2:-600}
shift $(( $# >= 2 ? 2 : 1 ))
[ -d "Fuzz/corpus/$target" ] || { echo "fuzz: no target $target (see Fuzz/corpus/)" >&2; exit 2; }

bash scripts/setup.sh
# -sanitize=fuzzer instruments every module for coverage; BULWARK_FUZZ hands main to
# libFuzzer's driver; -enable-testing lets targets reach internal parsers.
swift build -c release --product bulwark-fuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DBULWARK_FUZZ -Xswiftc -enable-testing -Xswiftc -use-ld=lld >&2

work=".build-fuzz/corpus/$target"
crashes="Fuzz/crashes/$target"
mkdir -p "$work" "$crashes"
# The Swift runtime's own backtracer would race ASan's report on a crash.
SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
    ".build-fuzz/release/bulwark-fuzz" "$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=16384 \
    -artifact_prefix="$crashes/" -print_final_stats=1 "$@" "$work" "Fuzz/corpus/$target"
