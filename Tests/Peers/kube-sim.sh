#!/bin/bash
# Starts the Kubernetes API simulator (kube_apiserver_sim.py) in the background on
# https://127.0.0.1:${KUBE_SIM_PORT:-6443}, with its CA, certificates and a kubeconfig in
# $PEERS_DIR/kube-sim (default /tmp/bulwark-peers/kube-sim). Python packages: the
# kubernetes-validate venv of ../shared/peers/kubernetes-validate.sh.
# Usage: bash kube-sim.sh | bash kube-sim.sh stop
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=${KUBE_SIM_BASE:-${PEERS_DIR:-/tmp/bulwark-peers}/kube-sim}
VENV=${KV_VENV:-${PEERS_DIR:-/tmp/bulwark-peers}/kvvenv}
PORT=${KUBE_SIM_PORT:-6443}
SHARED=${BULWARK_SHARED:-$HERE/../../../shared}

if [ -f "$BASE/sim.pid" ]; then kill "$(cat "$BASE/sim.pid")" 2>/dev/null || true; rm -f "$BASE/sim.pid"; fi
[ "${1:-}" = stop ] && { echo "kube-sim stopped"; exit 0; }

[ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import kubernetes_validate" 2>/dev/null || bash "$SHARED/peers/kubernetes-validate.sh" >/dev/null
mkdir -p "$BASE"
nohup "$VENV/bin/python" "$HERE/kube_apiserver_sim.py" --port "$PORT" --pki "$BASE" --token "${KUBE_SIM_TOKEN:-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')}" \
    --pending-seconds "${KUBE_SIM_PENDING:-1}" >"$BASE/sim.log" 2>&1 &
echo $! > "$BASE/sim.pid"
for i in $(seq 1 50); do
    [ -f "$BASE/kubeconfig" ] && curl -s -m 2 -o /dev/null --cacert "$BASE/ca.crt" "https://127.0.0.1:$PORT/version" && break
    kill -0 "$(cat "$BASE/sim.pid")" 2>/dev/null || { cat "$BASE/sim.log" >&2; exit 1; }
    sleep 0.2
done
echo "kube-sim ready at https://127.0.0.1:$PORT (kubeconfig $BASE/kubeconfig), pid $(cat "$BASE/sim.pid")"
