#!/usr/bin/env python3
"""A Kubernetes API server simulator for Bulwark's tests (docs/testing.md, "Kubernetes").

No Kubernetes API server runs on these machines, so this stands in for one: a separate
process speaking HTTPS on 127.0.0.1 with the real API's paths, JSON shapes, status codes
and Status objects, for the resources Bulwark uses:

  pods                    /api/v1/pods, /api/v1/namespaces/{ns}/pods[/{name}]
  persistentvolumeclaims  /api/v1/persistentvolumeclaims, /api/v1/namespaces/{ns}/persistentvolumeclaims[/{name}]
  persistentvolumes       /api/v1/persistentvolumes[/{name}]

- Auth: bearer tokens (Authorization: Bearer ...) or a client certificate signed by the
  cluster CA; anything else gets 401 Unauthorized, as the API server.
- Lists page with `limit` and `continue` (an opaque token; `remainingItemCount` set),
  sorted by namespace/name as etcd returns them; `labelSelector` equality terms.
- Create validates the manifest against the real Kubernetes JSON schemas (PyPI
  kubernetes-validate, strict: unknown fields rejected) and a few of the API server's own
  rules (DNS-1123 names, containers need an image); a bad manifest gets 422 Invalid with
  the causes. An existing name gets 409 AlreadyExists.
- A new pod is Pending; it turns Running after --pending-seconds once every PVC it mounts
  exists and is Bound (a PVC naming an existing PV is Bound at once).
- Test controls under /_sim/ (same auth): faults (slow answers, HTTP errors such as 500
  bursts or 429 with Retry-After, dropped connections, malformed JSON; each for `count`
  matching requests after `skip`), token replacement, a scheduled token rotation that
  rewrites the token file as the kubelet does,
  forcing a pod's phase, and the request log. The code under test never calls these.

--pki DIR makes a CA, a server certificate for 127.0.0.1, a client certificate, and
writes DIR/kubeconfig (contexts `sim` for the token, `sim-cert` for the certificate).
"""
import argparse
import base64
import copy
import datetime
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import kubernetes_validate

KINDS = {  # plural -> (kind, namespaced)
    "pods": ("Pod", True),
    "persistentvolumeclaims": ("PersistentVolumeClaim", True),
    "persistentvolumes": ("PersistentVolume", False),
}
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def status(code, reason, message, details=None):
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}
    if details:
        body["details"] = details
    return code, body


