#!/usr/bin/env python3
"""DNS latency at QPS queries a second while the --http endpoint is abused (bench/http_abuse.sh
runs it).

sipdnsd serves the bundled zones with --http on loopback. dnsperf sends QPS UDP queries a
second (SRV, NAPTR, A of uctest.local) in phases of SECONDS, quiet and abused in the order
quiet, abused, abused, quiet, ROUNDS times. While abused, one process (standing for clients on
other machines, so at nice 19: its own CPU is theirs) keeps IDLE connections open that never
send a byte (each re-opened when the server closes it at its 5 s deadline), SLOW clients that
send a byte of a request a second, and a loop of bad requests on fresh connections: unknown
paths (404), 16 KiB headers (431), POST (405), plus scrapes of /metrics and /status.json.
Reported: average latency and lost queries per phase, the ratio abused/quiet (target: within
10 %), and the HTTP statuses the abuser got (every bad request a clear error or a close).
Loopback only; every process stopped by PID; every loop bounded in time.
"""
import json
import os
import re
import resource
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import ports  # noqa: E402
import machine  # noqa: E402  (bench/lib/machine.py)

SIPDNSD = os.environ.get("SIPDNSD", "build/server/sipdnsd")
QPS = int(os.environ.get("QPS", "20000"))
SECONDS = int(os.environ.get("SECONDS", "15"))
ROUNDS = int(os.environ.get("ROUNDS", "2"))
IDLE = int(os.environ.get("IDLE", "1000"))
SLOW = int(os.environ.get("SLOW", "20"))
JSON_OUT = os.environ.get("HTTP_ABUSE_JSON", "bench/results/http_abuse.json")
BAD = [b"GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n",
       b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 16384 + b"\r\n\r\n",
       b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
       b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
       b"GET /status.json HTTP/1.1\r\nHost: x\r\n\r\n",
       b"\x16\x03\x01\x02\x00garbage\r\n\r\n"]


def abuse(http_port, seconds):
    """The abuser's loop (a child process): returns {status or 'closed': count}."""
    os.setpriority(os.PRIO_PROCESS, 0, 19)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, IDLE + SLOW + 256)), hard))
    sel = selectors.DefaultSelector()
    got = {}
    idle, slow = set(), {}

    def connect():
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", http_port))
        return s

    def tally(key):
        got[key] = got.get(key, 0) + 1

    end = time.monotonic() + seconds
    next_slow = time.monotonic()
    while time.monotonic() < end:
        while len(idle) < IDLE:  # idle ones: connected, nothing sent, re-opened when closed
            s = connect()
            idle.add(s)
            sel.register(s, selectors.EVENT_READ, "idle")
        while len(slow) < SLOW:
            s = connect()
            slow[s] = 0
            sel.register(s, selectors.EVENT_READ, "slow")
        if time.monotonic() >= next_slow:  # a byte of a request a second each
            next_slow += 1
            for s, n in list(slow.items()):
                try:
                    s.send(BAD[0][n:n + 1])
                    slow[s] = n + 1
                except OSError:
                    pass
        for req in BAD:  # one round of bad requests, each on a connection of its own
            try:
                with socket.create_connection(("127.0.0.1", http_port), timeout=2) as c:
                    c.sendall(req)
                    head = c.recv(64)
                m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
                tally(m.group(1).decode() if m else "closed")
            except OSError:
                tally("error")
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:  # closed by the server (deadline): open another
                tally("%s closed" % key.data)
                sel.unregister(s)
                s.close()
                (idle.discard(s) if key.data == "idle" else slow.pop(s, None))
    for s in list(idle) + list(slow):
        s.close()
    return got


def dnsperf(port, qfile):
    out = subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", qfile,
                          "-l", str(SECONDS), "-Q", str(QPS), "-c", "4", "-t", "2"],
                         capture_output=True, text=True, timeout=SECONDS + 60).stdout
    get = lambda pat: float(re.search(pat, out).group(1))
    return {"sent": get(r"Queries sent:\s+(\d+)"), "lost": get(r"Queries lost:\s+(\d+)"),
            "avg_latency_ms": round(get(r"Average Latency \(s\):\s+([0-9.]+)") * 1000, 4)}


def wait_ready(port, http_port, srv):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r = subprocess.run(["dig", "+short", "+time=1", "+tries=1", "-p", str(port),
                            "@127.0.0.1", "_sip._tcp.uctest.local", "SRV"],
                           capture_output=True, text=True)
        if r.stdout.strip() and "timed out" not in r.stdout:
            try:
                socket.create_connection(("127.0.0.1", http_port), timeout=1).close()
                return
            except OSError:
                pass
        if srv.poll() is not None:
            sys.exit("http_abuse: sipdnsd exited")
        time.sleep(0.2)
    sys.exit("http_abuse: sipdnsd did not answer within 60 s")


def phase(name, port, http_port, qfile):
    child = None
    if name == "abused":
        r, w = os.pipe()
        child = os.fork()
        if child == 0:  # the abuser: runs a little longer than dnsperf, reports, exits
            os.close(r)
            got = abuse(http_port, SECONDS + 2)
            os.write(w, json.dumps(got).encode())
            os._exit(0)
        os.close(w)
        time.sleep(1)  # its 1,000 connections open before the measurement starts
    res = dnsperf(port, qfile)
    res["phase"] = name
    if child:
        with os.fdopen(r) as f:
            res["http"] = json.loads(f.read() or "{}")
        os.waitpid(child, 0)
    print("  " + json.dumps(res), flush=True)
    return res


def main():
    work = tempfile.mkdtemp(prefix="sipdns-http-abuse-")
    qfile = os.path.join(work, "q.txt")
    with open(qfile, "w") as f:
        f.write("_sip._tcp.uctest.local SRV\nuctest.local NAPTR\nhabibexpc1.uctest.local A\n")
    port, http_port = ports.free_port(), ports.free_port()
    log = open(os.path.join(work, "sipdnsd.log"), "w")
    srv = subprocess.Popen([SIPDNSD, "--listen", "127.0.0.1:%d" % port, "--zones",
                            "zones/uctest.local.toml", "--http", "127.0.0.1:%d" % http_port],
                           stdout=log, stderr=log)
    try:
        wait_ready(port, http_port, srv)
        runs = [phase(p, port, http_port, qfile)
                for _ in range(ROUNDS) for p in ("quiet", "abused", "abused", "quiet")]
        if srv.poll() is not None:
            sys.exit("http_abuse: sipdnsd exited during the run")
    finally:
        srv.terminate()
        srv.wait(10)
    lat = {p: statistics.mean(r["avg_latency_ms"] for r in runs if r["phase"] == p)
           for p in ("quiet", "abused")}
    http = {}
    for r in runs:
        for k, v in r.get("http", {}).items():
            http[k] = http.get(k, 0) + v
    out = {"qps": QPS, "seconds": SECONDS, "rounds": ROUNDS, "idle": IDLE, "slow": SLOW,
           "avg_latency_ms": {k: round(v, 4) for k, v in lat.items()},
           "latency_ratio": round(lat["abused"] / lat["quiet"], 3),
           "lost": {p: sum(r["lost"] for r in runs if r["phase"] == p) for p in lat},
           "http_statuses": http, "phases": runs}
    print("latency %.4f ms quiet, %.4f ms abused: x%.3f (target <= 1.10); lost %s; HTTP %s" %
          (lat["quiet"], lat["abused"], out["latency_ratio"], out["lost"], http))
    out["machine"] = machine.machine()
    os.makedirs(os.path.dirname(JSON_OUT), exist_ok=True)
    with open(JSON_OUT, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
