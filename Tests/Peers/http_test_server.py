#!/usr/bin/env python3
"""A small HTTP(S) server on 127.0.0.1 for the HTTP client's tests.

    python3 http_test_server.py [--tls CERT KEY]

Prints "PORT <n>" once listening, and exits when its standard input closes (so it never
outlives the test that started it). Endpoints, for any method:
  /echo                       200, JSON: method, path, headers, body length, sha256 and text (Content-Length or chunked bodies)
  /status/<code>[?retry_after=S]   that status, JSON {"message": "status <code> from test server"}
  /flaky/<key>?fail=N[&code=C][&retry_after=S]   the first N requests for <key> get C (503), then 200 with the body's length and sha256
  /slow?ms=N                  200 after N ms
  /drop                       closes the connection without answering
  /bytes?n=N                  N bytes (i % 251)
  /auth                       401 unless "Authorization: Bearer s3cret-token"
  /connections                how many TCP connections the server has accepted
"""
import hashlib, json, socketserver, ssl, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

flaky_counts = {}
connections = set()
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def read_chunked(self):
        parts = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def handle_any(self):
        with lock:
            connections.add(self.client_address)
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self.read_chunked()
        else:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
        parts = url.path.strip("/").split("/")
        if parts[0] == "echo":
            self.reply(200, {"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                             "length": len(body), "sha256": hashlib.sha256(body).hexdigest(),
                             "body": body[:1000].decode("utf-8", "replace")})
        elif parts[0] == "status":
            code = int(parts[1])
            headers = {"Retry-After": q["retry_after"]} if "retry_after" in q else {}
            self.reply(code, {"message": "status %d from test server" % code}, headers)
        elif parts[0] == "flaky":
            with lock:
                n = flaky_counts.get(parts[1], 0) + 1
                flaky_counts[parts[1]] = n
            if n <= int(q.get("fail", "1")):
                headers = {"Retry-After": q["retry_after"]} if "retry_after" in q else {}
                self.reply(int(q.get("code", "503")), {"error": {"message": "flaky failure %d" % n}}, headers)
            else:
                self.reply(200, {"attempt": n, "length": len(body), "sha256": hashlib.sha256(body).hexdigest()})
        elif parts[0] == "slow":
            time.sleep(int(q.get("ms", "1000")) / 1000)
            self.reply(200, {"slept_ms": int(q.get("ms", "1000"))})
        elif parts[0] == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
        elif parts[0] == "bytes":
            n = int(q.get("n", "0"))
            self.reply(200, bytes(i % 251 for i in range(n)))
        elif parts[0] == "auth":
            if self.headers.get("Authorization") == "Bearer s3cret-token":
                self.reply(200, {"ok": True})
            else:
                self.reply(401, {"message": "the token is missing or wrong"})
        elif parts[0] == "connections":
            with lock:
                self.reply(200, {"connections": len(connections)})
        else:
            self.reply(404, {"message": "no such endpoint"})

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if len(sys.argv) == 4 and sys.argv[1] == "--tls":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("PORT %d" % server.server_address[1], flush=True)
    sys.stdin.read()  # until the test closes our stdin (or dies)


if __name__ == "__main__":
    main()
