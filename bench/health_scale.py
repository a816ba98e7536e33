#!/usr/bin/env python3
"""Health at scale: failover and cost of a health change in a 1,000,000-record zone, side by
side with a small zone, and flapping peers under query load (bench/health_scale.sh runs it).

Two sipdnsd serve the same CLUSTERS health-checked clusters (two peers each, TCP probes at
the default timings), one with RECORDS plain A records beside them (big), one without
(small). Both probe the same listeners, one per peer address (127.20.x.y, a port of
127.0.0.0/8 chosen free), which this script opens and closes. Only loopback addresses are
ever used; every wait is bounded; every process is stopped by PID.

failover: RUNS times, close the listener of one peer of a random cluster, at a random phase
  of the probe interval, and poll both servers' _sip._tcp SRV (every 10 ms, UDP) until the
  peer is gone; then open it again and wait until it is back. Also reads each server's log:
  "event=in_service generation=G after_verdict_ms=X build_cpu_ms=Y".
flap: FLAP_CLUSTERS clusters' first peers flap (listener closed and opened every second) for
  FLAP_SECONDS while dnsperf sends QPS queries per second to the big server, and the same
  without flapping, in the order steady, flapping, flapping, steady; meanwhile a checker asks SOA, SRV, A, SOA of flapping clusters and, when
  both SOA serials agree (one version), checks that every SRV target's peer is in the
  round-robin A answer and the other way round.
"""
import json
import os
import random
import re
import selectors
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import ports  # noqa: E402  (bench/lib/ports.py)
import machine  # noqa: E402  (bench/lib/machine.py)

SIPDNSD = os.environ.get("SIPDNSD", "build/server/sipdnsd")
RECORDS = int(os.environ.get("RECORDS", "1000000"))
CLUSTERS = int(os.environ.get("CLUSTERS", "400"))
RUNS = min(int(os.environ.get("RUNS", "30")), 200)
FLAP_CLUSTERS = int(os.environ.get("FLAP_CLUSTERS", "100"))
FLAP_SECONDS = min(int(os.environ.get("FLAP_SECONDS", "60")), 600)  # per phase; four phases
QPS = int(os.environ.get("QPS", "20000"))
MODE = os.environ.get("MODE", "all")  # failover, flap or all
JSON_OUT = os.environ.get("HEALTH_SCALE_JSON", "bench/results/health_scale.json")
ZONE = "big.test"


def free_port():
    port = ports.free_port()
    return port if port else sys.exit("health_scale: no free port")


def peer_addr(c, p):
    k = c * 2 + p
    return "127.20.%d.%d" % (k // 200, k % 200 + 10)


def write_zone(path, records, probe_port):
    with open(path, "w") as f:
        f.write('[zone]\norigin = "%s"\nttl = 3600\n' % ZONE)
        f.write('soa = { mname = "ns1", rname = "hostmaster", serial = 1 }\nns = ["ns1"]\n')
        f.write('records = [\n  "ns1 A 127.0.0.1",\n')
        for i in range(records):
            f.write('  "h%d A 10.%d.%d.%d",\n' % (i, i >> 16 & 255, i >> 8 & 255, i & 255))
        f.write("]\n")
        for c in range(CLUSTERS):
            f.write('\n[[cluster]]\nname = "rr%d"\nsrv_owner = "c%d"\n' % (c, c))
            f.write('services = ["sip+tcp"]\npeers = [\n')
            for p in range(2):
                f.write('  { host = "p%d-%d", ipv4 = "%s" },\n' % (c, p, peer_addr(c, p)))
            f.write("]\n[cluster.health]\nprobe = \"tcp\"\nport = %d\n" % probe_port)


class listeners:
    """One TCP listener per peer address; connections are accepted and closed at once."""

    def __init__(self, port):
        self.port, self.socks, self.lock = port, {}, threading.Lock()
        self.sel = selectors.DefaultSelector()
        self.stop = False
        r, w = socket.socketpair()
        self.wake_r, self.wake_w = r, w
        self.sel.register(r, selectors.EVENT_READ, None)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def open(self, addr):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, self.port))
        s.listen(512)
        s.setblocking(False)
        with self.lock:
            self.socks[addr] = s
            self.sel.register(s, selectors.EVENT_READ, addr)
        self.wake_w.send(b"x")

    def close(self, addr):
        with self.lock:
            s = self.socks.pop(addr)
            self.sel.unregister(s)
            s.close()  # pending connections are reset; new ones refused

    def run(self):
        while not self.stop:
            for key, _ in self.sel.select(0.5):
                if key.data is None:
                    key.fileobj.recv(4096)
                    continue
                with self.lock:
                    if key.data not in self.socks:
                        continue
                    try:
                        while True:
                            conn, _ = key.fileobj.accept()
                            conn.close()
                    except (BlockingIOError, OSError):
                        pass


