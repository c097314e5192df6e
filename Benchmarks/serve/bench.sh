#!/usr/bin/env bash
# The service benchmark (not a test): wrk, keep-alive, 64 connections, against
# bulwark serve (release build, noauth, the embedded catalog) for GET /plans/{id},
# GET /plans and GET /providers/{pid}/checkpoints?limit=100 over a bank of 100,000
# checkpoints; and, in the same run, the two plan GETs against Karbor 1.6.0's own
# karbor-api (PyPI, its SQLite database, noauth, 100 plans put in through its object
# layer: see seed_karbor.py). Rounds alternate between the two servers. Prints
# requests/s and p50/p99 per route and server, and the ratio; docs/benchmarks.md has the
# figures. Nothing else should be running (stop the peers: Swift's updaters take a core).
# usage: Benchmarks/serve/bench.sh [checkpoints=100000] [seconds=15] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
count=${1:-100000}
seconds=${2:-15}
rounds=${3:-3}
peers=${PEERS_DIR:-/tmp/bulwark-peers}
project=e5b1bbd0a0a94ab9b1e2e3b0f2a7c6d1   # one Keystone-style project id for both servers
h="X-Auth-Token: bench:$project"
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
bulwark=${BULWARK:-.build/release/bulwark}
[ -x "$bulwark" ] || swift build -c release --product bulwark

# Karbor 1.6.0, with the older database libraries its code needs first on the path
# (../shared/karbor-v1-api.md).
karbor=$peers/karbor-api
if [ ! -x "$karbor/bin/karbor-api" ]; then
    python3 -m venv "$karbor"
    "$karbor/bin/pip" install -q karbor==1.6.0
    "$karbor/bin/pip" install -q --no-deps --target "$karbor/old" oslo.db==12.3.2 SQLAlchemy==1.4.54 alembic==1.13.3 oslo.context==3.4.0
fi

dir=$(mktemp -d /tmp/bulwark-serve-bench.XXXXXX)
server=; kserver=
trap '[ -n "$server" ] && kill $server 2>/dev/null; [ -n "$kserver" ] && kill -- -$kserver 2>/dev/null; rm -rf "$dir"' EXIT

# --- bulwark serve
mkdir -p "$dir/providers" "$dir/files"
echo hi > "$dir/files/a.txt"
cat > "$dir/providers/demo.yaml" <<YAML
id: demo
name: Demo
protectables: {Demo::Folder: {roots: [files]}, Demo::File: {}}
plugins: [bulwark-demo-protection]
bank: {plugin: sqlite, options: {path: bank.sqlite}}
YAML
cat > "$dir/serve.yaml" <<YAML
providers: {directory: providers}
catalog: {path: catalog.sqlite}
auth: {mode: noauth}
limits: {plans_per_project: -1}
log_level: info
YAML
(cd "$dir" && exec "$repo/$bulwark" serve --config serve.yaml --port 0 > serve.out 2> serve.err) &
server=$!
for _ in $(seq 1 600); do grep -q '^listening on' "$dir/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$dir/serve.out")
[ -n "$url" ] || { cat "$dir/serve.err" >&2; exit 1; }
plan_body() { echo "{\"plan\": {\"name\": \"$1\", \"provider_id\": \"demo\", \"resources\": [{\"id\": \"files\", \"type\": \"Demo::Folder\", \"name\": \"files\"}]}}"; }
plan=$(curl -sf -H "$h" -H 'Content-Type: application/json' -d "$(plan_body bench)" "$url/v1/$project/plans" | python3 -c 'import json,sys; print(json.load(sys.stdin)["plan"]["id"])')
for i in $(seq 1 99); do
    curl -sf -o /dev/null -H "$h" -H 'Content-Type: application/json' -d "$(plan_body "p$i")" "$url/v1/$project/plans"
