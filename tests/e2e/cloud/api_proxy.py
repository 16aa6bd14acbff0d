#!/usr/bin/env python3
"""A loopback proxy in front of a cloud API mock (Prism or moto_server), for
the cloud e2e tests.

  api_proxy.py PORT_FILE UPSTREAM_URL [--ec2-model]

Writes the port it listens on to PORT_FILE. Every request is forwarded to
UPSTREAM_URL unless a fault matches it. Faults are set by the test with
POST /__proxy/faults (a JSON list, replacing the current one):
  {"match": "RunInstances" | "POST /v2/droplets", "times": N,
   "do": "status", "status": 429, "headers": {...}, "body": "..."}  answer instead of forwarding
   "do": "drop"     forward, then close the connection without answering
   "do": "hang", "seconds": S   wait S seconds before forwarding
A fault matches a request when `match` equals the EC2 Action, or is a prefix
of "METHOD PATH?QUERY". Each use counts down `times`.

With --ec2-model every request's form body is checked against botocore's
EC2 model (the operation exists; every parameter names a member, through the
EC2 protocol's serialized names; values parse as the member's type; required
members are present). GET /__proxy/violations returns what failed, as JSON; GET /__proxy/log what
was forwarded (the EC2 action, or "METHOD PATH"); POST /__proxy/clear empties both.
"""
import http.client
import http.server
import json
import socketserver
import sys
import threading
import time
import urllib.parse

LOCK = threading.Lock()
FAULTS = []
VIOLATIONS = []
LOG = []
MODEL = None


def load_model():
    import botocore.session
    return botocore.session.get_session().get_service_model("ec2")


def serialized_name(name, member):
    s = member.serialization
    if "queryName" in s:
        return s["queryName"]
    if "name" in s:
        return s["name"][0].upper() + s["name"][1:]
    return name


def check_value(shape, key, parts, value, problems):
    t = shape.type_name
    if t == "structure":
        if not parts:
            problems.append("%s: a structure needs a member" % key)
            return
        members = {serialized_name(n, m): m for n, m in shape.members.items()}
        head = parts[0]
        if head not in members:
            problems.append("%s: %s has no member %s" % (key, shape.name, head))
            return
        check_value(members[head], key, parts[1:], value, problems)
    elif t == "list":
        if not parts or not parts[0].isdigit() or int(parts[0]) < 1:
            problems.append("%s: a list needs an index from 1" % key)
            return
        check_value(shape.member, key, parts[1:], value, problems)
    elif parts:
        problems.append("%s: %s is a %s, not a structure" % (key, shape.name, t))
    elif t in ("integer", "long"):
        try:
            int(value)
        except ValueError:
            problems.append("%s: %r is not an integer" % (key, value))
    elif t == "boolean":
        if value not in ("true", "false"):
            problems.append("%s: %r is not a boolean" % (key, value))
    elif t == "double" or t == "float":
        try:
            float(value)
        except ValueError:
            problems.append("%s: %r is not a number" % (key, value))


def check_ec2(body):
    params = urllib.parse.parse_qs(body, keep_blank_values=True)
    action = params.pop("Action", [""])[0]
    params.pop("Version", None)
    problems = []
    if action not in MODEL.operation_names:
        return action, ["unknown operation %r" % action]
    shape = MODEL.operation_model(action).input_shape
    members = {serialized_name(n, m): (n, m) for n, m in shape.members.items()}
    present = set()
    for key, values in params.items():
        parts = key.split(".")
        if parts[0] not in members:
            problems.append("%s: %s has no parameter %s" % (action, action, parts[0]))
            continue
        name, member = members[parts[0]]
        present.add(name)
        check_value(member, "%s %s" % (action, key), parts[1:], values[0], problems)
    for req in shape.required_members:
        if req not in present:
            problems.append("%s: required %s is missing" % (action, req))
    return action, problems


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("proxy: " + (fmt % args) + "\n")

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def control(self, body):
        global FAULTS
        if self.command == "POST" and self.path == "/__proxy/faults":
            with LOCK:
                FAULTS = json.loads(body or b"[]")
            return self.reply(204)
        if self.command == "POST" and self.path == "/__proxy/clear":
            with LOCK:
                del LOG[:]
                del VIOLATIONS[:]
            return self.reply(204)
        if self.path == "/__proxy/log":
            with LOCK:
                return self.reply(200, json.dumps(LOG).encode(), {"Content-Type": "application/json"})
        if self.path == "/__proxy/violations":
            with LOCK:
                return self.reply(200, json.dumps(VIOLATIONS).encode(), {"Content-Type": "application/json"})
        return self.reply(404)

    def fault_for(self, action):
        line = self.command + " " + self.path
        with LOCK:
            for f in FAULTS:
                m = f.get("match", "")
                if f.get("times", 1) > 0 and (m == action or (m and line.startswith(m))):
                    f["times"] = f.get("times", 1) - 1
                    return dict(f)
        return None

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/__proxy/"):
            return self.control(body)
        action = ""
        if MODEL is not None and self.command == "POST":
            action, problems = check_ec2(body.decode())
            if problems:
                with LOCK:
                    VIOLATIONS.extend(problems)
        fault = self.fault_for(action)
        if fault and fault.get("do") == "status":
            return self.reply(fault.get("status", 500), fault.get("body", "").encode(), fault.get("headers", {}))
        if fault and fault.get("do") == "hang":
            time.sleep(float(fault.get("seconds", 30)))
        with LOCK:
            LOG.append(action or (self.command + " " + self.path))
        up = urllib.parse.urlsplit(UPSTREAM)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        headers["Host"] = self.headers.get("Host", "")
        conn.request(self.command, self.path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        if fault and fault.get("do") == "drop":
            self.close_connection = True
            return  # the upstream acted; the caller never hears of it
        out = {k: v for k, v in r.getheaders() if k.lower() not in ("content-length", "transfer-encoding", "connection")}
        self.reply(r.status, data, out)

    do_GET = do_POST = do_DELETE = do_PUT = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


if __name__ == "__main__":
    port_file, UPSTREAM = sys.argv[1], sys.argv[2].rstrip("/")
    if "--ec2-model" in sys.argv:
        MODEL = load_model()
    srv = Server(("127.0.0.1", 0), Handler)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(port_file + ".tmp", port_file)
    srv.serve_forever()
