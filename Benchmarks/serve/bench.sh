#!/usr/bin/env bash
# The service benchmark (not a test): wrk, keep-alive, 64 connections, against
# bulwark serve (release build, noauth, the embedded catalog) for GET /plans/{id},
# GET /plans and GET /providers/{pid}/checkpoints?limit=100 over a bank of 100,000
# checkpoints. Prints requests/s and p50/p99 latency per route; docs/benchmarks.md has the
# figures. Stop the Swift peer first (its updaters take a core): they are not needed.
# usage: Benchmarks/serve/bench.sh [checkpoints=100000] [seconds=20]
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-100000}
seconds=${2:-20}
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
bulwark=${BULWARK:-.build/release/bulwark}
[ -x "$bulwark" ] || swift build -c release --product bulwark
dir=$(mktemp -d /tmp/bulwark-serve-bench.XXXXXX)
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
mkdir -p "$dir/providers" "$dir/files"
echo hi > "$dir/files/a.txt"
cat > "$dir/providers/demo.yaml" <<YAML
id: demo
name: Demo
protectables: {Demo::Folder: {roots: [files]}, Demo::File: {}}
plugins: [bulwark-demo-protection]
bank: {plugin: directory, options: {path: bank}}
YAML
cat > "$dir/serve.yaml" <<YAML
providers: {directory: providers}
catalog: {path: catalog.sqlite}
auth: {mode: noauth}
limits: {plans_per_project: -1}
log_level: warning
YAML
(cd "$dir" && exec "$OLDPWD/$bulwark" serve --config serve.yaml --port 0 > serve.out 2> serve.err) &
server=$!
for _ in $(seq 1 600); do grep -q '^listening on' "$dir/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$dir/serve.out")
h="X-Auth-Token: bench:bench"
plan=$(curl -s -H "$h" -H 'Content-Type: application/json' -d '{"plan": {"name": "bench", "provider_id": "demo", "resources": [{"id": "files", "type": "Demo::Folder", "name": "files"}]}}' "$url/v1/bench/plans" | python3 -c 'import json,sys; print(json.load(sys.stdin)["plan"]["id"])')
for i in $(seq 1 99); do
    curl -s -o /dev/null -H "$h" -H 'Content-Type: application/json' -d "{\"plan\": {\"name\": \"p$i\", \"provider_id\": \"demo\", \"resources\": [{\"id\": \"files\", \"type\": \"Demo::Folder\", \"name\": \"files\"}]}}" "$url/v1/bench/plans"
done
python3 Benchmarks/serve/seed_bank.py "$dir/bank" demo bench "$plan" "$count"
provider=$(curl -s -H "$h" "$url/v1/bench/providers" | python3 -c 'import json,sys; print(json.load(sys.stdin)["providers"][0]["id"])')
test "$(curl -s -H "$h" "$url/v1/bench/providers/$provider/checkpoints?limit=100" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["checkpoints"]))')" = 100
for route in "plans/$plan" "plans" "providers/$provider/checkpoints?limit=100"; do
    echo "== GET /v1/bench/$route ($count checkpoints in the bank, 100 plans)"
    wrk -t2 -c64 -d"${seconds}s" --latency -H "$h" "$url/v1/bench/$route" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors"
done
