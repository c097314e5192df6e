#!/usr/bin/env python3
"""Bank throughput: Bulwark's four banks and the reference clients, in one run, against the
same local Swift (../shared/peers/swift.sh, started by scripts/peers.sh).

    python3 Benchmarks/banks/compare.py [--objects 2000] [--large-mib 1024] [--concurrency 16]
                                        [--runs 3] [--clients swift,python-swiftclient,...]

Small objects (256 bytes, index/status sized) per second, written by 16 threads; MB/s
writing and reading one large object. Reference clients (PyPI, in a venv the script
makes): python-swiftclient (one Connection per thread; the large object streamed in one
PUT and read back in 8 MiB chunks) and awscli (`aws s3 cp`, its own concurrency of 10
for the small files and multipart for the large one).
"""
import argparse, concurrent.futures, json, os, statistics, subprocess, sys, tempfile, threading, time, uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VENV = os.environ.get("BULWARK_BANK_BENCH_VENV", "/tmp/bulwark-bank-bench-venv")
AUTH = "http://127.0.0.1:8080/auth/v1.0"


def venv():
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
    subprocess.check_call([py, "-m", "pip", "install", "-q", "python-swiftclient", "awscli"])
    return py


SWIFTCLIENT = r'''
import concurrent.futures, json, sys, threading, time, uuid
from swiftclient.client import Connection
objects, size, large, threads = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
local = threading.local()
def conn():
    if not hasattr(local, "c"):
        local.c = Connection(authurl="http://127.0.0.1:8080/auth/v1.0", user="test:tester", key="testing")
    return local.c
container = "ref-" + uuid.uuid4().hex[:8]
conn().put_container(container)
payload = b"Z" * size
start = time.perf_counter()
with concurrent.futures.ThreadPoolExecutor(threads) as pool:
    list(pool.map(lambda i: conn().put_object(container, "small/%d" % i, payload), range(objects)))
small = time.perf_counter() - start
total = __import__("os").path.getsize(large)
start = time.perf_counter()
with open(large, "rb") as f:
    conn().put_object(container, "large.bin", f, content_length=total, chunk_size=8 << 20)
write = time.perf_counter() - start
start = time.perf_counter()
_, body = conn().get_object(container, "large.bin", resp_chunk_size=8 << 20)
n = sum(len(chunk) for chunk in body)
read = time.perf_counter() - start
assert n == total
print(json.dumps({"client": "python-swiftclient", "objects": objects, "objects_per_s": round(objects / small, 1),
                  "large_mb": round(total / 1e6, 1), "write_mb_s": round(total / 1e6 / write, 1), "read_mb_s": round(total / 1e6 / read, 1)}))
'''


def awscli(py, objects, size, large):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test:tester", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    aws = [os.path.join(VENV, "bin", "aws"), "--endpoint-url", "http://127.0.0.1:8080"]
    bucket = "ref-" + uuid.uuid4().hex[:8]
    subprocess.check_call(aws + ["s3", "mb", "s3://" + bucket], env=env, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as d:
        for i in range(objects):
            with open(os.path.join(d, str(i)), "wb") as f:
                f.write(b"Z" * size)
        start = time.perf_counter()
        subprocess.check_call(aws + ["s3", "cp", d, "s3://%s/small/" % bucket, "--recursive", "--only-show-errors"], env=env)
        small = time.perf_counter() - start
    total = os.path.getsize(large)
    start = time.perf_counter()
    subprocess.check_call(aws + ["s3", "cp", large, "s3://%s/large.bin" % bucket, "--only-show-errors"], env=env)
    write = time.perf_counter() - start
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        subprocess.check_call(aws + ["s3", "cp", "s3://%s/large.bin" % bucket, "-", "--only-show-errors"], env=env, stdout=null)
    read = time.perf_counter() - start
    return {"client": "awscli", "objects": objects, "objects_per_s": round(objects / small, 1), "large_mb": round(total / 1e6, 1),
            "write_mb_s": round(total / 1e6 / write, 1), "read_mb_s": round(total / 1e6 / read, 1)}


CLIENTS = ["sqlite", "directory", "swift", "s3", "python-swiftclient", "awscli"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--large-mib", type=int, default=1024)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3, help="rounds over all clients, interleaved; the table shows medians")
    parser.add_argument("--clients", default=",".join(CLIENTS), help="comma-separated subset of " + ",".join(CLIENTS))
    args = parser.parse_args()
    clients = [c for c in args.clients.split(",") if c]
    unknown = [c for c in clients if c not in CLIENTS]
    if unknown:
        parser.error("unknown client(s) %s; choose from %s" % (", ".join(unknown), ", ".join(CLIENTS)))
    py = venv()
    subprocess.check_call(["swift", "build", "-c", "release", "--product", "bulwark-bank-bench"], cwd=ROOT, stdout=subprocess.DEVNULL)
    # The bank-bench loads the bank plugins from its own directory: build them in release too.
    subprocess.check_call(["swift", "build", "-c", "release"], cwd=ROOT, stdout=subprocess.DEVNULL)
    bench = os.path.join(ROOT, ".build", "release", "bulwark-bank-bench")
    results = {c: [] for c in clients}
    with tempfile.NamedTemporaryFile(suffix=".bin") as large:
        large.write(os.urandom(1 << 20) * args.large_mib)
        large.flush()
        script = os.path.join(tempfile.mkdtemp(), "swiftclient_bench.py")
        open(script, "w").write(SWIFTCLIENT)
        # Rounds interleave the clients, so a slow spell of the shared Swift (its
        # background daemons run on the same two cores) falls on all of them.
        for run in range(args.runs):
            for client in clients:
                if client == "python-swiftclient":
                    out = subprocess.check_output([py, script, str(args.objects), "256", large.name, str(args.concurrency)], text=True)
                    row = json.loads(out)
                elif client == "awscli":
                    row = awscli(py, args.objects, 256, large.name)
                else:
                    out = subprocess.check_output([bench, "--bank", client, "--objects", str(args.objects), "--large-mib",
                                                   str(args.large_mib), "--concurrency", str(args.concurrency)], text=True)
                    row = json.loads(out)
                results[client].append(row)
                print("run %d: %s" % (run + 1, json.dumps(row)), flush=True)
    print()
    print("Medians of %d runs (range in brackets):" % args.runs)
    print()
    print("| client | small objects/s | large write MB/s | large read MB/s | large write, size unknown MB/s |")
    print("|---|---:|---:|---:|---:|")
    for client in clients:
        rows = results[client]
        cells = []
        for key in ["objects_per_s", "write_mb_s", "read_mb_s", "unsized_write_mb_s"]:
            if key not in rows[0]:
                cells.append("–")
                continue
            values = sorted(r[key] for r in rows)
            median = statistics.median(values)
            cells.append("%s [%s–%s]" % (round(median), round(values[0]), round(values[-1])) if len(values) > 1 else str(round(median)))
        print("| %s | %s |" % (rows[0]["client"], " | ".join(cells)))


if __name__ == "__main__":
    main()
