#!/usr/bin/env python3
"""Seeds a directory bank with N checkpoints in Bulwark's (Karbor's) layout, for the
service benchmark: each an index object and its by-provider and by-plan index entries,
as Engine.protect writes them (no resource data: listing reads only indices).

usage: seed_bank.py BANK_DIR PROVIDER PROJECT PLAN_ID COUNT"""
import json, os, sys, uuid, time

root, provider, project, plan, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])

def put(key, value):
    path = os.path.join(root, key.lstrip("/")) + "~"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(value, f)

start = time.time() - count
for i in range(count):
    cid = str(uuid.uuid4())
    t = start + i
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(t)) + ".%06dZ" % 0
    day = time.strftime("%Y-%m-%d", time.gmtime(t))
    index = {"version": "1.0", "id": cid, "status": "available", "owner_id": "seed", "provider_id": provider,
             "project_id": project, "protection_plan": {"id": plan, "name": "bench", "provider_id": provider,
             "resources": [{"type": "Demo::Folder", "id": "files", "name": "files"}]},
             "resource_graph": {"nodes": [{"resource": {"type": "Demo::Folder", "id": "files", "name": "files"}, "children": []}], "roots": [0]},
             "extra_info": {"created_by": "seed"}, "created_at": day, "timestamp": t, "index_name": f"{stamp}@{cid}"}
    put(f"/checkpoints/{cid}/index.json", index)
    put(f"/indices/by-provider/{provider}/{project}/{stamp}@{cid}", {"checkpoint_id": cid})
    put(f"/indices/by-plan/{plan}/{project}/{stamp}@{cid}", {"checkpoint_id": cid})
print(f"seeded {count} checkpoints into {root}")
