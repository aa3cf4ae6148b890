#!/usr/bin/env python3
"""A counting TCP relay for bench/wire_bytes.sh (stdlib only).

Listens on 127.0.0.1:LISTEN_PORT, forwards every accepted connection to
TARGET (a port on 127.0.0.1, or HOST:PORT) and counts the bytes going
each way. On SIGTERM or
SIGINT it writes one JSON line to STATS_FILE and exits:

    {"connections": N, "to_target": BYTES, "from_target": BYTES}

"to_target" is what the client (the controller) sent, "from_target" what
the server (sshd) sent back: the TCP payload of the SSH connection, i.e.
everything on the wire above TCP/IP headers. It only ever connects to the
one address it is given.

Usage: wire_relay.py LISTEN_PORT TARGET STATS_FILE
"""

import json
import signal
import socket
import sys
import threading

lock = threading.Lock()
totals = {"connections": 0, "to_target": 0, "from_target": 0}


def pump(src, dst, key):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
            with lock:
                totals[key] += len(data)
    except OSError:
        pass
    finally:
        # Half-close so the other direction can finish, as a plain TCP
        # connection would.
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def parse_target(text):
    """PORT (on 127.0.0.1) or HOST:PORT."""
    host, _, port = text.rpartition(":")
    return (host or "127.0.0.1", int(port))


def serve(client, target):
    try:
        upstream = socket.create_connection(target)
    except OSError:
        client.close()
        return
    for s in (client, upstream):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    with lock:
        totals["connections"] += 1
    a = threading.Thread(target=pump, args=(client, upstream, "to_target"), daemon=True)
    b = threading.Thread(target=pump, args=(upstream, client, "from_target"), daemon=True)
    a.start()
    b.start()


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    listen_port, target, stats_file = int(sys.argv[1]), parse_target(sys.argv[2]), sys.argv[3]

    def stop(signum, frame):
        with lock:
            line = json.dumps(totals)
        with open(stats_file, "w") as f:
            f.write(line + "\n")
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", listen_port))
    server.listen(64)
    print("ready", flush=True)
    while True:
        client, _ = server.accept()
        threading.Thread(target=serve, args=(client, target), daemon=True).start()


if __name__ == "__main__":
    main()
