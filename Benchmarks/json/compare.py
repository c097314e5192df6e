#!/usr/bin/env python3
"""JSON parsing and JSON Lines validation, Bulwark side by side with Python, in one run.

    python3 Benchmarks/json/compare.py [--seconds 3] [--lines 100000] [--rounds 3]

Sets up the venv of Benchmarks/schema/compare.py (jsonschema-rs, kubernetes-validate),
builds `bulwark` and `bulwark-json-bench` in release mode, and measures, on
Benchmarks/json/pod.json (a 2.6 KB Pod manifest as `kubectl get -o json` gives it):

  - parse: MB/s of JSON parsed into a document (bulwark-json-bench) and, for reference,
    Python's json.loads on the same text;
  - jsonl: documents/s through `bulwark schema validate --schema pod-v1.json -` (with its
    default --jobs, one thread per core, and with --jobs 1) on --lines
    JSON Lines (read, parse, validate against the strict Pod v1 schema of Kubernetes 1.37,
    print one line each, to /dev/null), and through json.loads + jsonschema-rs's
    is_valid per line on the same file. Rounds alternate between the two; medians and
    ranges are printed, with the ratio.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
VENV = os.environ.get("BULWARK_BENCH_VENV", "/tmp/bulwark-bench-venv")

PY_JSONL = r'''
import json, sys, time
import jsonschema_rs
schema = json.load(open(sys.argv[1]))
definitions = json.load(open(sys.argv[2]))
registry = jsonschema_rs.Registry([("https://kubernetes.io/api/_definitions.json", definitions)])
validator = jsonschema_rs.validator_for(schema, registry=registry, base_uri="https://kubernetes.io/api/pod-v1.json")
start = time.perf_counter()
n = valid = 0
with open(sys.argv[3], "rb") as f:
    for line in f:
        if not line.strip(): continue
        n += 1
        if validator.is_valid(json.loads(line)): valid += 1
elapsed = time.perf_counter() - start
print(json.dumps({"documents": n, "valid": valid, "seconds": elapsed}))
'''

PY_PARSE = r'''
import json, sys, time
text = open(sys.argv[1], "rb").read()
seconds = float(sys.argv[2])
for _ in range(1000): json.loads(text)
n, start = 0, time.perf_counter()
while True:
    for _ in range(1000): json.loads(text)
    n += 1000
    elapsed = time.perf_counter() - start
    if elapsed >= seconds: break
print(json.dumps({"parser": "python-json", "parse_mb_per_s": round(n * len(text) / elapsed / 1e6, 1)}))
'''


def venv_python():
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
    subprocess.check_call([py, "-m", "pip", "install", "-q", "jsonschema-rs", "kubernetes-validate"])
    return py


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    py = venv_python()
    for product in ("bulwark", "bulwark-json-bench"):
        subprocess.check_call(["swift", "build", "-c", "release", "--product", product], cwd=ROOT,
                              stdout=subprocess.DEVNULL)
    release = os.path.join(ROOT, ".build", "release")
    pod = os.path.join(HERE, "pod.json")
    kv = subprocess.check_output([py, "-c", "import kubernetes_validate,os;print(os.path.dirname(kubernetes_validate.__file__))"],
                                 text=True).strip()
    k8s = os.path.join(kv, "kubernetes-json-schema", "v1.37.0-local-strict")

    bulwark_parse = json.loads(subprocess.check_output(
        [os.path.join(release, "bulwark-json-bench"), "--document", pod, "--seconds", str(args.seconds)], text=True))
    python_parse = json.loads(subprocess.check_output([py, "-c", PY_PARSE, pod, str(args.seconds)], text=True))
    print(json.dumps(bulwark_parse))
    print(json.dumps(python_parse))

    with tempfile.TemporaryDirectory() as tmp:
        line = json.dumps(json.load(open(pod)))
        lines = os.path.join(tmp, "pods.jsonl")
        with open(lines, "w") as f:
            for _ in range(args.lines):
                f.write(line + "\n")
        # pod-v1.json names its definitions by URL; `--remotes` serves them from a folder.
        os.makedirs(os.path.join(tmp, "remotes", "api"))
        shutil.copy(os.path.join(k8s, "_definitions.json"), os.path.join(tmp, "remotes", "api", "_definitions.json"))
        runner = os.path.join(tmp, "runner.py")
        open(runner, "w").write(PY_JSONL)
        ours, ours_single, theirs = [], [], []

        def bulwark_rate(jobs):
            command = [os.path.join(release, "bulwark"), "schema", "validate", "--schema", os.path.join(k8s, "pod-v1.json"),
                       "--remotes", os.path.join(tmp, "remotes"), "-"]
            if jobs:
                command += ["--jobs", str(jobs)]
            with open(lines, "rb") as stdin, open(os.devnull, "wb") as devnull:
                start = time.perf_counter()
                status = subprocess.run(command, stdin=stdin, stdout=devnull).returncode
                elapsed = time.perf_counter() - start
            if status != 0:
                sys.exit("bulwark schema validate exited %d: the Pod manifest should be valid" % status)
            return args.lines / elapsed

        for round in range(args.rounds):
            ours.append(bulwark_rate(None))
            ours_single.append(bulwark_rate(1))
            result = json.loads(subprocess.check_output(
                [py, runner, os.path.join(k8s, "pod-v1.json"), os.path.join(k8s, "_definitions.json"), lines], text=True))
            if result["valid"] != args.lines:
                sys.exit("jsonschema-rs found %d of %d documents valid" % (result["valid"], args.lines))
            theirs.append(args.lines / result["seconds"])
            print(json.dumps({"round": round + 1, "bulwark_docs_per_s": round_(ours[-1]),
                              "bulwark_one_thread_docs_per_s": round_(ours_single[-1]),
                              "jsonschema_rs_docs_per_s": round_(theirs[-1])}), flush=True)

    def summary(values):
        return "%s [%s–%s]" % (format(round_(statistics.median(values)), ","), format(round_(min(values)), ","),
                               format(round_(max(values)), ","))
    print()
    print("| measure | Bulwark | Python | ratio |")
    print("|---|---:|---:|---:|")
    print("| parse, MB/s (pod.json, %d bytes) | %s | %s (json.loads) | %.1f× |" % (
        bulwark_parse["bytes"], bulwark_parse["parse_mb_per_s"], python_parse["parse_mb_per_s"],
        bulwark_parse["parse_mb_per_s"] / python_parse["parse_mb_per_s"]))
    print("| parse, MB/s, a new JSON.parse per document | %s | | |" % bulwark_parse["one_off_parse_mb_per_s"])
    print("| write, MB/s | %s | | |" % bulwark_parse["write_mb_per_s"])
    print("| JSON Lines validated, documents/s (median [range] of %d rounds, %d lines), --jobs default (%d cores) | %s | %s (json.loads + jsonschema-rs) | %.2f× |" % (
        args.rounds, args.lines, os.cpu_count(), summary(ours), summary(theirs), statistics.median(ours) / statistics.median(theirs)))
    print("| the same, --jobs 1 | %s | | %.2f× |" % (summary(ours_single), statistics.median(ours_single) / statistics.median(theirs)))


def round_(x):
    return int(round(x))


if __name__ == "__main__":
    main()
