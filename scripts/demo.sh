#!/usr/bin/env bash
# The main job: build Bulwark (release) and run protect -> list -> restore -> delete on the
# demo provider (local files into the embedded SQLite bank; nothing external needed).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
swift build -c release
bulwark=.build/release/bulwark
export BULWARK_PROVIDERS=providers
export BULWARK_STATE=demo-data/state.sqlite

echo "== preparing demo-data/files (a text file, a 5 MiB binary file, a small config)"
rm -rf demo-data
mkdir -p demo-data/files
printf 'hello from bulwark\n' > demo-data/files/hello.txt
head -c 5242880 /dev/urandom > demo-data/files/blob.bin
printf 'answer: 42\n' > demo-data/files/config.yaml
cp -r demo-data/files demo-data/original

echo; echo "== providers"
"$bulwark" provider list

echo; echo "== the plan's resource graph"
"$bulwark" graph --provider demo --plan examples/demo-plan.yaml

echo; echo "== protect"
checkpoint=$("$bulwark" protect --provider demo --plan examples/demo-plan.yaml)
echo "checkpoint: $checkpoint"

echo; echo "== list"
"$bulwark" checkpoint list --provider demo
"$bulwark" checkpoint show "$checkpoint" --provider demo

echo; echo "== the files are lost; restore them into demo-data/restored"
rm -rf demo-data/files
restore=$("$bulwark" restore create --provider demo --checkpoint "$checkpoint" --parameters examples/demo-restore.yaml)
"$bulwark" restore show "$restore"
diff -r demo-data/original demo-data/restored/files
echo "restored files are identical to the originals"

echo; echo "== delete"
"$bulwark" checkpoint delete "$checkpoint" --provider demo
"$bulwark" checkpoint list --provider demo
echo "demo finished: protect -> list -> restore -> delete"

echo; echo "================ the service: bulwark serve and python-karborclient"
bash scripts/demo-serve.sh

echo; echo "================ the OS Kubernetes Provider"
bash scripts/demo-openstack-kubernetes.sh
