#!/usr/bin/env python3
"""Both ends of one TCP connection in this process, closed in a given order.

    tcp_close_orders.py HOST ORDER CLIENT_BYTES SERVER_BYTES

Each end sends its bytes and reads the other's in full before the close
(except half_close, where the server answers only after the client's EOF).
ORDER: client_first, server_first, simultaneous, reset (client SO_LINGER 0),
half_close (client shutdown(SHUT_WR), server reads to EOF, answers, closes),
held (both ends wait for SIGUSR1 after the exchange, then close: for a
sensor started in between), server_unread (the server closes with the client's bytes queued, unread:
the kernel answers with a reset), never_accepted (the listener is closed
with the connection still in its queue: no process ever owns that end),
reset_before_accept (the client resets the connection before the server accepts it).
Prints {"pid", "clientPort", "serverPort"} once connected and
{"done": true} when both ends are closed.
"""
import fcntl
import json
import os
import signal
import socket
import struct
import sys
import termios
import threading
import time

host, order, client_bytes, server_bytes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
family = socket.AF_INET6 if ':' in host else socket.AF_INET


def say(**kw):
    print(json.dumps({"pid": os.getpid(), **kw}), flush=True)


def read_exact(sock, n):
    got = 0
    while got < n:
        chunk = sock.recv(min(65536, n - got))
        if not chunk:
            raise SystemExit(f"EOF after {got} of {n} bytes")
        got += len(chunk)


def read_to_eof(sock):
    got = 0
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return got
            got += len(chunk)
    except ConnectionResetError:
        return got


listener = socket.socket(family, socket.SOCK_STREAM)
listener.bind((host, 0))
listener.listen(1)
client = socket.socket(family, socket.SOCK_STREAM)
client.connect(listener.getsockname()[:2])
if order == "never_accepted":
    # the handshake completes in the kernel; the listener is closed without accepting
    say(clientPort=client.getsockname()[1], serverPort=listener.getsockname()[1])
    client.sendall(b"c" * client_bytes)
    time.sleep(0.1)
    listener.close()
    read_to_eof(client)
    client.close()
    raise SystemExit(0)
if order == "reset_before_accept":
    # the client resets the connection while it waits in the queue; Linux still hands it to accept
    client_port = client.getsockname()[1]
    client.sendall(b"c" * client_bytes)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()
    time.sleep(0.1)
    server, _ = listener.accept()
    listener.close()
    say(clientPort=client_port, serverPort=server.getsockname()[1])
    read_to_eof(server)
    server.close()
    say(done=True)
    raise SystemExit(0)
server, _ = listener.accept()
listener.close()
say(clientPort=client.getsockname()[1], serverPort=server.getsockname()[1])

if order == "half_close":
    client.sendall(b"c" * client_bytes)
    client.shutdown(socket.SHUT_WR)
    assert read_to_eof(server) == client_bytes
    server.sendall(b"s" * server_bytes)
    server.close()
    assert read_to_eof(client) == server_bytes
    client.close()
elif order == "server_unread":
    client.sendall(b"c" * client_bytes)
    server.sendall(b"s" * server_bytes)
    read_exact(client, server_bytes)
    while struct.unpack("i", fcntl.ioctl(server, termios.FIONREAD, b"\0" * 4))[0] < client_bytes:
        time.sleep(0.001)
    server.close()
    read_to_eof(client)
    client.close()
else:
    client.sendall(b"c" * client_bytes)
    server.sendall(b"s" * server_bytes)
    read_exact(server, client_bytes)
    read_exact(client, server_bytes)
    if order == "client_first":
        client.close()
        assert read_to_eof(server) == 0
        server.close()
    elif order == "held":
        signal.signal(signal.SIGUSR1, lambda *_: None)
        say(holding=True)
        signal.pause()
        client.close()
        server.close()
    elif order == "server_first":
        server.close()
        assert read_to_eof(client) == 0
        client.close()
    elif order == "simultaneous":
        barrier = threading.Barrier(2)

        def close(sock):
            barrier.wait()
            sock.close()

        threads = [threading.Thread(target=close, args=(s,)) for s in (client, server)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    elif order == "reset":
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        read_to_eof(server)
        server.close()
    else:
        raise SystemExit(f"unknown order {order}")
say(done=True)
