#!/usr/bin/env python3
"""A zone transfer of RECORDS records while dnsperf queries another zone (bench/transfer_load.sh
runs it).

sipdnsd, then NSD (SERVERS="sipdnsd nsd"), serve big.test (RECORDS A records) and small.test
(a few names), transfers allowed to 127.0.0.1. dnsperf sends QPS queries a second for
small.test names over UDP in phases of SECONDS: quiet, transferring (AXFRs of big.test back
to back, each read to the end by a client that counts records and parses nothing else; dig
checks one AXFR first), transferring, quiet. Reported per server: average latency and lost
queries per phase, the ratio of the transferring phases to the quiet ones, the time of each
AXFR and the peak RSS. Loopback only; every process stopped by PID; every wait bounded.
"""
import json
import os
import re
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import ports  # noqa: E402
import machine  # noqa: E402  (bench/lib/machine.py)

SIPDNSD = os.environ.get("SIPDNSD", "build/server/sipdnsd")
RECORDS = int(os.environ.get("RECORDS", "1000000"))
QPS = int(os.environ.get("QPS", "20000"))
SECONDS = int(os.environ.get("SECONDS", "20"))
SERVERS = os.environ.get("SERVERS", "sipdnsd nsd").split()
JSON_OUT = os.environ.get("TRANSFER_LOAD_JSON", "bench/results/transfer_load.json")


def write_zones(d):
    with open(os.path.join(d, "big.test.toml"), "w") as f:
        f.write('[zone]\norigin = "big.test"\nttl = 3600\n')
        f.write('soa = { mname = "ns1", rname = "hostmaster", serial = 1 }\nns = ["ns1"]\n')
        f.write('records = [\n  "ns1 A 127.0.0.1",\n')
        for i in range(RECORDS):
            f.write('  "h%d A 10.%d.%d.%d",\n' % (i, i >> 16 & 255, i >> 8 & 255, i & 255))
        f.write("]\n")
    with open(os.path.join(d, "small.test.toml"), "w") as f:
        f.write('[zone]\norigin = "small.test"\nttl = 3600\n')
        f.write('soa = { mname = "ns1", rname = "hostmaster", serial = 1 }\nns = ["ns1"]\n')
        f.write('records = [ "ns1 A 127.0.0.1", "www A 192.0.2.1", "sip A 192.0.2.2" ]\n')


def axfr_records(port, zone, want, timeout=60):
    """An AXFR read to the end as a secondary on another machine would: every message
    received, its records counted, nothing parsed further (a secondary's parsing is its own
    machine's work, not the primary's). Returns the records received."""
    q = struct.pack(">HHHHHH", 7, 0, 1, 0, 0, 0)
    for label in zone.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\x00" + struct.pack(">HH", 252, 1)
    got = 0
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(struct.pack(">H", len(q)) + q)
        f = s.makefile("rb")
        while got < want:
            head = f.read(2)
            if len(head) < 2:
                break
            msg = f.read(struct.unpack(">H", head)[0])
            got += struct.unpack(">H", msg[6:8])[0]
    return got


def write_master_files(d):
    """The same two zones in RFC 1035 form, for NSD."""
    with open(os.path.join(d, "big.test.zone"), "w") as f:
        f.write("$ORIGIN big.test.\n$TTL 3600\n@ SOA ns1 hostmaster 1 3600 600 604800 60\n")
        f.write("@ NS ns1\nns1 A 127.0.0.1\n")
        for i in range(RECORDS):
            f.write("h%d A 10.%d.%d.%d\n" % (i, i >> 16 & 255, i >> 8 & 255, i & 255))
    with open(os.path.join(d, "small.test.zone"), "w") as f:
        f.write("$ORIGIN small.test.\n$TTL 3600\n@ SOA ns1 hostmaster 1 3600 600 604800 60\n")
        f.write("@ NS ns1\nns1 A 127.0.0.1\nwww A 192.0.2.1\nsip A 192.0.2.2\n")


def nsd_command(work, port):
    d = os.path.join(work, "nsd")
    os.mkdir(d)
    write_master_files(d)
    conf = os.path.join(d, "nsd.conf")
    with open(conf, "w") as f:
        f.write("server:\n  server-count: 1\n  ip-address: 127.0.0.1@%d\n  do-ip6: no\n" % port)
        f.write('  username: ""\n  chroot: ""\n  database: ""\n  zonesdir: "%s"\n' % d)
        f.write('  zonelistfile: "%s/zone.list"\n  xfrdfile: "%s/xfrd.state"\n' % (d, d))
        f.write('  xfrdir: "%s"\n  pidfile: "%s/nsd.pid"\n  verbosity: 1\n' % (d, d))
        f.write("  rrl-ratelimit: 0\n  rrl-whitelist-ratelimit: 0\n")
        f.write("remote-control:\n  control-enable: no\n")
        for z in ("big.test", "small.test"):
            f.write('zone:\n  name: "%s"\n  zonefile: "%s.zone"\n' % (z, z))
            f.write("  provide-xfr: 127.0.0.1 NOKEY\n")
    return ["nsd", "-d", "-c", conf]


