#!/usr/bin/env python3
"""Bank throughput: Bulwark's four banks and the reference clients, in one run, against the
same local Swift (../shared/peers/swift.sh, started by scripts/peers.sh).

    python3 Benchmarks/banks/compare.py [--objects 2000] [--large-mib 1024] [--concurrency 16]

Small objects (256 bytes, index/status sized) per second, written by 16 threads; MB/s
writing and reading one large object. Reference clients (PyPI, in a venv the script
makes): python-swiftclient (one Connection per thread; the large object streamed in one
PUT and read back in 8 MiB chunks) and awscli (`aws s3 cp`, its own concurrency of 10
for the small files and multipart for the large one).
"""
import argparse, concurrent.futures, json, os, subprocess, sys, tempfile, threading, time, uuid

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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--large-mib", type=int, default=1024)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    py = venv()
    subprocess.check_call(["swift", "build", "-c", "release", "--product", "bulwark-bank-bench"], cwd=ROOT, stdout=subprocess.DEVNULL)
    # The bank-bench loads the bank plugins from its own directory: build them in release too.
    subprocess.check_call(["swift", "build", "-c", "release"], cwd=ROOT, stdout=subprocess.DEVNULL)
    bench = os.path.join(ROOT, ".build", "release", "bulwark-bank-bench")
    rows = []
    for bank in ["sqlite", "directory", "swift", "s3"]:
        out = subprocess.check_output([bench, "--bank", bank, "--objects", str(args.objects), "--large-mib", str(args.large_mib),
                                       "--concurrency", str(args.concurrency)], text=True)
        rows.append(json.loads(out))
        print(out.strip(), flush=True)
    with tempfile.NamedTemporaryFile(suffix=".bin") as large:
        large.write(os.urandom(1 << 20) * args.large_mib)
        large.flush()
        script = os.path.join(tempfile.mkdtemp(), "swiftclient_bench.py")
        open(script, "w").write(SWIFTCLIENT)
        out = subprocess.check_output([py, script, str(args.objects), "256", large.name, str(args.concurrency)], text=True)
        rows.append(json.loads(out))
        print(out.strip(), flush=True)
        rows.append(awscli(py, args.objects, 256, large.name))
        print(json.dumps(rows[-1]), flush=True)
    print()
    print("| client | small objects/s | large write MB/s | large read MB/s |")
    print("|---|---:|---:|---:|")
    for r in rows:
        print("| %s | %s | %s | %s |" % (r["client"], r["objects_per_s"], r["write_mb_s"], r["read_mb_s"]))


if __name__ == "__main__":
    main()
