#!/usr/bin/env python3
"""Captures what real peers answer to the health prober's own requests and writes them as seeds
of the sip_response and stun_response fuzz targets (tests/fuzz/corpus/<target>/peer_*):

- Kamailio (tests/peers/kamailio) over UDP and TCP: 200 to OPTIONS, 404 to another method;
- tests/peers/sip_responder over TCP: 200, 486, 100 Trying + 200, 503 with Retry-After, and
  maintenance mode switched off and on with SIGUSR1;
- coturn's turnserver (tests/peers/stun) over UDP and TCP: a Binding success and an error.

The requests are built as server/health/probe builds them (build_options_request,
build_stun_binding_request). In SIP replies the request's Via branch and Call-ID become the
placeholders $BRANCH and $CALLID, which the target replaces with its probe's own.
Peers listen on 127.0.0.50-127.0.0.52 on free ports, every wait is bounded, and each peer is
stopped by the PID this script started (Kamailio: its process group, it forks workers).

  tests/fuzz/capture_peer_seeds.py [--sip-responder build/tests/peers/sip_responder/sip_responder]
"""
import argparse
import os
import pathlib
import random
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
KAMAILIO_IP, RESPONDER_IP, STUN_IP = "127.0.0.50", "127.0.0.51", "127.0.0.52"
CLIENT_IP = "127.0.0.53"
WAIT = 10.0  # seconds for a peer to come up or a log line to appear
REPLY = 2.0  # seconds for one reply
MAGIC = 0x2112A442


def free_port(ip, span=1):
    """A port (and the `span - 1` after it) free on UDP and TCP at ip."""
    for _ in range(100):
        port = random.randrange(20000, 60000)
        socks = []
        try:
            for p in range(port, port + span):
                for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                    s = socket.socket(socket.AF_INET, kind)
                    socks.append(s)
                    s.bind((ip, p))
            return port
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    sys.exit("capture: no free port")


def options(method, ip, port, transport, local, ids):
    """The prober's OPTIONS (server/health/probe/sip_options.cpp build_options_request)."""
    branch, tag, call_id = ids
    me = f"{local[0]}:{local[1]}"
    t = transport.lower()
    via = f"Via: SIP/2.0/{transport} {me};branch={branch}" + (";rport" if t == "udp" else "")
    return (f"{method} sip:peer.fuzz.test:{port};transport={t} SIP/2.0\r\n{via}\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:sipdns-probe@{local[0]}>;tag={tag}\r\nTo: <sip:peer.fuzz.test>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: 1 {method}\r\n"
            f"Contact: <sip:sipdns-probe@{me};transport={t}>\r\n"
            "Accept: application/sdp\r\nUser-Agent: sipdns/capture\r\n"
            "Content-Length: 0\r\n\r\n").encode()


def new_ids():
    h = lambda n: "".join(random.choice("0123456789abcdef") for _ in range(n))  # noqa: E731
    return "z9hG4bK" + h(24), h(12), h(32) + "@" + CLIENT_IP


def placeholders(reply, ids):
    return reply.replace(ids[0].encode(), b"$BRANCH").replace(ids[2].encode(), b"$CALLID")


def sip_complete(data, finals):
    """True once `finals` final (>= 200) responses are framed in data (Content-Length framing)."""
    seen = 0
    while True:
        data = data.lstrip(b"\r\n")
        end = data.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = data[:end].decode("latin-1")
        length = 0
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() in ("content-length", "l"):
                length = int(value.strip() or 0)
        if len(data) < end + 4 + length:
            return False
        if not head.startswith("SIP/2.0 1"):
            seen += 1
        if seen >= finals:
            return True
        data = data[end + 4 + length:]


def sip_udp(ip, port, method="OPTIONS"):
    ids = new_ids()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((CLIENT_IP, 0))
        s.settimeout(REPLY)
        s.sendto(options(method, ip, port, "UDP", s.getsockname(), ids), (ip, port))
        return placeholders(s.recvfrom(65535)[0], ids)


def sip_tcp(ip, port, method="OPTIONS", finals=1):
    ids = new_ids()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((CLIENT_IP, 0))
        s.settimeout(REPLY)
        s.connect((ip, port))
        s.sendall(options(method, ip, port, "TCP", s.getsockname(), ids))
        data = b""
        deadline = time.monotonic() + WAIT
        while not sip_complete(data, finals) and time.monotonic() < deadline:
            chunk = s.recv(65535)
            if not chunk:
                break
            data += chunk
        if not sip_complete(data, finals):
            sys.exit(f"capture: incomplete SIP reply from {ip}:{port}: {data!r}")
        return placeholders(data, ids)


def stun_request(tid, attrs=b"", mtype=0x0001):
    return struct.pack(">HHI", mtype, len(attrs), MAGIC) + tid + attrs


def stun_udp(ip, port, request):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((CLIENT_IP, 0))
        s.settimeout(REPLY)
        s.sendto(request, (ip, port))
        return s.recvfrom(65535)[0]


def stun_tcp(ip, port, request):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((CLIENT_IP, 0))
        s.settimeout(REPLY)
        s.connect((ip, port))
        s.sendall(request)
        data = b""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if len(data) >= 20 and len(data) >= 20 + struct.unpack(">H", data[2:4])[0]:
                return data
            chunk = s.recv(65535)
            if not chunk:
                break
            data += chunk
        sys.exit(f"capture: incomplete STUN reply from {ip}:{port}: {data!r}")


