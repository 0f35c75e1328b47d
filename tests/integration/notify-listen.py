#!/usr/bin/env python3
"""notify-listen.py SOCKET OUT [--stamp]: a stand-in for systemd's
notification socket. Appends each datagram (sd_notify message) as one line
to OUT; with --stamp, each line begins with CLOCK_MONOTONIC seconds at its
arrival."""
import os, socket, sys, time

path, out = sys.argv[1], sys.argv[2]
stamp = sys.argv[3:] == ["--stamp"]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "a", buffering=1) as f:
    print("LISTENING", file=f)
    while True:
        data = s.recv(65536)
        if stamp:
            f.write("%.6f " % time.monotonic())
        f.write(data.decode(errors="replace").replace("\n", " | ") + "\n")