done
provider=$(curl -sf -H "$h" "$url/v1/$project/providers" | python3 -c 'import json,sys; print(json.load(sys.stdin)["providers"][0]["id"])')
# One real checkpoint, then clones of it up to $count (seed_bank.py).
checkpoint=$(curl -sf -H "$h" -H 'Content-Type: application/json' -d "{\"checkpoint\": {\"plan_id\": \"$plan\"}}" "$url/v1/$project/providers/$provider/checkpoints" | python3 -c 'import json,sys; print(json.load(sys.stdin)["checkpoint"]["id"])')
for _ in $(seq 1 600); do
    curl -sf -H "$h" "$url/v1/$project/providers/$provider/checkpoints/$checkpoint" | grep -q '"status": *"available"' && break; sleep 0.1
done
python3 Benchmarks/serve/seed_bank.py "$dir/bank.sqlite" "$count"
test "$(curl -sf -H "$h" "$url/v1/$project/providers/$provider/checkpoints?limit=100" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["checkpoints"]))')" = 100
test "$(curl -sf -H "$h" "$url/v1/$project/plans" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["plans"]))')" = 100

# --- karbor-api: 2 workers (this machine has 2 cores), INFO logging, as it ships.
mkdir -p "$dir/karbor"
kport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$dir/karbor/karbor.conf" <<CONF
[DEFAULT]
auth_strategy = noauth
api_paste_config = $karbor/etc/karbor/api-paste.ini
osapi_karbor_listen = 127.0.0.1
osapi_karbor_listen_port = $kport
osapi_karbor_workers = 2
transport_url = fake:/
[database]
connection = sqlite:///$dir/karbor/karbor.sqlite
CONF
export PYTHONPATH=$karbor/old
"$karbor/bin/karbor-manage" --config-file "$dir/karbor/karbor.conf" db sync > "$dir/karbor/sync.log" 2>&1
kplan=$("$karbor/bin/python" Benchmarks/serve/seed_karbor.py "$dir/karbor/karbor.conf" "$project" 100 2> "$dir/karbor/seed.log" | tail -1)
setsid "$karbor/bin/karbor-api" --config-file "$dir/karbor/karbor.conf" > "$dir/karbor/api.log" 2>&1 &
kserver=$!
kurl=http://127.0.0.1:$kport
for _ in $(seq 1 600); do curl -sf -o /dev/null -H "$h" "$kurl/v1/$project/plans/$kplan" && break; sleep 0.1; done
test "$(curl -sf -H "$h" "$kurl/v1/$project/plans" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["plans"]))')" = 100

echo "bulwark serve $url (pid $server), karbor-api $kurl; $count checkpoints in the bank, 100 plans each; wrk -t2 -c64 -d${seconds}s, $rounds rounds"
results=$dir/results
: > "$results"
measure() {  # server route url
    local out
    out=$(wrk -t2 -c64 -d"${seconds}s" --latency -H "$h" "$3")
    local rps p50 p99 bad
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    printf '%-8s %-34s %10s req/s  p50 %-9s p99 %-9s%s\n' "$1" "$2" "$rps" "$p50" "$p99" "${bad:+  non-2xx $bad}"
    echo "$1 $2 $rps" >> "$results"
}
for r in $(seq 1 "$rounds"); do
    echo "-- round $r"
    measure bulwark "GET /plans/{id}" "$url/v1/$project/plans/$plan"
    measure karbor "GET /plans/{id}" "$kurl/v1/$project/plans/$kplan"
    measure bulwark "GET /plans" "$url/v1/$project/plans"
    measure karbor "GET /plans" "$kurl/v1/$project/plans"
    measure bulwark "GET /checkpoints?limit=100" "$url/v1/$project/providers/$provider/checkpoints?limit=100"
done
echo "-- medians, and bulwark's requests/s over karbor-api's"
python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    server, rest = line.split(" ", 1)
    route, rps = rest.rsplit(" ", 1)
    runs.setdefault(route, {}).setdefault(server, []).append(float(rps))
for route, by in runs.items():
    b = statistics.median(by["bulwark"])
    k = by.get("karbor")
    ratio = f"  {b / statistics.median(k):.0f}x karbor-api ({statistics.median(k):.0f} req/s)" if k else ""
    print(f"{route:34s} bulwark {b:9.0f} req/s{ratio}")
PY
