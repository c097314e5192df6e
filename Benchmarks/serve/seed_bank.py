#!/usr/bin/env python3
"""Grows an SQLite bank (Bulwark's default) to COUNT checkpoints for the service
benchmark, by cloning one real checkpoint that `bulwark serve` made into it: for each
clone, its index object (new id and time, everything else as written) and its three
index entries (by provider, by date, by plan), the keys Engine.protect writes. Resource
data is not cloned: listing reads only indices and index objects.

usage: seed_bank.py BANK.sqlite COUNT"""
import json, sqlite3, sys, time, uuid

path, count = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(path, timeout=60)
(key, data), = db.execute("SELECT key, data FROM objects WHERE key LIKE '/checkpoints/%/index.json'").fetchall()
template = json.loads(data)
entries = db.execute("SELECT key, data FROM objects WHERE key LIKE '/indices/%' AND key LIKE ?", ("%@" + template["id"],)).fetchall()
assert len(entries) == 3, entries
start = time.time() - 86400 * 30
rows = []
for i in range(count - 1):
    cid = str(uuid.uuid4())
    t = start + i * (86400 * 30 / count)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(t)) + ".%06dZ" % int((t % 1) * 1e6)
    day = time.strftime("%Y-%m-%d", time.gmtime(t))
    index = dict(template, id=cid, created_at=day, index_name=f"{stamp}@{cid}")
    body = json.dumps(index).encode()
    rows.append((f"/checkpoints/{cid}/index.json", len(body), body, t))
    for ekey, edata in entries:
        prefix = ekey.rsplit("/", 1)[0]
        if "/by-date/" in ekey:  # /indices/by-date/<day>/<project>/<name>
            parts = ekey.split("/")
            parts[3] = day
            prefix = "/".join(parts[:-1])
        value = edata.replace(template["id"].encode(), cid.encode()) if edata else edata
        rows.append((f"{prefix}/{stamp}@{cid}", len(value or b""), value, t))
    if len(rows) >= 40000:
        db.executemany("INSERT INTO objects (key, size, data, updated_at, blob) VALUES (?, ?, ?, ?, NULL)", rows)
        db.commit()
        rows = []
db.executemany("INSERT INTO objects (key, size, data, updated_at, blob) VALUES (?, ?, ?, ?, NULL)", rows)
db.commit()
print(f"{path}: {db.execute('SELECT count(*) FROM objects WHERE key LIKE ?', ('/indices/by-provider/%',)).fetchone()[0]} checkpoints")