def query(port, name, qtype, timeout=0.5):
    """One UDP query to 127.0.0.1; returns the response bytes or None."""
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", qtype, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(q, ("127.0.0.1", port))
        try:
            data = s.recv(65535)
        except socket.timeout:
            return None
    return data if data[:2] == q[:2] else None


def read_name(msg, pos):
    labels, jumped, end = [], False, pos
    for _ in range(128):
        n = msg[pos]
        if n >= 0xC0:
            if not jumped:
                end = pos + 2
            pos, jumped = (n & 0x3F) << 8 | msg[pos + 1], True
            continue
        if n == 0:
            return ".".join(labels) + ".", (end if jumped else pos + 1)
        labels.append(msg[pos + 1:pos + 1 + n].decode())
        pos += 1 + n
    raise ValueError("name loop")


def answers(msg):
    """[(type, rdata-as-text)] of the answer section: SRV target, A address, SOA serial."""
    if msg is None:
        return None
    qd, an = struct.unpack(">HH", msg[4:8])
    pos = 12
    for _ in range(qd):
        pos = read_name(msg, pos)[1] + 4
    out = []
    for _ in range(an):
        pos = read_name(msg, pos)[1]
        t, _, _, rdlen = struct.unpack(">HHIH", msg[pos:pos + 10])
        rd = pos + 10
        if t == 33:
            out.append((t, read_name(msg, rd + 6)[0]))
        elif t == 1:
            out.append((t, socket.inet_ntoa(msg[rd:rd + 4])))
        elif t == 6:
            rd = read_name(msg, read_name(msg, rd)[1])[1]
            out.append((t, struct.unpack(">I", msg[rd:rd + 4])[0]))
        pos = rd + rdlen if t != 6 else pos + 10 + rdlen
    return out


def srv_targets(port, c):
    a = answers(query(port, "_sip._tcp.c%d.%s" % (c, ZONE), 33))
    return None if a is None else {v for t, v in a if t == 33}