def until(what, probe):
    """Retries probe() (bounded by WAIT) until it returns without an OSError."""
    deadline = time.monotonic() + WAIT
    while True:
        try:
            return probe()
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"capture: {what} did not come up within {WAIT:.0f}s")
            time.sleep(0.1)


class peer:
    """A process started here and stopped by its PID (by its process group: Kamailio forks)."""

    def __init__(self, argv, log):
        self.log = open(log, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=WAIT)
        self.log.close()


def wait_for_line(path, text):
    deadline = time.monotonic() + WAIT
    while text not in pathlib.Path(path).read_text(errors="replace"):
        if time.monotonic() > deadline:
            sys.exit(f"capture: no '{text}' in {path} within {WAIT:.0f}s")
        time.sleep(0.05)


def capture_kamailio(tmp, seeds):
    port = free_port(KAMAILIO_IP)
    p = peer([str(ROOT / "tests/peers/kamailio/start.sh"), KAMAILIO_IP, f"{tmp}/kamailio",
              str(port)], f"{tmp}/kamailio.log")
    try:
        seeds["peer_kamailio_udp_200"] = until("kamailio", lambda: sip_udp(KAMAILIO_IP, port))
        seeds["peer_kamailio_tcp_200"] = until("kamailio tcp", lambda: sip_tcp(KAMAILIO_IP, port))
        seeds["peer_kamailio_udp_404"] = sip_udp(KAMAILIO_IP, port, "INFO")
        seeds["peer_kamailio_tcp_404"] = sip_tcp(KAMAILIO_IP, port, "INFO")
    finally:
        p.stop()


def capture_responder(tmp, binary, seeds):
    def run(name, *args, finals=1, toggle=False):
        port_file = f"{tmp}/{name}.port"
        log = f"{tmp}/{name}.log"
        p = peer([binary, "--listen", f"{RESPONDER_IP}:0", "--transport", "tcp",
                  "--port-file", port_file, *args], log)
        try:
            until(f"sip_responder {name}",
                  lambda: int(pathlib.Path(port_file).read_text()) or None)
            port = int(pathlib.Path(port_file).read_text())
            seeds[f"peer_responder_{name}"] = sip_tcp(RESPONDER_IP, port, finals=finals)
            if toggle:  # maintenance mode off (200), then on again (503 + Retry-After)
                p.signal(signal.SIGUSR1)
                wait_for_line(log, "now answering 200")
                seeds[f"peer_responder_{name}_off"] = sip_tcp(RESPONDER_IP, port)
                p.signal(signal.SIGUSR1)
                wait_for_line(log, "now answering 503")
                seeds[f"peer_responder_{name}_on"] = sip_tcp(RESPONDER_IP, port)
        finally:
            p.stop()

    run("200", "--code", "200")
    run("486", "--code", "486")
    run("trying_200", "--code", "200", "--trying")
    run("503_retry_after", "--code", "503", "--retry-after", "30")
    run("503", "--code", "503")
    run("maintenance", "--code", "503", "--retry-after", "120", toggle=True)


def capture_coturn(tmp, seeds):
    port = free_port(STUN_IP, span=2)  # coturn also takes port + 1
    p = peer(["sh", str(ROOT / "tests/peers/stun/run_turnserver.sh"), STUN_IP, str(port),
              f"{tmp}/coturn"], f"{tmp}/coturn.log")
    try:
        tid = bytes(range(1, 13))
        binding = stun_request(tid)
        seeds["peer_coturn_udp_success"] = until("coturn", lambda: stun_udp(STUN_IP, port, binding))
        seeds["peer_coturn_tcp_success"] = until("coturn tcp",
                                                 lambda: stun_tcp(STUN_IP, port, binding))
        # A comprehension-required attribute coturn does not know: 420 (RFC 5389 section 7.3.1).
        unknown = stun_request(tid, struct.pack(">HH", 0x7777, 4) + b"abcd")
        seeds["peer_coturn_udp_error"] = stun_udp(STUN_IP, port, unknown)
        seeds["peer_coturn_tcp_error"] = stun_tcp(STUN_IP, port, unknown)
    finally:
        p.stop()


def write(target, seeds, header):
    d = HERE / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    for old in d.glob("peer_*"):
        old.unlink()
    for name, data in seeds.items():
        (d / name).write_bytes(header(name) + data)
        print(f"capture: {target}/{name} ({len(data)} bytes)", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sip-responder",
                    default=str(ROOT / "build/tests/peers/sip_responder/sip_responder"))
    args = ap.parse_args()
    if not os.access(args.sip_responder, os.X_OK):
        sys.exit(f"capture: build sip_responder first ({args.sip_responder})")
    random.seed(5060)
    sip, stun = {}, {}
    with tempfile.TemporaryDirectory(prefix="sipdns-capture-") as tmp:
        capture_kamailio(tmp, sip)
        capture_responder(tmp, args.sip_responder, sip)
        capture_coturn(tmp, stun)
    # Input header: 2 chunk-seed bytes, then the up_codes choice (SIP) or which frames carry
    # the probe's transaction ID (STUN: all of them; the "_foreign" copies none).
    write("sip_response", sip, lambda n: bytes([len(n), 0x17, 0]))
    stun.update({k + "_foreign": v for k, v in list(stun.items())})
    write("stun_response", stun,
          lambda n: bytes([len(n), 0x35, 0 if n.endswith("_foreign") else 0xff]))


if __name__ == "__main__":
    main()
