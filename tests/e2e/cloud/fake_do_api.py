#!/usr/bin/env python3
"""A loopback stand-in for the DigitalOcean API v2 droplet endpoints, for the
e2e test of CurlHttpClient and DigitalOceanProvider. Usage:
fake_do_api.py PORT_FILE TOKEN. Listens on 127.0.0.1 (an ephemeral port,
written to PORT_FILE); a droplet turns "active" on its third GET."""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

PORT_FILE, TOKEN = sys.argv[1], sys.argv[2]
droplets = {}
polls = {}


class Api(BaseHTTPRequestHandler):
    def reply(self, status, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorized(self):
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            self.reply(401, {"id": "unauthorized", "message": "Unable to authenticate you"})
            return False
        return True

    def do_POST(self):
        if not self.authorized():
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        if body.get("size") == "s-16vcpu-64gb":
            return self.reply(422, {"id": "unprocessable_entity", "message": "Size is not available in this region."})
        did = 1000 + len(droplets)
        droplets[did] = {"id": did, "name": body["name"], "status": "new", "memory": 1024, "vcpus": 1,
                         "tags": body["tags"], "networks": {"v4": []}}
        polls[did] = 0
        self.reply(202, {"droplet": droplets[did]})

    def do_GET(self):
        if not self.authorized():
            return
        url = urlparse(self.path)
        if url.path == "/v2/droplets":
            tag = parse_qs(url.query).get("tag_name", [""])[0]
            return self.reply(200, {"droplets": [d for d in droplets.values() if tag in d["tags"]],
                                    "links": {}, "meta": {"total": len(droplets)}})
        did = int(url.path.rsplit("/", 1)[1])
        if did not in droplets:
            return self.reply(404, {"id": "not_found", "message": "The resource you requested could not be found."})
        polls[did] += 1
        if polls[did] >= 3:
            droplets[did]["status"] = "active"
            droplets[did]["networks"]["v4"] = [{"ip_address": "127.0.0.1", "type": "public"}]
        self.reply(200, {"droplet": droplets[did]})

    def do_DELETE(self):
        if not self.authorized():
            return
        did = int(self.path.rsplit("/", 1)[1])
        if droplets.pop(did, None) is None:
            return self.reply(404, {"id": "not_found", "message": "The resource you requested could not be found."})
        self.reply(204)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