class server:
    def __init__(self, name, zone_dir, workdir):
        self.name, self.port = name, free_port()
        self.log = os.path.join(workdir, name + ".log")
        self.proc = subprocess.Popen(
            [SIPDNSD, "--listen", "127.0.0.1:%d" % self.port, "--zones", zone_dir],
            stdout=subprocess.DEVNULL, stderr=open(self.log, "w"), start_new_session=True)

    def wait_ready(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit("health_scale: %s exited; see %s" % (self.name, self.log))
            if answers(query(self.port, ZONE, 6, 0.2)):
                return
            time.sleep(0.05)
        sys.exit("health_scale: %s not serving after %d s" % (self.name, seconds))

    def in_service(self):
        """(ms after the verdict, build ms CPU) of every health version logged so far."""
        pat = re.compile(r" event=in_service generation=[0-9]+ after_verdict_ms=([0-9.]+) build_cpu_ms=([0-9.]+)")
        with open(self.log) as f:
            return [(float(m.group(1)), float(m.group(2))) for m in pat.finditer(f.read())]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def poll(fn, seconds, every=0.01):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if fn():
            return True
        time.sleep(every)
    return False


def summary(values):
    if not values:
        return {}
    v = sorted(values)
    return {"median": round(statistics.median(v), 2), "p90": round(v[int(0.9 * (len(v) - 1))], 2),
            "max": round(v[-1], 2), "min": round(v[0], 2), "n": len(v)}


def failover(servers, peers):
    """RUNS kills of one peer; ms until each server's SRV drops it, and until it is back."""
    gone = {s.name: [] for s in servers}
    back = {s.name: [] for s in servers}
    rng = random.Random(11)
    for run in range(RUNS):
        c = rng.randrange(CLUSTERS)
        victim, host = peer_addr(c, 0), "p%d-0.%s." % (c, ZONE)
        time.sleep(rng.uniform(0, 1.0))  # another phase of the probe interval each run
        t0 = time.monotonic()
        peers.close(victim)
        pending = set(s.name for s in servers)
        while pending and time.monotonic() - t0 < 10:
            for s in servers:
                t = srv_targets(s.port, c) if s.name in pending else None
                if t is not None and host not in t:
                    gone[s.name].append((time.monotonic() - t0) * 1000)
                    pending.discard(s.name)
            time.sleep(0.01)
        if pending:
            sys.exit("health_scale: run %d: %s still lists %s after 10 s" % (run, pending, host))
        t1 = time.monotonic()
        peers.open(victim)
        for s in servers:
            if not poll(lambda: host in (srv_targets(s.port, c) or set()), 10):
                sys.exit("health_scale: run %d: %s does not list %s again" % (run, s.name, host))
            back[s.name].append((time.monotonic() - t1) * 1000)
        print("  run %2d: cluster c%-3d gone after %s" % (run + 1, c, ", ".join(
            "%s %.0f ms" % (s.name, gone[s.name][-1]) for s in servers)), flush=True)
    return gone, back


def consistent(port, c):
    """None when the versions changed in between, else whether SRV and A agree."""
    s1 = answers(query(port, ZONE, 6))
    srv = answers(query(port, "_sip._tcp.c%d.%s" % (c, ZONE), 33))
    a = answers(query(port, "rr%d.%s" % (c, ZONE), 1))
    s2 = answers(query(port, ZONE, 6))
    if None in (s1, srv, a, s2) or s1 != s2:
        return None
    hosts = {v for t, v in srv if t == 33}
    addrs = {v for t, v in a if t == 1}
    want = {peer_addr(c, int(h.split(".")[0].split("-")[1])) for h in hosts}
    return want == addrs


def dnsperf(port, seconds, qfile):
    out = subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", qfile, "-l",
                          str(seconds), "-Q", str(QPS), "-c", "4", "-t", "2"],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    get = lambda pat: float(re.search(pat, out).group(1))
    return {"sent": get(r"Queries sent:\s+(\d+)"), "lost": get(r"Queries lost:\s+(\d+)"),
            "qps": get(r"Queries per second:\s+([0-9.]+)"),
            "avg_latency_ms": get(r"Average Latency \(s\):\s+([0-9.]+)") * 1000}


