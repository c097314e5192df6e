#!/usr/bin/env python3
"""Validates the same documents against the same schemas with Bulwark, Python's jsonschema
and jsonschema-rs, in one run, and prints documents per second for each.

    python3 Benchmarks/schema/compare.py [--seconds 3]

Sets up a venv (/tmp/bulwark-bench-venv) with jsonschema, jsonschema-rs and
kubernetes-validate from PyPI, builds bulwark-schema-bench in release mode, and runs:
  - kubernetes-pod: a Pod manifest (two containers, volumes, probes) against the strict
    Pod v1 schema of Kubernetes 1.37 shipped by kubernetes-validate (draft 2020-12, $refs
    into a 1.8 MB definitions document);
  - karbor-options: Karbor-style protection plugin options (schemas/ of this repository)
    for a volume and a pod, as plans give them;
  - karbor-options-invalid: the same with errors, so error paths are measured too.
Each validator is warmed up, then validates the documents round-robin for --seconds.
"""
import argparse, json, os, subprocess, sys, tempfile, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VENV = os.environ.get("BULWARK_BENCH_VENV", "/tmp/bulwark-bench-venv")


def venv_python():
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
    subprocess.check_call([py, "-m", "pip", "install", "-q", "jsonschema", "jsonschema-rs", "kubernetes-validate"])
    return py


PY_RUNNER = r'''
import json, sys, time
import jsonschema, jsonschema_rs
from referencing import Registry, Resource
spec = json.load(open(sys.argv[1]))
schema = json.load(open(spec["schema"]))
registered = {uri: json.load(open(path)) for uri, path in spec["register"].items()}
docs = [json.loads(l) for l in open(spec["documents"]) if l.strip()]
seconds = float(sys.argv[2])

def measure(name, validate):
    for d in docs: validate(d)
    n, start = 0, time.perf_counter()
    while True:
        for d in docs: validate(d)
        n += len(docs)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds: break
    print(json.dumps({"validator": name, "docs_per_s": round(n / elapsed)}))

resources = [(uri, Resource.from_contents(doc)) for uri, doc in registered.items()]
registry = Registry().with_resources(resources)
schema_with_id = dict(schema); schema_with_id.setdefault("$id", spec["base"])
py = jsonschema.validators.validator_for(schema)(schema_with_id, registry=registry)
measure("python-jsonschema", lambda d: list(py.iter_errors(d)))

rs_registry = jsonschema_rs.Registry(list(registered.items())) if registered else None
rs = jsonschema_rs.validator_for(schema, registry=rs_registry, base_uri=spec["base"]) if registered else jsonschema_rs.validator_for(schema)
measure("jsonschema-rs", lambda d: list(rs.iter_errors(d)))
'''


def workloads(py, tmp):
    kv = subprocess.check_output([py, "-c", "import kubernetes_validate,os;print(os.path.dirname(kubernetes_validate.__file__))"], text=True).strip()
    k8s = os.path.join(kv, "kubernetes-json-schema", "v1.37.0-local-strict")
    pod = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-0", "namespace": "shop", "labels": {"app": "web", "tier": "frontend"}},
        "spec": {
            "restartPolicy": "Always",
            "containers": [
                {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80, "protocol": "TCP"}],
                 "env": [{"name": "MODE", "value": "production"}],
                 "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
                 "volumeMounts": [{"name": "data", "mountPath": "/usr/share/nginx/html"}],
                 "livenessProbe": {"httpGet": {"path": "/healthz", "port": 80}, "initialDelaySeconds": 5, "periodSeconds": 10}},
                {"name": "sidecar", "image": "busybox:1.36", "command": ["sh", "-c", "tail -f /dev/null"]},
            ],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "web-data"}},
                        {"name": "cache", "emptyDir": {}}],
        },
    }
    options = json.load(open(os.path.join(ROOT, "Benchmarks", "schema", "karbor-options.schema.json")))
    good = [{"backup_name": "nightly-%d" % i, "backup_mode": "incremental" if i % 2 else "full", "container": "backups",
             "description": "volume %d" % i, "force": bool(i % 3)} for i in range(10)]
    bad = [{"backup_name": 7, "backup_mode": "differential", "force": "yes", "extra": True} for _ in range(10)]
    options_path = os.path.join(ROOT, "Benchmarks", "schema", "karbor-options.schema.json")
    out = []
    for name, schema, base, register, docs in [
        ("kubernetes-pod", os.path.join(k8s, "pod-v1.json"), "https://kubernetes.io/api/pod-v1.json",
         {"https://kubernetes.io/api/_definitions.json": os.path.join(k8s, "_definitions.json")}, [pod]),
        ("karbor-options", options_path, "urn:bulwark:bench", {}, good),
        ("karbor-options-invalid", options_path, "urn:bulwark:bench", {}, bad),
    ]:
        path = os.path.join(tmp, name + ".jsonl")
        with open(path, "w") as f:
            for d in docs:
                f.write(json.dumps(d) + "\n")
        out.append((name, {"schema": schema, "base": base, "register": register, "documents": path}))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    py = venv_python()
    subprocess.check_call(["swift", "build", "-c", "release", "--product", "bulwark-schema-bench"], cwd=ROOT,
                          stdout=subprocess.DEVNULL)
    bench = os.path.join(ROOT, ".build", "release", "bulwark-schema-bench")
    runner = os.path.join(tempfile.mkdtemp(), "runner.py")
    open(runner, "w").write(PY_RUNNER)
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for name, spec in workloads(py, tmp):
            cmd = [bench, "--schema", spec["schema"], "--base", spec["base"], "--documents", spec["documents"],
                   "--seconds", str(args.seconds)]
            for uri, path in spec["register"].items():
                cmd += ["--register", "%s=%s" % (uri, path)]
            results = [json.loads(subprocess.check_output(cmd, text=True))]
            spec_path = os.path.join(tmp, name + ".spec.json")
            json.dump(spec, open(spec_path, "w"))
            out = subprocess.check_output([py, runner, spec_path, str(args.seconds)], text=True)
            results += [json.loads(l) for l in out.splitlines() if l.strip()]
            for r in results:
                rows.append((name, r["validator"], r["docs_per_s"]))
                print(json.dumps({"workload": name, **r}), flush=True)
    print()
    print("| workload | validator | documents/s |")
    print("|---|---|---:|")
    for name, validator, rate in rows:
        print("| %s | %s | %s |" % (name, validator, format(rate, ",")))


if __name__ == "__main__":
    main()
