# alerts-webhook.py DIR: an HTTP listener on a free loopback port for the
# alert tests.  Writes the port to DIR/port; each POST body to
# DIR/hook-N.json, each GET to DIR/ping-N.  The first POST is answered 500
# (the daemon must retry), later ones 200; DIR/refused counts refusals.
import http.server
import os
import sys

outdir = sys.argv[1]
state = {"post": 0, "get": 0, "refused": 0}


def put(name, data):
    tmp = os.path.join(outdir, "." + name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(outdir, name))


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        if state["refused"] == 0:
            state["refused"] += 1
            put("refused", b"%d\n" % state["refused"])
            self.send_response(500)
            self.end_headers()
            return
        state["post"] += 1
        put("hook-%d.json" % state["post"], body)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        state["get"] += 1
        put("ping-%d" % state["get"], self.path.encode())
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"OK")


srv = http.server.HTTPServer(("127.0.0.1", 0), H)
put("port", b"%d\n" % srv.server_address[1])
srv.serve_forever()
