#!/usr/bin/env python3
"""tasks_peer.py: the replaced service's design, simulated against the
emulator, for the benchmark's side-by-side comparison.

The old service: Cloud Scheduler at 03:00 -> a web app that creates one
Cloud Task per database at once -> each task calls the web app, which
starts the export and waits for its operation.  What is assumed here (the
old web app's source is not available):

  - every task is dispatched at once (Cloud Tasks' maxConcurrentDispatches
    is far above the fleet's count); discovery is not simulated (the peer
    gets the daemon's own list of targets), so its calls are not counted;
  - a task's handler calls sql.export; any non-2xx (409 instance busy, 429,
    5xx) fails the attempt, and Cloud Tasks retries it with its default
    queue retry schedule (shared/reference/gcp-api.md section 7): minBackoff
    0.1 s doubling at most 16 times, maxBackoff 3600 s, maxAttempts 100;
  - after an accepted export the handler polls operations.get every 10
    emulated seconds (the interval the web app used is unknown; 10 s is a
    common choice and what gcloud's wait settles at) until DONE; DONE with
    an error fails the attempt; a failed poll is simply polled again;
  - the handler's dispatchDeadline is the default 10 minutes: a handler
    still polling then counts as a failed attempt and is retried, its
    export going on in Cloud SQL (a retry meets 409 until it ends, then
    exports again under a new object name);
  - no verification of the object.

Time is emulated: the emulator's --time-scale maps it to real time.  Prints
one JSON object: makespan, attempts, calls, 409s and 429s seen.
"""
import argparse
import heapq
import http.client
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

MIN_BACKOFF = 0.1
MAX_BACKOFF = 3600.0
MAX_DOUBLINGS = 16
MAX_ATTEMPTS = 100
POLL_EVERY = 10.0
DEADLINE = 600.0


def backoff(retry):
    """Cloud Tasks' interval before retry number retry (1-based)."""
    if retry <= MAX_DOUBLINGS + 1:
        d = MIN_BACKOFF * (2 ** (retry - 1))
    else:
        d = MIN_BACKOFF * (2 ** MAX_DOUBLINGS) * (retry - MAX_DOUBLINGS)
    return min(d, MAX_BACKOFF)


class Peer:
    def __init__(self, port, token, scale, bucket, threads):
        self.port = port
        self.token = token
        self.scale = scale
        self.bucket = bucket
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(max_workers=threads)
        self.lock = threading.Lock()
        self.heap = []
        self.seq = 0
        self.cond = threading.Condition(self.lock)
        self.pending = 0
        self.t0 = time.monotonic()
        self.calls = {}
        self.status = {}

    def now(self):
        """Emulated seconds since the start."""
        return (time.monotonic() - self.t0) * self.scale

    def at(self, t, fn, *args):
        with self.cond:
            self.seq += 1
            heapq.heappush(self.heap, (t, self.seq, fn, args))
            self.cond.notify()

    def request(self, kind, method, path, body=None):
        c = getattr(self.local, "conn", None)
        if c is None:
            c = http.client.HTTPConnection("127.0.0.1", self.port,
                                           timeout=60)
            self.local.conn = c
        hdr = {"Authorization": "Bearer " + self.token}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdr["Content-Type"] = "application/json"
        try:
            c.request(method, path, body=data, headers=hdr)
            r = c.getresponse()
            payload = r.read()
            st = r.status
        except (OSError, http.client.HTTPException):
            self.local.conn = None
            st, payload = 0, b""
        with self.lock:
            self.calls[kind] = self.calls.get(kind, 0) + 1
            self.status[st] = self.status.get(st, 0) + 1
        try:
            return st, json.loads(payload) if payload else {}
        except ValueError:
            return st, {}


class Task:
    def __init__(self, peer, project, instance, database):
        self.p = peer
        self.project = project
        self.instance = instance
        self.database = database
        self.attempts = 0
        self.first = None
        self.done_at = None
        self.failed = False
        self.exports = 0

    def dispatch(self):
        p = self.p
        self.attempts += 1
        start = p.now()
        if self.first is None:
            self.first = start
        obj = "%s/%s/%s/%d.sql.gz" % (self.project, self.instance,
                                      self.database, self.attempts)
        body = {"exportContext": {"kind": "sql#exportContext",
                                  "fileType": "SQL",
                                  "uri": "gs://%s/%s" % (p.bucket, obj),
                                  "databases": [self.database]}}
        st, js = p.request("export", "POST", "/v1/projects/%s/instances/%s/"
                           "export" % (self.project, self.instance), body)
        if st != 200:
            return self.fail()
        self.exports += 1
        op = js.get("name", "")
        p.at(p.now() + POLL_EVERY, self.poll, op, start)

    def poll(self, op, start):
        p = self.p
        if p.now() - start > DEADLINE:
            return self.fail()	# the handler's dispatch deadline
        st, js = p.request("poll", "GET", "/v1/projects/%s/operations/%s" %
                           (self.project, op))
        if st == 200 and js.get("status") == "DONE":
            if js.get("error"):
                return self.fail()
            self.done_at = p.now()
            return
        p.at(p.now() + POLL_EVERY, self.poll, op, start)

    def fail(self):
        if self.attempts >= MAX_ATTEMPTS:
            self.failed = True
            return
        self.p.at(self.p.now() + backoff(self.attempts), self.dispatch)


def run(args):
    targets = [l.split("/") for l in open(args.targets).read().split()]
    p = Peer(args.port, args.token, args.scale, args.bucket, args.threads)
    tasks = [Task(p, *t) for t in targets]
    for t in tasks:
        p.at(0.0, t.dispatch)
    active = [0]

    def wrap(fn, a):
        try:
            fn(*a)
        finally:
            with p.cond:
                active[0] -= 1
                p.cond.notify()

    while True:
        with p.cond:
            while True:
                if not p.heap and active[0] == 0:
                    break
                if p.heap and p.heap[0][0] <= p.now():
                    break
                wait = None
                if p.heap:
                    wait = (p.heap[0][0] - p.now()) / p.scale
                p.cond.wait(timeout=wait if wait is None else
                            max(wait, 0.0005))
            if not p.heap:
                break
            t, _, fn, a = heapq.heappop(p.heap)
            active[0] += 1
        p.pool.submit(wrap, fn, a)
    p.pool.shutdown()
    ends = [t.done_at for t in tasks if t.done_at is not None]
    out = {
        "targets": len(tasks),
        "succeeded": len(ends),
        "failed": sum(1 for t in tasks if t.done_at is None),
        "makespan_s": max(ends) if ends else None,
        "attempts": sum(t.attempts for t in tasks),
        "exports_accepted": sum(t.exports for t in tasks),
        "duplicate_exports": sum(max(t.exports - 1, 0) for t in tasks),
        "calls": p.calls,
        "status": {str(k): v for k, v in p.status.items()},
    }
    json.dump(out, sys.stdout)
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--scale", type=float, required=True)
    ap.add_argument("--bucket", required=True)
    ap.add_argument("--targets", required=True,
                    help="file: project/instance/database per line")
    ap.add_argument("--threads", type=int, default=64)
    run(ap.parse_args())


if __name__ == "__main__":
    main()
