#!/usr/bin/env python3
"""notify-listen.py SOCKET OUT: a stand-in for systemd's notification
socket. Appends each datagram (sd_notify message) as one line to OUT."""
import os, socket, sys

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "a", buffering=1) as f:
    print("LISTENING", file=f)
    while True:
        data = s.recv(65536)
        f.write(data.decode(errors="replace").replace("\n", " | ") + "\n")