class Cluster:
    """The objects, by plural then (namespace, name); one lock for all of it."""

    def __init__(self, args):
        self.lock = threading.RLock()  # handlers answer while holding it
        self.objects = {plural: {} for plural in KINDS}
        self.revision = 1000
        self.tokens = set(args.token)
        self.pending_seconds = args.pending_seconds
        self.kube_version = args.kube_version
        self.faults = []  # dicts: method, path (regex), kind, count, + kind's fields
        self.requests = []  # (method, path, status)
        self.rotation = None

    def rotate_if_due(self):
        """A scheduled token rotation, as the kubelet rotates a projected service account
        token: after N more API requests the old token stops working and the new one is
        written to the token file."""
        r = self.rotation
        if r is None:
            return
        r["after_requests"] -= 1
        if r["after_requests"] >= 0:
            return
        self.rotation = None
        self.tokens = {r["new_token"]}
        if r.get("token_file"):
            temporary = r["token_file"] + ".new"
            with open(temporary, "w") as f:
                f.write(r["new_token"])
            os.replace(temporary, r["token_file"])

    def next_revision(self):
        self.revision += 1
        return str(self.revision)

    # -- reads --------------------------------------------------------------------------

    def refresh(self, plural, obj):
        """Time-driven state: pods go Running once their claims are Bound."""
        if plural != "pods" or obj["status"].get("phase") != "Pending" or obj.get("_forced"):
            return
        created = obj["_created"]
        if time.monotonic() - created < self.pending_seconds:
            return
        ns = obj["metadata"]["namespace"]
        for volume in obj["spec"].get("volumes", []):
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if claim:
                pvc = self.objects["persistentvolumeclaims"].get((ns, claim))
                if not pvc or pvc["status"].get("phase") != "Bound":
                    return
        obj["status"] = {
            "phase": "Running", "hostIP": "127.0.0.1", "podIP": "10.244.0.%d" % (len(self.objects["pods"]) % 250 + 2),
            "startTime": obj["metadata"]["creationTimestamp"],
            "conditions": [{"type": t, "status": "True", "lastTransitionTime": now()}
                           for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
            "containerStatuses": [{"name": c["name"], "image": c.get("image", ""), "ready": True, "restartCount": 0,
                                   "started": True, "state": {"running": {"startedAt": now()}}}
                                  for c in obj["spec"].get("containers", [])],
        }
        obj["metadata"]["resourceVersion"] = self.next_revision()

    def public(self, plural, obj):
        self.refresh(plural, obj)
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def list(self, plural, namespace, query):
        kind, _ = KINDS[plural]
        items = sorted((key, obj) for key, obj in self.objects[plural].items()
                       if namespace is None or key[0] == namespace)
        selector = query.get("labelSelector", [""])[0]
        for term in filter(None, selector.split(",")):
            name, _, value = term.partition("=")
            value = value.lstrip("=")
            items = [(k, o) for k, o in items if o["metadata"].get("labels", {}).get(name) == value]
        start = 0
        token = query.get("continue", [""])[0]
        if token:
            try:
                state = json.loads(base64.urlsafe_b64decode(token.encode()))
                after = tuple(state["start"])
            except Exception:
                return status(400, "BadRequest", "continue key is not valid: illegal base64 data")
            start = next((i for i, (k, _) in enumerate(items) if k > after), len(items))
        limit = int(query.get("limit", ["0"])[0] or 0)
        page = items[start:start + limit] if limit > 0 else items[start:]
        metadata = {"resourceVersion": str(self.revision)}
        rest = len(items) - start - len(page)
        if rest > 0:
            metadata["continue"] = base64.urlsafe_b64encode(json.dumps({"start": list(page[-1][0])}).encode()).decode()
            metadata["remainingItemCount"] = rest
        return 200, {"kind": kind + "List", "apiVersion": "v1", "metadata": metadata,
                     "items": [self.public(plural, o) for _, o in page]}

    # -- writes -------------------------------------------------------------------------

    def create(self, plural, namespace, body):
        kind, namespaced = KINDS[plural]
        if not isinstance(body, dict):
            return status(400, "BadRequest", "the body of the request was in an unknown format")
        if body.get("kind") != kind or body.get("apiVersion") != "v1":
            return status(400, "BadRequest", "the API version in the data (%s) does not match the expected API version (v1)"
                          % body.get("apiVersion") if body.get("apiVersion") != "v1" else
                          "%s in version \"v1\" cannot be handled as a %s" % (body.get("kind"), kind))
        meta = body.setdefault("metadata", {})
        name = meta.get("name", "")
        if namespaced:
            if meta.get("namespace", namespace) != namespace:
                return status(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request")
            meta["namespace"] = namespace
        causes = []
        try:
            kubernetes_validate.validate(body, self.kube_version, strict=True)
        except kubernetes_validate.ValidationError as e:
            causes.append({"reason": "FieldValueInvalid", "message": "Invalid value: " + e.message,
                           "field": ".".join(str(p) if not isinstance(p, int) else "[%d]" % p for p in e.path).replace(".[", "[")})
        if not name or not DNS1123_SUBDOMAIN.match(name) or len(name) > 253:
            causes.append({"reason": "FieldValueInvalid", "field": "metadata.name",
                           "message": "Invalid value: \"%s\": a lowercase RFC 1123 subdomain must consist of lower case "
                                      "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character" % name})
        if plural == "pods":
            for i, c in enumerate((body.get("spec") or {}).get("containers") or []):
                if isinstance(c, dict) and not c.get("image"):
                    causes.append({"reason": "FieldValueRequired", "field": "spec.containers[%d].image" % i, "message": "Required value"})
        if causes:
            text = ", ".join("%s: %s" % (c["field"], c["message"]) for c in causes)
            return status(422, "Invalid", "%s \"%s\" is invalid: %s" % (kind, name, text),
                          {"name": name, "kind": plural[:-1] if plural != "persistentvolumeclaims" else "persistentvolumeclaims", "causes": causes})
        key = (namespace if namespaced else "", name)
        if key in self.objects[plural]:
            return status(409, "AlreadyExists", "%s \"%s\" already exists" % (plural, name),
                          {"name": name, "kind": plural})
        obj = copy.deepcopy(body)
        obj["metadata"].update({"uid": str(uuid.uuid4()), "creationTimestamp": now(),
                                "resourceVersion": self.next_revision()})
        obj["_created"] = time.monotonic()
        if plural == "pods":
            obj["spec"].setdefault("restartPolicy", "Always")
            obj["spec"].setdefault("dnsPolicy", "ClusterFirst")
            obj["spec"].setdefault("nodeName", "sim-node-1")
            obj["status"] = {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True", "lastTransitionTime": now()}]}
        elif plural == "persistentvolumeclaims":
            volume = obj["spec"].get("volumeName")
            bound = volume and ("", volume) in self.objects["persistentvolumes"]
            obj["status"] = {"phase": "Bound" if bound else "Pending"}
            if bound:
                pv = self.objects["persistentvolumes"][("", volume)]
                pv["status"] = {"phase": "Bound"}
                pv["spec"]["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": namespace, "name": name,
                                          "uid": obj["metadata"]["uid"], "apiVersion": "v1"}
        else:
            obj["status"] = {"phase": "Available"}
        self.objects[plural][key] = obj
        return 201, self.public(plural, obj)

    def delete(self, plural, namespace, name):
        kind, namespaced = KINDS[plural]
        obj = self.objects[plural].pop((namespace if namespaced else "", name), None)
        if obj is None:
            return status(404, "NotFound", "%s \"%s\" not found" % (plural, name), {"name": name, "kind": plural})
        obj["metadata"]["deletionTimestamp"] = now()
        return 200, self.public(plural, obj)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kube-apiserver-sim/1.0"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("sim: " + fmt % args + "\n")

    @property
    def cluster(self):
        return self.server.cluster

    def send_json(self, code, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        with self.cluster.lock:
            self.cluster.requests.append({"method": self.command, "path": self.path, "status": code,
                                          "authorization": "Authorization" in self.headers})

    def authenticated(self):
        auth = self.headers.get("Authorization", "")
        with self.cluster.lock:
            self.cluster.rotate_if_due()
        if auth.startswith("Bearer "):
            with self.cluster.lock:
                return auth[7:] in self.cluster.tokens
        cert = self.connection.getpeercert() if isinstance(self.connection, ssl.SSLSocket) else None
        return bool(cert)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return ValueError

    def fault(self):
        """The first matching fault rule, used up by one; None when none applies."""
        with self.cluster.lock:
            for rule in self.cluster.faults:
                if rule["count"] != 0 and rule.get("method", self.command) == self.command \
                        and re.search(rule.get("path", ""), self.path):
                    if rule.get("skip", 0) > 0:  # let this many matching requests through first
                        rule["skip"] -= 1
                        continue
                    rule["count"] -= 1
                    return dict(rule)
        return None

    def handle_any(self):
        body = self.body()
        if self.path in ("/version", "/healthz", "/readyz", "/livez"):  # public, as system:public-info-viewer allows
            if self.path != "/version":
                return self.send_json(200, "ok")
            major, minor = self.cluster.kube_version.split(".")[:2]
            return self.send_json(200, {"major": major, "minor": minor, "gitVersion": "v%s.0-sim" % self.cluster.kube_version})
        if not self.authenticated():
            return self.send_json(*status(401, "Unauthorized", "Unauthorized"))
        split = urlsplit(self.path)
        query = parse_qs(split.query)
        if split.path.startswith("/_sim/"):
            return self.control(split.path, body)
        rule = self.fault()
        if rule:
            kind = rule["kind"]
            if kind == "slow":
                time.sleep(rule.get("seconds", 1.0))
            elif kind == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            elif kind == "malformed":
                data = b'{"kind": "PodList", "items": [{"metadata": {"name": "trunc'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            elif kind == "status":
                code = rule.get("code", 500)
                headers = [("Retry-After", str(rule["retry_after"]))] if "retry_after" in rule else []
                reason = {429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable"}.get(code, "InternalError")
                return self.send_json(*status(code, reason, rule.get("message", "Internal error occurred")), headers=headers)
        match = re.fullmatch(r"/api/v1(?:/namespaces/([^/]+))?/([a-z]+)(?:/([^/]+))?", split.path)
        if split.path in ("/api", "/api/"):
            return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"],
                                        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
        if not match or match.group(2) not in KINDS:
            return self.send_json(*status(404, "NotFound", "the server could not find the requested resource"))
        namespace, plural, name = match.groups()
        _, namespaced = KINDS[plural]
        if namespaced is False and namespace:
            return self.send_json(*status(404, "NotFound", "the server could not find the requested resource"))
        with self.cluster.lock:
            if self.command == "GET" and name is None:
                return self.send_json(*self.cluster.list(plural, namespace, query))
            if self.command == "GET":
                obj = self.cluster.objects[plural].get((namespace or "", name))
                if obj is None:
                    return self.send_json(*status(404, "NotFound", "%s \"%s\" not found" % (plural, name),
                                                  {"name": name, "kind": plural}))
                return self.send_json(200, self.cluster.public(plural, obj))
            if self.command == "POST" and name is None and (namespace or not namespaced):
                if body is ValueError:
                    return self.send_json(*status(400, "BadRequest", "the body of the request was in an unknown format"))
                return self.send_json(*self.cluster.create(plural, namespace, body))
            if self.command == "DELETE" and name is not None:
                return self.send_json(*self.cluster.delete(plural, namespace, name))
        return self.send_json(*status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"))

    def control(self, path, body):
        c = self.cluster
        with c.lock:
            if path == "/_sim/faults" and self.command == "POST":
                c.faults.append(dict(body, count=body.get("count", 1)))
                return self.send_json(200, {"faults": c.faults})
            if path == "/_sim/faults" and self.command == "DELETE":
                c.faults.clear()
                return self.send_json(200, {"faults": []})
            if path == "/_sim/rotation" and self.command == "PUT":
                c.rotation = dict(body)
                return self.send_json(200, {"rotation": "scheduled"})
            if path == "/_sim/tokens" and self.command == "PUT":
                c.tokens = set(body["tokens"])
                return self.send_json(200, {"tokens": len(c.tokens)})
            if path == "/_sim/requests" and self.command == "GET":
                return self.send_json(200, {"requests": c.requests})
            if path == "/_sim/requests" and self.command == "DELETE":
                c.requests.clear()
                return self.send_json(200, {"requests": []})
            m = re.fullmatch(r"/_sim/pods/([^/]+)/([^/]+)/phase", path)
            if m and self.command == "PUT":
                obj = c.objects["pods"].get((m.group(1), m.group(2)))
                if obj is None:
                    return self.send_json(404, {"error": "no such pod"})
                obj["status"]["phase"] = body["phase"]
                obj["_forced"] = True
                return self.send_json(200, {"phase": body["phase"]})
        return self.send_json(404, {"error": "unknown control " + path})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any


def make_pki(directory, port, token):
    os.makedirs(directory, exist_ok=True)

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    with open(os.path.join(directory, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
            "-subj", "/CN=kubernetes-sim-ca")
    for name, subject, ext in (("server", "/CN=kube-apiserver", ["-extfile", "san.ext"]),
                               ("client", "/O=system:masters/CN=bulwark-admin", [])):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".crt", "-days", "2", *ext)

    def b64(name):
        with open(os.path.join(directory, name), "rb") as f:
            return base64.b64encode(f.read()).decode()

    kubeconfig = {
        "apiVersion": "v1", "kind": "Config", "current-context": "sim", "preferences": {},
        "clusters": [{"name": "sim", "cluster": {"server": "https://127.0.0.1:%d" % port,
                                                 "certificate-authority-data": b64("ca.crt")}}],
        "users": [{"name": "sim-token", "user": {"token": token}},
                  {"name": "sim-cert", "user": {"client-certificate-data": b64("client.crt"),
                                                "client-key-data": b64("client.key")}}],
        "contexts": [{"name": "sim", "context": {"cluster": "sim", "user": "sim-token", "namespace": "default"}},
                     {"name": "sim-cert", "context": {"cluster": "sim", "user": "sim-cert"}}],
    }
    with open(os.path.join(directory, "kubeconfig"), "w") as f:
        json.dump(kubeconfig, f, indent=2)  # JSON is YAML; kubectl reads it too


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=6443, help="0: any free port")
    parser.add_argument("--pki", required=True, help="directory for the CA, certificates and kubeconfig")
    parser.add_argument("--token", action="append", default=[], help="an accepted bearer token (repeatable)")
    parser.add_argument("--pending-seconds", type=float, default=1.0)
    parser.add_argument("--kube-version", default="1.33")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--stdin-lifetime", action="store_true", help="print PORT <n> first; exit when stdin closes")
    args = parser.parse_args()
    if not args.token:
        args.token = [uuid.uuid4().hex]
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    args.port = server.server_address[1]
    make_pki(args.pki, args.port, args.token[0])
    server.daemon_threads = True
    server.cluster = Cluster(args)
    server.verbose = args.verbose
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(args.pki, "server.crt"), os.path.join(args.pki, "server.key"))
    context.load_verify_locations(os.path.join(args.pki, "ca.crt"))
    context.verify_mode = ssl.CERT_OPTIONAL  # client certificates authenticate; tokens too
    server.socket = context.wrap_socket(server.socket, server_side=True)
    if args.stdin_lifetime:
        # Tests' PeerProcess protocol: "PORT <n>", and exit when standard input closes.
        print("PORT %d" % args.port, flush=True)
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    print("kube-apiserver-sim listening on https://127.0.0.1:%d (kubeconfig: %s)" % (args.port, os.path.join(args.pki, "kubeconfig")),
          flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
