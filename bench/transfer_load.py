#!/usr/bin/env python3
"""A zone transfer of RECORDS records while dnsperf queries another zone (bench/transfer_load.sh
runs it).

sipdnsd serves big.test (RECORDS A records) and small.test (a few names), transfers allowed to
127.0.0.1. dnsperf sends QPS queries a second for small.test names over UDP in phases of
SECONDS: quiet, transferring (AXFRs of big.test back to back with dig, each read to the end),
transferring, quiet. Reported: average latency and lost queries per phase, the ratio of the
transferring phases to the quiet ones, the time of each AXFR and sipdnsd's peak RSS. Loopback
only; every process stopped by PID; every wait bounded.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import ports  # noqa: E402

SIPDNSD = os.environ.get("SIPDNSD", "build/server/sipdnsd")
RECORDS = int(os.environ.get("RECORDS", "1000000"))
QPS = int(os.environ.get("QPS", "20000"))
SECONDS = int(os.environ.get("SECONDS", "20"))
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


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024


def main():
    work = tempfile.mkdtemp(prefix="sipdns-transfer-load-")
    zones = os.path.join(work, "zones")
    os.mkdir(zones)
    write_zones(zones)
    port = ports.free_port() or sys.exit("transfer_load: no free port")
    log = open(os.path.join(work, "sipdnsd.log"), "w")
    srv = subprocess.Popen([SIPDNSD, "--listen", "127.0.0.1:%d" % port, "--zones", zones,
                            "--allow-transfer", "127.0.0.1"], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            r = subprocess.run(["dig", "+short", "+time=1", "+tries=1", "-p", str(port),
                                "@127.0.0.1", "big.test", "SOA"], capture_output=True, text=True)
            if r.stdout.strip():
                break
            if srv.poll() is not None:
                sys.exit("transfer_load: sipdnsd exited")
            time.sleep(0.2)
        qfile = os.path.join(work, "q.txt")
        with open(qfile, "w") as f:
            f.write("www.small.test A\nsip.small.test A\nsmall.test SOA\n")
        peak = [rss_mb(srv.pid)]
        axfr_s = []

        def transfers(stop):
            while not stop.is_set():
                t0 = time.monotonic()
                r = subprocess.run(["dig", "+tcp", "+time=30", "+tries=1", "-p", str(port),
                                    "@127.0.0.1", "big.test", "AXFR"], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, timeout=120)
                lines = r.stdout.count(b"\n")
                if lines >= RECORDS:
                    axfr_s.append(time.monotonic() - t0)
                peak[0] = max(peak[0], rss_mb(srv.pid))

        out = {"records": RECORDS, "qps": QPS, "seconds": SECONDS, "phases": []}
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
                 "avg_latency_ms": get(r"Average Latency \(s\):\s+([0-9.]+)") * 1000}
            out["phases"].append(r)
            print("  %s" % json.dumps(r), flush=True)
        lat = {p: statistics.mean(r["avg_latency_ms"] for r in out["phases"] if r["phase"] == p)
               for p in ("quiet", "transferring")}
        out["latency_ratio"] = round(lat["transferring"] / lat["quiet"], 3)
        out["axfr_seconds"] = [round(s, 2) for s in axfr_s]
        out["peak_rss_mb"] = round(peak[0], 1)
        print(json.dumps(out, indent=1))
        os.makedirs(os.path.dirname(JSON_OUT), exist_ok=True)
        with open(JSON_OUT, "w") as f:
            json.dump(out, f, indent=1)
    finally:
        srv.terminate()
        try:
            srv.wait(10)
        except subprocess.TimeoutExpired:
            srv.kill()


if __name__ == "__main__":
    main()
