#!/usr/bin/env python3
"""A fault-injecting HTTP proxy in front of a real server (the test Swift), on 127.0.0.1.

    python3 fault_proxy.py UPSTREAM        e.g. http://127.0.0.1:8080

Prints "PORT <n>", exits when its standard input closes. Requests are forwarded as they
are (a chunked body is forwarded whole, with its length); POST /__faults__ with a JSON object sets what goes wrong next (counts go down as
faults are served):
  {"status": 503, "count": N, "match": "substring of METHOD PATH"}   answer N matching requests with that status
  {"status": 503, "early": true, ...}   the same, answered before the body is read (as Swift's proxy
                                  answers a PUT it refuses: no "100 Continue"), then the connection is closed
  {"drop": N, "match": "..."}     for N matching requests, read half the body (the first chunk of a chunked one), then close the connection
  {"clear": true}                 no more faults
GET /__faults__ returns how many faults were served.
"""
import http.client, json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

upstream = urlparse(sys.argv[1])
lock = threading.Lock()
rules = []       # [{"kind": "status"|"drop", "status": int, "count": int, "match": str}]
served = {"status": 0, "drop": 0}


def take(request_line):
    with lock:
        for rule in rules:
            if rule["count"] > 0 and rule.get("match", "") in request_line:
                rule["count"] -= 1
                served[rule["kind"]] += 1
                return rule
    return None


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, code, body, headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_chunk(self):
        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
        if size == 0:
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b""
        data = self.rfile.read(size)
        self.rfile.readline()
        return data

    def read_body(self, length, chunked):
        if not chunked:
            return self.rfile.read(length) if length else None
        parts = []
        while True:
            part = self.read_chunk()
            if not part:
                return b"".join(parts)
            parts.append(part)

    def handle_expect_100(self):
        # A request that an early rule will refuse gets no "100 Continue": the client
        # waits and never sends its body.
        line = "%s %s" % (self.command, self.path)
        with lock:
            if any(r["count"] > 0 and r.get("early") and r["match"] in line for r in rules):
                return True
        return super().handle_expect_100()

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        chunked = self.headers.get("Transfer-Encoding", "").lower() == "chunked"
        if self.path.startswith("/__faults__"):
            body = self.rfile.read(length) if length else b""
            if self.command == "POST":
                spec = json.loads(body or b"{}")
                with lock:
                    if spec.get("clear"):
                        rules.clear()
                    elif "status" in spec:
                        rules.append({"kind": "status", "status": spec["status"], "count": spec.get("count", 1), "match": spec.get("match", ""),
                                      "early": bool(spec.get("early"))})
                    elif "drop" in spec:
                        rules.append({"kind": "drop", "count": spec["drop"], "match": spec.get("match", "")})
            with lock:
                self.answer(200, json.dumps(served).encode(), [("Content-Type", "application/json")])
            return
        rule = take("%s %s" % (self.command, self.path))
        if rule and rule.get("early"):
            self.close_connection = True
            self.answer(rule["status"], b'{"message": "injected %d"}' % rule["status"], [("Content-Type", "application/json"), ("Connection", "close")])
            return
        if rule and rule["kind"] == "drop":
            if chunked:
                self.read_chunk()  # the first piece of a streamed body
            else:
                self.rfile.read(length // 2)
            self.close_connection = True
            self.connection.shutdown(2)
            return
        body = self.read_body(length, chunked)
        if rule and rule["kind"] == "status":
            self.answer(rule["status"], b'{"message": "injected %d"}' % rule["status"], [("Content-Type", "application/json")])
            return
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        # A chunked body goes upstream whole, with its length.
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive", "transfer-encoding")}
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        self.send_response(response.status)
        for k, v in response.getheaders():
            if k.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        # A HEAD answer has no body but keeps the object's length.
        length = response.getheader("Content-Length") if self.command == "HEAD" else None
        self.send_header("Content-Length", length or str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        connection.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_COPY = handle_any


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("PORT %d" % server.server_address[1], flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
