#!/usr/bin/env bash
# The scheduler benchmark (not a test). bulwark serve (release build, noauth, the
# embedded catalog) with 10,000 scheduled operations on 100 noop plans: 60 calendar
# triggers, trigger k firing every minute at second k, so that about 167 operations are
# due each second. Phase 1 lets them fire for a few minutes and prints how late each
# protect started after its fire time (p50, p99, max: the operation log's started_at
# against its extra_info.fire_time) and how many fires were skipped or missed. Phase 2
# moves every trigger to a daily crontab, so that nothing is due, and prints the
# server's CPU over a minute (utime+stime from /proc). Stop the peers first: they take CPU.
# usage: Benchmarks/schedule/bench.sh [operations=10000] [fire_seconds=180] [idle_seconds=60]
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
operations=${1:-10000}
fire_seconds=${2:-180}
idle_seconds=${3:-60}
bulwark=${BULWARK:-.build/release/bulwark}
[ -x "$bulwark" ] || swift build -c release --product bulwark
export BULWARK_PLUGIN_PATH=${BULWARK_PLUGIN_PATH:-$(dirname "$bulwark")}

dir=$(mktemp -d /tmp/bulwark-schedule-bench.XXXXXX)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$dir"' EXIT
mkdir -p "$dir/providers" "$dir/files"
echo hi > "$dir/files/a.txt"
cat > "$dir/providers/noop.yaml" <<YAML
id: noop
name: No-Op
description: noop plans into the SQLite bank
protectables:
  Demo::Folder: {roots: [files]}
  Demo::File: {}
plugins: [karbor-noop-protection-plugin]
bank: {plugin: sqlite, options: {path: $dir/bank.sqlite}}
YAML
cat > "$dir/serve.yaml" <<YAML
listen: {host: 127.0.0.1, port: 0}
providers: {directory: $dir/providers}
catalog: {path: $dir/catalog.sqlite}
auth: {mode: noauth}
limits: {plans_per_project: -1, operations: 16, operations_per_provider: 16}
scheduler: {minimum_interval_seconds: 60}
log_level: warning
YAML
bulwark=$(realpath "$bulwark")
(cd "$dir" && exec "$bulwark" serve --config "$dir/serve.yaml" > "$dir/serve.out" 2> "$dir/serve.err") &
server=$!
for _ in $(seq 600); do grep -q "^listening on" "$dir/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$dir/serve.out")
echo "bulwark serve at $url (pid $server), $operations scheduled operations"

python3 - "$url" "$operations" "$fire_seconds" "$idle_seconds" "$server" <<'PY'
import http.client, json, sys, time, urllib.parse, os
url, operations, fire_seconds, idle_seconds, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
u = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port)
H = {"X-Auth-Token": "bench:p1", "Content-Type": "application/json"}
def call(method, path, body=None):
    conn.request(method, "/v1/p1" + path, body=json.dumps(body) if body is not None else None, headers=H)
    r = conn.getresponse(); data = r.read()
    if r.status != 200: raise SystemExit(f"{method} {path}: {r.status} {data[:300]}")
    return json.loads(data) if data else None
provider = call("GET", "/providers")["providers"][0]["id"]
plans = [call("POST", "/plans", {"plan": {"name": f"p{i}", "provider_id": provider,
          "resources": [{"id": "files", "type": "Demo::Folder", "name": "files"}]}})["plan"]["id"] for i in range(100)]
triggers = [call("POST", "/triggers", {"trigger_info": {"name": f"t{k}", "type": "time", "properties": {
    "format": "calendar", "pattern": f"RRULE:FREQ=MINUTELY;BYSECOND={k}", "window": "300"}}})["trigger_info"]["id"] for k in range(60)]
t0 = time.time()
for i in range(operations):
    call("POST", "/scheduled_operations", {"scheduled_operation": {"name": f"s{i}", "operation_type": "protect",
         "trigger_id": triggers[i % 60], "operation_definition": {"provider_id": provider, "plan_id": plans[i % 100]}}})
print(f"created {operations} scheduled operations in {time.time() - t0:.1f} s; firing for {fire_seconds} s")
begin = time.time()
time.sleep(fire_seconds)
end = time.time()
# Nothing more fires: every trigger becomes daily at 03:00.
for t in triggers:
    call("PUT", f"/triggers/{t}", {"trigger_info": {"properties": {"format": "crontab", "pattern": "0 3 * * *"}}})
# Let what is running finish, then read the logs.
time.sleep(20)
late, outcomes, marker, sample = [], {}, None, {}
from datetime import datetime, timezone
def epoch(text):
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp() if "+" not in text[10:] else datetime.fromisoformat(text).timestamp()
while True:
    q = "/operation_logs?limit=1000" + (f"&marker={marker}" if marker else "")
    page = call("GET", q)["operation_logs"]
    for log in page:
        outcomes[log["status"]] = outcomes.get(log["status"], 0) + 1
        if log["status"] == "error" and "error" not in sample: sample["error"] = log["error_info"]
        fire = log["extra_info"].get("fire_time")
        if log["status"] == "available" and fire and begin <= epoch(fire) <= end:
            late.append(epoch(log["started_at"]) - epoch(fire))
    if len(page) < 1000: break
    marker = page[-1]["id"]
late.sort()
def pct(p): return late[min(len(late) - 1, int(p * len(late)))] * 1000
print(f"fires run in the window: {len(late)}; outcomes of all logs: {outcomes}")
if sample: print(f"an error: {sample['error']}")
if late:
    print(f"lateness (operation start - fire time): p50 {pct(0.5):.0f} ms, p99 {pct(0.99):.0f} ms, max {late[-1]*1000:.0f} ms")
# Idle: nothing due for hours.
def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
a, ta = cpu(), time.time()
time.sleep(idle_seconds)
b, tb = cpu(), time.time()
print(f"idle: {operations} schedules, none due: server CPU {100 * (b - a) / (tb - ta):.2f}% of a core over {tb - ta:.0f} s")
PY
