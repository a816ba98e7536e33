"""Ports for the Python benches (bench/*.py)."""
import random
import socket


def free_port():
    """A port of 127.0.0.1 free for UDP and TCP below the ephemeral range, which thousands of
    probe connections use (a server on an ephemeral port could find its TCP port taken).
    None when 200 tries found none."""
    for _ in range(200):
        port = random.randrange(20000, 32000)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, \
                    socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                u.bind(("127.0.0.1", port))
                t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
    return None