def flap(big, peers, workdir):
    qfile = os.path.join(workdir, "queries.txt")
    rng = random.Random(5)
    with open(qfile, "w") as f:
        for _ in range(20000):
            c = rng.randrange(CLUSTERS)
            f.write(rng.choice(["_sip._tcp.c%d.%s SRV" % (c, ZONE), "rr%d.%s A" % (c, ZONE),
                                "h%d.%s A" % (rng.randrange(max(RECORDS, 1)), ZONE)]) + "\n")
    result = {"steady": [], "flapping": []}
    # A B B A: drift over the run (caches warming, other load) cancels out of the ratio.
    for phase in ("steady", "flapping", "flapping", "steady"):
        stop, checks = threading.Event(), {"consistent": 0, "inconsistent": 0, "straddled": 0}

        def flapper():
            down = False
            while not stop.wait(1.0):
                for c in range(FLAP_CLUSTERS):
                    (peers.open if down else peers.close)(peer_addr(c, 0))
                down = not down
            if down:
                for c in range(FLAP_CLUSTERS):
                    peers.open(peer_addr(c, 0))

        def checker():
            while not stop.is_set():
                r = consistent(big.port, rng.randrange(FLAP_CLUSTERS))
                checks["straddled" if r is None else "consistent" if r else "inconsistent"] += 1
                time.sleep(0.005)

        threads = [threading.Thread(target=checker)]
        if phase == "flapping":
            threads.append(threading.Thread(target=flapper))
        versions0 = len(big.in_service())
        for t in threads:
            t.start()
        perf = dnsperf(big.port, FLAP_SECONDS, qfile)
        stop.set()
        for t in threads:
            t.join()
        changes = big.in_service()[versions0:]
        result[phase].append(dict(perf, checks=checks, health_versions=len(changes),
                                  build_ms_cpu=summary([b for _, b in changes]),
                                  in_service_ms=summary([v for v, _ in changes])))
        print("  %-8s %s" % (phase, json.dumps(result[phase][-1])), flush=True)
    mean = lambda runs, k: statistics.mean(r[k] for r in runs)
    result["avg_latency_ms"] = {p: round(mean(result[p], "avg_latency_ms"), 4)
                                for p in ("steady", "flapping")}
    result["latency_ratio"] = round(result["avg_latency_ms"]["flapping"] /
                                    result["avg_latency_ms"]["steady"], 3)
    result["lost"] = sum(r["lost"] for p in ("steady", "flapping") for r in result[p])
    result["inconsistent"] = sum(r["checks"]["inconsistent"] for r in result["flapping"])
    return result


def main():
    workdir = tempfile.mkdtemp(prefix="sipdns-health-scale-")
    probe_port = free_port()
    peers = listeners(probe_port)
    for c in range(CLUSTERS):
        for p in range(2):
            peers.open(peer_addr(c, p))
    servers = []
    try:
        for name, records in (("big", RECORDS), ("small", 0)):
            d = os.path.join(workdir, name)
            os.mkdir(d)
            write_zone(os.path.join(d, ZONE + ".toml"), records, probe_port)
            servers.append(server(name, d, workdir))
        for s in servers:
            s.wait_ready(300)
        # Every check up (the first round is spread over a quarter interval).
        for s in servers:
            if not poll(lambda: all(srv_targets(s.port, c) == {"p%d-0.%s." % (c, ZONE), "p%d-1.%s." % (c, ZONE)}
                                    for c in range(0, CLUSTERS, max(1, CLUSTERS // 20))), 20, 0.2):
                sys.exit("health_scale: %s: clusters not all up" % s.name)
        out = {"records": RECORDS, "clusters": CLUSTERS}
        if MODE in ("all", "failover"):
            print("failover: %d runs, %d clusters, big zone %d records" % (RUNS, CLUSTERS, RECORDS))
            gone, back = failover(servers, peers)
            out["failover"] = {}
            for s in servers:
                changes = s.in_service()
                out["failover"][s.name] = {
                    "gone_ms": summary(gone[s.name]), "back_ms": summary(back[s.name]),
                    "in_service_after_verdict_ms": summary([v for v, _ in changes]),
                    "build_ms_cpu": summary([b for _, b in changes]), "gone_all": gone[s.name]}
        if MODE in ("all", "flap"):
            servers[1].stop()
            print("flap: %d clusters, %d s each phase, %d qps" % (FLAP_CLUSTERS, FLAP_SECONDS, QPS))
            out["flap"] = flap(servers[0], peers, workdir)
        for s in servers:
            with open(s.log) as f:
                if " event=bug " in f.read():
                    sys.exit("health_scale: %s logged a bug line; see %s" % (s.name, s.log))
        print(json.dumps({k: v for k, v in out.items()}, indent=1))
        out["machine"] = machine.machine()
        os.makedirs(os.path.dirname(JSON_OUT), exist_ok=True)
        with open(JSON_OUT, "w") as f:
            json.dump(out, f, indent=1)
    finally:
        for s in servers:
            s.stop()
        peers.stop = True


if __name__ == "__main__":
    main()
