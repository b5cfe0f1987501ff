#!/usr/bin/python3
"""An HTTP proxy for the tests of tm-upload and tm-fetch: forwards requests to
an S3-compatible server on 127.0.0.1 and injects faults on the way. Standard
library only; listens on 127.0.0.1 only.

Faults apply to the first N requests a SELECTOR matches:
  METHOD              any request with that method ("*": any method)
  METHOD?TEXT         ... whose query string contains TEXT ("PUT?partNumber")
  METHOD/             ... without a query string (a whole-object PUT)

  --fail SEL:N[:STATUS]     answer STATUS (500) with an S3 error body; not forwarded
  --bad-digest SEL:N        answer 400 BadDigest, as S3 does when Content-MD5 does
                            not match the body; not forwarded
  --corrupt-request SEL:N   flip one byte of the request body, then forward it
  --corrupt-response SEL:N  flip one byte of a 2xx response body
  --delay SECONDS           wait this long before forwarding a request with a body
  --log FILE                one JSON line per request: method, target, headers
                            (as received, in order), body_sha256 (of the bytes
                            received), status (as answered), fault
If the server cannot be reached, the client's connection is closed without an
answer, as a dead server's would be.
"""
import argparse
import hashlib
import http.client
import http.server
import json
import os
import socketserver
import sys
import threading
import time

HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
       "upgrade", "expect"}


class Rule:
    def __init__(self, spec, kind):
        parts = spec.split(":")
        self.selector, self.left, self.kind = parts[0], int(parts[1]), kind
        self.status = int(parts[2]) if len(parts) > 2 else 500

    def matches(self, method, target):
        sel = self.selector
        query = target.partition("?")[2]
        if sel.endswith("/"):
            return (sel[:-1] in ("*", method)) and not query
        want_method, _, text = sel.partition("?")
        return want_method in ("*", method) and (not text or text in query)


class State:
    lock = threading.Lock()
    rules = []
    upstream = None
    delay = 0.0
    log = None

    @classmethod
    def take(cls, kind, method, target):
        with cls.lock:
            for r in cls.rules:
                if r.kind == kind and r.left > 0 and r.matches(method, target):
                    r.left -= 1
                    return r
        return None


def error_body(code, message):
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s"
            "</Message></Error>" % (code, message)).encode()


def flip(body):
    if not body:
        return body
    b = bytearray(body)
    b[len(b) // 2] ^= 0x01
    return bytes(b)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and 100-continue answered

    def log_message(self, *args):
        pass

    def record(self, body, status, fault):
        if not State.log:
            return
        entry = {"method": self.command, "target": self.path,
                 "headers": [[k, v] for k, v in self.headers.items()],
                 "body_sha256": hashlib.sha256(body).hexdigest(), "status": status,
                 "fault": fault}
        with State.lock:
            with open(State.log, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def answer(self, status, headers, body):
        self.send_response(status)
        length = str(len(body))
        for k, v in headers:
            if k.lower() == "content-length":
                if self.command == "HEAD":  # the object's length, not the (empty) body's
                    length = v
            elif k.lower() not in HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", length)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) != length:  # the client went away mid-body: forward nothing
            self.close_connection = True
            return
        method, target = self.command, self.path
        rule = State.take("fail", method, target)
        if rule:
            self.record(body, rule.status, "fail")
            return self.answer(rule.status, [("Content-Type", "application/xml")],
                               error_body("InternalError", "injected by the test proxy"))
        if State.take("bad-digest", method, target):
            self.record(body, 400, "bad-digest")
            return self.answer(400, [("Content-Type", "application/xml")],
                               error_body("BadDigest", "The Content-MD5 you specified did not "
                                          "match what we received."))
        fault = None
        sent = body
        if body and State.take("corrupt-request", method, target):
            sent, fault = flip(body), "corrupt-request"
        if body and State.delay:
            time.sleep(State.delay)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        try:
            conn = http.client.HTTPConnection(State.upstream[0], State.upstream[1], timeout=30)
            conn.request(method, target, body=sent, headers=headers)
            resp = conn.getresponse()
            rbody = resp.read()
            rheaders = resp.getheaders()
            conn.close()
        except OSError:
            self.record(body, 0, "upstream-down")
            self.close_connection = True
            return
        if (200 <= resp.status < 300 and rbody and
                State.take("corrupt-response", method, target)):
            rbody, fault = flip(rbody), "corrupt-response"
        self.record(body, resp.status, fault)
        self.answer(resp.status, rheaders, rbody)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--upstream", required=True, help="127.0.0.1:PORT of the server")
    p.add_argument("--port-file", required=True, help="where the proxy's port is written")
    p.add_argument("--log")
    p.add_argument("--delay", type=float, default=0.0)
    for kind in ("fail", "bad-digest", "corrupt-request", "corrupt-response"):
        p.add_argument("--" + kind, action="append", default=[], metavar="SEL:N")
    a = p.parse_args()
    host, _, port = a.upstream.rpartition(":")
    if host not in ("127.0.0.1", "localhost"):
        sys.exit("fault_proxy: the upstream must be on 127.0.0.1")
    State.upstream = (host, int(port))
    State.delay, State.log = a.delay, a.log
    for kind in ("fail", "bad-digest", "corrupt-request", "corrupt-response"):
        State.rules += [Rule(spec, kind) for spec in getattr(a, kind.replace("-", "_"))]
    server = Server(("127.0.0.1", 0), Handler)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(a.port_file + ".tmp", a.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
