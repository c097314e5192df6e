#!/usr/bin/env bash
# The second half of the main job: the OS Kubernetes Provider (providers/openstack-kubernetes.yaml)
# against real Keystone and Cinder (with its backup service) and the Kubernetes API simulator,
# all on 127.0.0.1: a pod on a CSI volume and an extra volume -> protect -> list -> the pod,
# its claim and both volumes deleted -> restore -> the pod runs on a new volume -> delete.
# Expects a release build (scripts/demo.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
bulwark=.build/release/bulwark
export BULWARK_PROVIDERS=providers BULWARK_STATE=demo-data/state.sqlite
provider=openstack-kubernetes

echo "== starting the peers (Keystone, Cinder, Kubernetes API simulator; the first time installs them)"
bash scripts/peers.sh
mkdir -p demo-data
rm -f demo-data/openstack-kubernetes-bank.sqlite*

kubeconfig=${PEERS_DIR:-/tmp/bulwark-peers}/kube-sim
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["users"][0]["user"]["token"])' "$kubeconfig/kubeconfig")
kube() { curl -fsS -m 10 --cacert "$kubeconfig/ca.crt" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
project=$("$bulwark" protectable instances OS::Keystone::Project --provider $provider --output json |
    python3 -c 'import json,sys; print([p["id"] for p in json.load(sys.stdin) if p["name"] == "admin"][0])')
cinder() { curl -fsS -m 10 -H "X-Auth-Token: demo:$project" -H 'Content-Type: application/json' "$@"; }
C=http://127.0.0.1:8776/v3/$project
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
wait_volume() {
    for _ in $(seq 1 60); do [ "$(cinder "$C/volumes/$1" | field "['volume']['status']")" = available ] && return; sleep 0.5; done
    echo "volume $1 did not become available" >&2; exit 1
}

echo; echo "== the workload: pod demo/web on a CSI volume (claim web-data), and a spare volume"
kube -X DELETE "https://127.0.0.1:6443/api/v1/namespaces/demo/pods/web" >/dev/null 2>&1 || true
kube -X DELETE "https://127.0.0.1:6443/api/v1/namespaces/demo/persistentvolumeclaims/web-data" >/dev/null 2>&1 || true
kube -X DELETE "https://127.0.0.1:6443/api/v1/persistentvolumes/pv-web-data" >/dev/null 2>&1 || true
# what an earlier run of the demo left in the admin project (tests use projects of their own)
for v in $(cinder "$C/volumes" | python3 -c 'import json,sys; print(" ".join(v["id"] for v in json.load(sys.stdin)["volumes"]))'); do
    cinder -X DELETE "$C/volumes/$v" || true
done
data=$(cinder -d '{"volume": {"size": 1, "name": "web-data"}}' "$C/volumes" | field "['volume']['id']")
spare=$(cinder -d '{"volume": {"size": 1, "name": "spare"}}' "$C/volumes" | field "['volume']['id']")
wait_volume "$data"; wait_volume "$spare"
kube -d '{"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-web-data"},
  "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
           "csi": {"driver": "cinder.csi.openstack.org", "volumeHandle": "'"$data"'"}}}' \
    https://127.0.0.1:6443/api/v1/persistentvolumes >/dev/null
kube -d '{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "web-data"},
  "spec": {"accessModes": ["ReadWriteOnce"], "volumeName": "pv-web-data", "resources": {"requests": {"storage": "1Gi"}}}}' \
    https://127.0.0.1:6443/api/v1/namespaces/demo/persistentvolumeclaims >/dev/null
kube -d '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}},
  "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "volumeMounts": [{"name": "data", "mountPath": "/usr/share/nginx/html"}]}],
           "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "web-data"}}]}}' \
    https://127.0.0.1:6443/api/v1/namespaces/demo/pods >/dev/null
sleep 1.5   # Pending -> Running
echo "volumes $data (web-data) and $spare (spare); pod demo/web"

cat > demo-data/openstack-kubernetes-plan.yaml <<PLAN
id: demo-project
name: The admin project
provider_id: $provider
resources:
  - {type: "OS::Keystone::Project", id: $project, name: admin}
parameters:
  OS::Cinder::Volume: {backup_mode: full, description: demo backup}
PLAN

echo; echo "== the plan's resource graph"
"$bulwark" graph --provider $provider --plan demo-data/openstack-kubernetes-plan.yaml

echo; echo "== protect"
checkpoint=$("$bulwark" protect --provider $provider --plan demo-data/openstack-kubernetes-plan.yaml)
echo "checkpoint: $checkpoint"

echo; echo "== list"
"$bulwark" checkpoint list --provider $provider
echo "Cinder backups: $(cinder "$C/backups/detail" | python3 -c 'import json,sys; print(", ".join(b["name"] + " " + b["status"] for b in json.load(sys.stdin)["backups"]))')"

echo; echo "== disaster: the pod, its claim and PV, and both volumes are deleted"
kube -X DELETE https://127.0.0.1:6443/api/v1/namespaces/demo/pods/web >/dev/null
kube -X DELETE https://127.0.0.1:6443/api/v1/namespaces/demo/persistentvolumeclaims/web-data >/dev/null
kube -X DELETE https://127.0.0.1:6443/api/v1/persistentvolumes/pv-web-data >/dev/null
cinder -X DELETE "$C/volumes/$data"; cinder -X DELETE "$C/volumes/$spare"
sleep 2

echo; echo "== restore"
restore=$("$bulwark" restore create --provider $provider --checkpoint "$checkpoint")
"$bulwark" restore show "$restore"
pod=$(kube https://127.0.0.1:6443/api/v1/namespaces/demo/pods/web)
claim=$(echo "$pod" | field "['spec']['volumes'][0]['persistentVolumeClaim']['claimName']")
pv=$(kube "https://127.0.0.1:6443/api/v1/namespaces/demo/persistentvolumeclaims/$claim" | field "['spec']['volumeName']")
handle=$(kube "https://127.0.0.1:6443/api/v1/persistentvolumes/$pv" | field "['spec']['csi']['volumeHandle']")
echo "pod demo/web is $(echo "$pod" | field "['status']['phase']") on claim $claim -> PV $pv -> Cinder volume $handle" \
     "($(cinder "$C/volumes/$handle" | field "['volume']['status']"), restored from the backup of $data)"
[ "$handle" != "$data" ]

echo; echo "== delete"
"$bulwark" checkpoint delete "$checkpoint" --provider $provider
echo "Cinder backups left: $(cinder "$C/backups" | field "['backups'].__len__()")"
echo "OpenStack/Kubernetes demo finished: protect -> list -> restore -> delete"