def sipdnsd_command(work, port):
    zones = os.path.join(work, "zones")
    os.mkdir(zones)
    write_zones(zones)
    return [SIPDNSD, "--listen", "127.0.0.1:%d" % port, "--zones", zones,
            "--allow-transfer", "127.0.0.1"] + os.environ.get("SIPDNSD_ARGS", "").split()


def rss_mb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024
    except (OSError, AttributeError):
        return 0.0


def tree_rss_mb(pid):
    """The server and its children (NSD forks its serving and transfer processes)."""
    total = rss_mb(pid)
    try:
        for child in open("/proc/%d/task/%d/children" % (pid, pid)).read().split():
            total += tree_rss_mb(int(child))
    except OSError:
        pass
    return total


def wait_ready(port, srv):
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        r = subprocess.run(["dig", "+short", "+time=1", "+tries=1", "-p", str(port),
                            "@127.0.0.1", "big.test", "SOA"], capture_output=True, text=True)
        if "hostmaster" in r.stdout:  # dig +short prints its errors there too
            return
        if srv.poll() is not None:
            sys.exit("transfer_load: the server exited")
        time.sleep(0.2)
    sys.exit("transfer_load: the server did not answer within 180 s")


def measure(name, work, qfile):
    port = ports.free_port() or sys.exit("transfer_load: no free port")
    cmd = sipdnsd_command(work, port) if name == "sipdnsd" else nsd_command(work, port)
    log = open(os.path.join(work, name + ".log"), "w")
    srv = subprocess.Popen(cmd, stdout=log, stderr=log)
    try:
        wait_ready(port, srv)
        peak = [tree_rss_mb(srv.pid)]
        axfr_s = []
        # Once with dig, which checks every message: how many records a whole AXFR has.
        r = subprocess.run(["dig", "+tcp", "+time=30", "+tries=1", "+noall", "+answer", "-p",
                            str(port), "@127.0.0.1", "big.test", "AXFR"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=120)
        whole = r.stdout.count(b"\n")
        if whole < RECORDS:
            sys.exit("transfer_load: %s: dig's AXFR of big.test has %d records" % (name, whole))

        def transfers(stop):
            # The secondary stands for one on another machine: its thread yields this
            # machine's CPU to the server and dnsperf (nice 19), so the ratio is the primary's.
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
            while not stop.is_set():
                t0 = time.monotonic()
                if axfr_records(port, "big.test", whole) == whole:
                    axfr_s.append(time.monotonic() - t0)
                peak[0] = max(peak[0], tree_rss_mb(srv.pid))

        out = {"server": name, "records": whole, "qps": QPS, "seconds": SECONDS, "phases": []}
        for phase in ("quiet", "transferring", "transferring", "quiet"):
            stop = threading.Event()
            th = None
            if phase == "transferring":
                th = threading.Thread(target=transfers, args=(stop,))
                th.start()
                time.sleep(1)
            perf = subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", qfile,
                                   "-l", str(SECONDS), "-Q", str(QPS), "-c", "4", "-t", "2"],
                                  capture_output=True, text=True, timeout=SECONDS + 60).stdout
            if th:
                stop.set()
                th.join(150)
            get = lambda pat: float(re.search(pat, perf).group(1))
            r = {"phase": phase, "lost": get(r"Queries lost:\s+(\d+)"),
                 "avg_latency_ms": round(get(r"Average Latency \(s\):\s+([0-9.]+)") * 1000, 3)}
            out["phases"].append(r)
            print("  %s %s" % (name, json.dumps(r)), flush=True)
        lat = {p: statistics.mean(r["avg_latency_ms"] for r in out["phases"] if r["phase"] == p)
               for p in ("quiet", "transferring")}
        out["latency_ratio"] = round(lat["transferring"] / lat["quiet"], 3)
        out["axfr_seconds"] = [round(s, 2) for s in axfr_s]
        out["axfr_median_s"] = round(statistics.median(axfr_s), 2) if axfr_s else None
        out["peak_rss_mb"] = round(peak[0], 1)
        return out
    finally:
        srv.terminate()
        try:
            srv.wait(10)
        except subprocess.TimeoutExpired:
            srv.kill()


def main():
    work = tempfile.mkdtemp(prefix="sipdns-transfer-load-")
    qfile = os.path.join(work, "q.txt")
    with open(qfile, "w") as f:
        f.write("www.small.test A\nsip.small.test A\nsmall.test SOA\n")
    runs = [measure(name, work, qfile) for name in SERVERS]
    out = {"servers": runs}
    if len(runs) > 1:
        out["ratio_vs_" + runs[1]["server"]] = round(runs[0]["latency_ratio"] /
                                                     runs[1]["latency_ratio"], 3)
    for r in runs:
        print("%s: latency x%.2f while transferring, AXFR median %s s, peak RSS %.0f MB" %
              (r["server"], r["latency_ratio"], r["axfr_median_s"], r["peak_rss_mb"]))
    out["machine"] = machine.machine()
    os.makedirs(os.path.dirname(JSON_OUT), exist_ok=True)
    with open(JSON_OUT, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
