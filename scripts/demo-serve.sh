#!/usr/bin/env bash
# The service demo: bulwark serve on 127.0.0.1:8799 (examples/serve-noauth.yaml: the demo
# provider, noauth, the embedded catalog under demo-data/), driven by python-karborclient
# 2.1.0, unchanged: plan-create -> checkpoint-create -> checkpoint-show until available ->
# restore-create -> checkpoint-delete. Run from the repository's root after a release
# build (scripts/demo.sh does both).
set -euo pipefail
cd "$(dirname "$0")/.."
bulwark=${BULWARK:-.build/release/bulwark}
bash scripts/karborclient.sh
venv=${BULWARK_KARBORCLIENT_VENV:-${PEERS_DIR:-/tmp/bulwark-peers}/karborclient}

rm -rf demo-data/files demo-data/restored demo-data/original-serve demo-data/catalog.sqlite*
mkdir -p demo-data/files
printf 'hello from bulwark serve\n' > demo-data/files/hello.txt
head -c 1048576 /dev/urandom > demo-data/files/blob.bin
cp -r demo-data/files demo-data/original-serve

echo "== bulwark serve --config examples/serve-noauth.yaml"
"$bulwark" serve --config examples/serve-noauth.yaml > demo-data/serve.out 2> demo-data/serve.log &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
    grep -q '^listening on ' demo-data/serve.out 2>/dev/null && break
    kill -0 $server 2>/dev/null || { cat demo-data/serve.log >&2; exit 1; }
    sleep 0.1
done
cat demo-data/serve.out

# noauth: the token is user:project, and the URL's project must be the token's.
karbor() { "$venv/bin/karbor" --os-no-client-auth --karbor-url http://127.0.0.1:8799/v1/demo --os-auth-token demo:demo "$@"; }
field() { awk -F'|' -v k="$1" '!done && $2 ~ "^ *"k" *$" {gsub(/ /, "", $3); print $3; done=1}'; }

echo; echo "== karbor provider-list"
karbor provider-list
provider=$(karbor provider-list | awk -F'|' '/Demo Provider/ {gsub(/ /, "", $2); print $2}')

echo; echo "== karbor plan-create"
plan=$(karbor plan-create demo-plan "$provider" 'demo-data/files=Demo::Folder=files' | tee /dev/stderr | field id)

echo; echo "== karbor checkpoint-create"
checkpoint=$(karbor checkpoint-create "$provider" "$plan" | tee /dev/stderr | field id)
for _ in $(seq 1 1200); do
    status=$(karbor checkpoint-show "$provider" "$checkpoint" | field status)
    [ "$status" = available ] && break
    [ "$status" = error ] && { karbor checkpoint-show "$provider" "$checkpoint"; exit 1; }
    sleep 0.1
done
echo; echo "== karbor checkpoint-show (status: $status)"
karbor checkpoint-show "$provider" "$checkpoint" | grep -E '^\| (id|status|created_at|project_id) '

echo; echo "== the files are lost; karbor restore-create puts them under demo-data/restored"
rm -rf demo-data/files
restore=$(karbor restore-create "$provider" "$checkpoint" \
    --parameters resource_type=Demo::Folder,target=demo-data/restored \
    --parameters resource_type=Demo::File,target=demo-data/restored | field id)
for _ in $(seq 1 1200); do
    status=$(karbor restore-show "$restore" | field status)
    [ "$status" = success ] && break
    [ "$status" = fail ] && { karbor restore-show "$restore"; exit 1; }
    sleep 0.1
done
karbor restore-show "$restore" | grep -E '^\| (id|status) '
diff -r demo-data/original-serve demo-data/restored/files
echo "restored files are identical to the originals"

echo; echo "== karbor checkpoint-delete"
karbor checkpoint-delete "$provider" "$checkpoint"
for _ in $(seq 1 1200); do
    [ -z "$(karbor checkpoint-list "$provider" | awk -F'|' -v c="$checkpoint" '$2 ~ c')" ] && break
    sleep 0.1
done
karbor checkpoint-list "$provider"
echo; echo "== karbor operationlog-list"
karbor operationlog-list | cut -c1-200

kill -TERM $server
wait $server
trap - EXIT
rm -rf demo-data/original-serve
echo "service demo finished: plan-create -> checkpoint-create -> checkpoint-show -> restore-create -> checkpoint-delete (bulwark serve stopped cleanly)"
