#!/usr/bin/env python3
"""One TCP connection per SIGUSR1, twice, then exit: the same program run
seen by two receivers, one after the other.

    connect_twice.py HOST PORT      prints {"pid"} at once, {"connected": n} after each
"""
import json
import os
import signal
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
signal.signal(signal.SIGUSR1, lambda *_: None)
print(json.dumps({"pid": os.getpid()}), flush=True)
for n in (1, 2):
    signal.pause()
    socket.create_connection((host, port)).close()
    print(json.dumps({"pid": os.getpid(), "connected": n}), flush=True)
