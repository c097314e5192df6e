#!/usr/bin/env bash
# Patterns that hang backtracking engines (issue #17): how long one validation takes with
# Bulwark's engine on 100,000 characters, and, side by side, how Swift's Regex (the
# engine Bulwark used before) and Python's re fare on a few dozen characters.
#
#   bash Benchmarks/patterns/bench.sh        (builds bulwark-schema-bench in release)
set -euo pipefail
cd "$(dirname "$0")/../.."
scratch=${SCRATCH:-/tmp/relbuild}
swift build -c release --scratch-path "$scratch" --product bulwark-schema-bench >/dev/null
bench="$scratch/release/bulwark-schema-bench"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name ; pattern ; input generator (a Python expression of N)
cases=(
  '(a+)+;^(a+)+$;"a" * N + "!"'
  '(a|a)*;^(a|a)*$;"a" * N + "!"'
  '(x+x+)+y;(x+x+)+y;"x" * N'
  '(\w+\s?)*;^(\w+\s?)*$;"word" * (N // 4) + "!"'
  'k8s name;^[a-z0-9]([-a-z0-9]*[a-z0-9])?$;"a" * N + "-"'
)
printf '%-14s %12s %14s\n' pattern "chars" "ms/validation"
for c in "${cases[@]}"; do
  IFS=';' read -r name pattern gen <<<"$c"
  python3 - "$pattern" "$gen" "$work" <<'PY'
import json, sys
pattern, gen, work = sys.argv[1], sys.argv[2], sys.argv[3]
N = 100_000
json.dump({"type": "string", "pattern": pattern}, open(f"{work}/schema.json", "w"))
open(f"{work}/docs.jsonl", "w").write(json.dumps(eval(gen)) + "\n")
PY
  rate=$("$bench" --schema "$work/schema.json" --documents "$work/docs.jsonl" --seconds 2 \
         | python3 -c 'import json,sys; print(json.load(sys.stdin)["docs_per_s"])')
  printf '%-14s %12s %14.3f\n' "$name" 100000 "$(python3 -c "print(1000 / $rate)")"
done

# Before: Swift's Regex, with the matching options Bulwark used, and Python's re, on the
# first pattern, with growing inputs; each run is cut off after 20 s.
cat > "$work/before.swift" <<'SWIFT'
import Foundation
let n = Int(CommandLine.arguments[1])!
let regex = try! Regex("^(a+)+\\z").matchingSemantics(.unicodeScalar).asciiOnlyDigits().asciiOnlyWordCharacters()
let input = String(repeating: "a", count: n) + "!"
let start = Date()
_ = try? regex.firstMatch(in: input)
print(String(format: "%.3f", Date().timeIntervalSince(start) * 1000))
SWIFT
swiftc -O "$work/before.swift" -o "$work/before" 2>/dev/null
echo
echo "^(a+)+\$ on N a's and a '!': ms (cut off after 20 s)"
printf '%6s %16s %12s %12s\n' N "Swift Regex" "Python re" "Bulwark"
for n in 16 18 20 22 24; do
  swift_ms=$(timeout 20 "$work/before" "$n" || echo ">20000")
  py_ms=$(timeout 20 python3 -c "
import re, time
r = re.compile(r'^(a+)+\$'); s = 'a' * $n + '!'
t = time.perf_counter(); r.search(s); print('%.3f' % ((time.perf_counter() - t) * 1000))" || echo ">20000")
  python3 -c "import json; json.dump({'type': 'string', 'pattern': '^(a+)+\$'}, open('$work/schema.json', 'w')); open('$work/docs.jsonl', 'w').write(json.dumps('a' * $n + '!') + '\n')"
  rate=$("$bench" --schema "$work/schema.json" --documents "$work/docs.jsonl" --seconds 1 \
         | python3 -c 'import json,sys; print(json.load(sys.stdin)["docs_per_s"])')
  printf '%6s %16s %12s %12.4f\n' "$n" "$swift_ms" "$py_ms" "$(python3 -c "print(1000 / $rate)")"
done
