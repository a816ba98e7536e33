#!/usr/bin/env python3
"""The prober at scale (bench/prober_scale.sh runs it).

PEERS peers x 4 services (sip+tcp, sip+udp, h323cs, h323ls) probed with SIP OPTIONS at the
default timings make 4 x PEERS checks a second: OPTIONS over TCP and UDP to 5060, over TCP
to 1720 and over UDP to 1719. Each peer has an address of its own in 127.1.0.0/16; four
sip_responder processes (one per transport and port, --any-loopback: the wildcard address,
answering loopback sources only) answer 200 and log each request's arrival.

For each size in SIZES (checks), sipdnsd serves the zone for WARM seconds, then over WINDOW
seconds: its CPU (utime + stime of the process, all threads), RSS, probes answered per
second, how evenly they arrive (probes per 100 ms: min, max, coefficient of variation; and
the share of each tenth of the second), and the checks not up at the end (false timeouts).
Then DNS latency: dnsperf at QPS for DNS_SECONDS against sipdnsd probing DNS_CHECKS checks,
against the same zone without [cluster.health] while a second sipdnsd on the same core probes
the same peers ("elsewhere": equal CPU and peer load, the prober out of the process), and
without any probing, in the order probing, elsewhere, none, none, elsewhere, probing.
SERVICES sets each peer's services (one check each); DNS_SECONDS=0 skips the DNS part.
sipdnsd runs on CPU 0, dnsperf and the responders on CPU 1 (taskset). Loopback only; every
wait bounded; every process stopped by PID.
"""
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import ports  # noqa: E402  (bench/lib/ports.py)
import machine  # noqa: E402  (bench/lib/machine.py)

SIPDNSD = os.environ.get("SIPDNSD", "build/server/sipdnsd")
SIPDNS = os.environ.get("SIPDNS", "build/tools/sipdns")
RESPONDER = os.environ.get("SIP_RESPONDER", "build/tests/peers/sip_responder/sip_responder")
SIZES = [int(x) for x in os.environ.get("SIZES", "1000 10000 20000").split()]
WARM = int(os.environ.get("WARM", "10"))
WINDOW = int(os.environ.get("WINDOW", "30"))
QPS = int(os.environ.get("QPS", "50000"))
DNS_SECONDS = int(os.environ.get("DNS_SECONDS", "20"))
DNS_CHECKS = int(os.environ.get("DNS_CHECKS", "10000"))
JSON_OUT = os.environ.get("PROBER_SCALE_JSON", "bench/results/prober_scale.json")
ENDPOINTS = [("tcp", 5060), ("udp", 5060), ("tcp", 1720), ("udp", 1719)]
# Each peer's services; one check each (the default mix: OPTIONS over TCP and UDP to two ports).
SERVICES = os.environ.get("SERVICES", "sip+tcp sip+udp h323cs h323ls").split()
ZONE = "probe.test"
HZ = os.sysconf("SC_CLK_TCK")


def free_port():
    port = ports.free_port()
    return port if port else sys.exit("prober_scale: no free port")


def write_zone(path, checks, health):
    peers = checks // len(SERVICES)
    with open(path, "w") as f:
        f.write('[zone]\norigin = "%s"\nttl = 3600\n' % ZONE)
        f.write('soa = { mname = "ns1", rname = "hostmaster", serial = 1 }\nns = ["ns1"]\n')
        f.write('records = [ "ns1 A 127.0.0.1" ]\n')
        for c in range(peers // 10):  # clusters of ten peers
            f.write('\n[[cluster]]\nname = "rr%d"\nsrv_owner = "c%d"\n' % (c, c))
            f.write('services = [%s]\npeers = [\n' % ", ".join('"%s"' % s for s in SERVICES))
            for p in range(10):
                k = c * 10 + p
                f.write('  { host = "p%d-%d", ipv4 = "127.1.%d.%d" },\n' % (c, p, k // 250, k % 250 + 1))
            f.write("]\n")
            if health:
                f.write('[cluster.health]\nprobe = "sip-options"\n')


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024


class procs:
    def __init__(self):
        self.list = []

    def start(self, args, cpu, **kw):
        p = subprocess.Popen(["taskset", "-c", str(cpu)] + args, start_new_session=True, **kw)
        self.list.append(p)
        return p

    def stop(self, p):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def stop_all(self):
        for p in self.list:
            self.stop(p)


def wait_serving(port, proc, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit("prober_scale: sipdnsd exited")
        r = subprocess.run(["dig", "+short", "+time=1", "+tries=1", "-p", str(port), "@127.0.0.1",
                            ZONE, "SOA"], capture_output=True, text=True)
        if r.stdout.strip():
            return
        time.sleep(0.1)
    sys.exit("prober_scale: sipdnsd not serving")


def arrivals(files, t0_us, t1_us):
    out = []
    for fn in files:
        with open(fn) as f:
            for line in f:
                t = int(line)
                if t0_us <= t < t1_us:
                    out.append(t)
    return out


def spread(times, t0_us, t1_us):
    slots = [0] * ((t1_us - t0_us) // 100000)
    phase = [0] * 10
    for t in times:
        k = (t - t0_us) // 100000
        if k < len(slots):
            slots[k] += 1
        phase[(t % 1000000) // 100000] += 1
    mean = statistics.mean(slots) if slots else 0
    return {"per_100ms_min": min(slots), "per_100ms_max": max(slots),
            "per_100ms_cv": round(statistics.pstdev(slots) / mean, 3) if mean else None,
            "tenths_of_second_share": [round(p / max(1, len(times)), 3) for p in phase]}


def not_up(control):
    r = subprocess.run([SIPDNS, "status", "--control", control], capture_output=True, text=True,
                       timeout=30)
    lines = [l for l in r.stdout.splitlines() if " sip-options/" in l]
    return len(lines), sum(1 for l in lines if " up " not in l)


def measure(checks, workdir, ps, times_files):
    d = os.path.join(workdir, "z%d" % checks)
    os.mkdir(d)
    write_zone(os.path.join(d, ZONE + ".toml"), checks, True)
    port, control = free_port(), os.path.join(workdir, "c%d.sock" % checks)
    srv = ps.start([SIPDNSD, "--listen", "127.0.0.1:%d" % port, "--zones", d, "--control",
                    control], 0, stdout=subprocess.DEVNULL,
                   stderr=open(os.path.join(workdir, "sipdnsd-%d.log" % checks), "w"))
    wait_serving(port, srv)
    time.sleep(WARM)  # start-up round and the spreading second probes are over
    c0, w0 = cpu_seconds(srv.pid), time.monotonic()
    t0 = int(time.time() * 1e6)
    time.sleep(WINDOW)
    t1 = int(time.time() * 1e6)
    cpu = (cpu_seconds(srv.pid) - c0) / (time.monotonic() - w0)
    rss = rss_mb(srv.pid)
    total, down = not_up(control)
    ps.stop(srv)
    got = arrivals(times_files, t0, t1)
    r = {"checks": checks, "checks_listed": total, "not_up": down,
         "cpu_share_of_one_core": round(cpu, 4), "rss_mb": round(rss, 1),
         "probes_per_s": round(len(got) / ((t1 - t0) / 1e6), 1),
         "checks_per_core": round(checks / cpu) if cpu > 0 else None}
    r.update(spread(got, t0, t1))
    print("  %s" % json.dumps(r), flush=True)
    return r


def start_server(ps, workdir, name, health):
    d = os.path.join(workdir, name)
    os.mkdir(d)
    write_zone(os.path.join(d, ZONE + ".toml"), DNS_CHECKS, health)
    port = free_port()
    srv = ps.start([SIPDNSD, "--listen", "127.0.0.1:%d" % port, "--zones", d], 0,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_serving(port, srv)
    return port, srv


def dns_latency(workdir, ps, qfile):
    """dnsperf against a server that probes DNS_CHECKS checks itself ("probing"), one that
    does not while another sipdnsd on the same core probes the same peers ("elsewhere": the
    same CPU and peer load, the prober out of the process), and one with no probing at all."""
    kinds = ("probing", "elsewhere", "not_probing")
    out = {k: [] for k in kinds}
    for n, kind in enumerate(("probing", "elsewhere", "not_probing",
                              "not_probing", "elsewhere", "probing")):
        port, srv = start_server(ps, workdir, "dns-%s-%d" % (kind, n), kind == "probing")
        other = None
        if kind == "elsewhere":
            _, other = start_server(ps, workdir, "dns-other-%d" % n, True)
        time.sleep(WARM)
        perf = subprocess.run(["taskset", "-c", "1", "dnsperf", "-s", "127.0.0.1", "-p", str(port),
                               "-d", qfile, "-l", str(DNS_SECONDS), "-Q", str(QPS), "-c", "4",
                               "-t", "2"], capture_output=True, text=True,
                              timeout=DNS_SECONDS + 60)
        ps.stop(srv)
        if other:
            ps.stop(other)
        if "Queries per second" not in perf.stdout:
            sys.exit("prober_scale: dnsperf failed: " + perf.stdout[-500:] + perf.stderr[-500:])
        perf = perf.stdout
        get = lambda pat: float(re.search(pat, perf).group(1))
        r = {"qps": get(r"Queries per second:\s+([0-9.]+)"),
             "lost": get(r"Queries lost:\s+(\d+)"),
             "avg_latency_ms": get(r"Average Latency \(s\):\s+([0-9.]+)") * 1000}
        out[kind].append(r)
        print("  dns %-11s %s" % (kind, json.dumps(r)), flush=True)
    mean = {k: statistics.mean(r["avg_latency_ms"] for r in out[k]) for k in kinds}
    # The prober's own effect on answering: probing in the process against the same load
    # beside it. And what probing 10,000 peers on loopback costs a 2-core machine in all.
    out["latency_ratio_vs_elsewhere"] = round(mean["probing"] / mean["elsewhere"], 3)
    out["latency_ratio_vs_no_probing"] = round(mean["probing"] / mean["not_probing"], 3)
    return out


def main():
    workdir = tempfile.mkdtemp(prefix="sipdns-prober-scale-")
    ps = procs()
    times_files = []
    try:
        for transport, port in ENDPOINTS:
            tf = os.path.join(workdir, "times-%s-%d" % (transport, port))
            times_files.append(tf)
            ps.start([RESPONDER, "--listen", "127.0.0.1:%d" % port, "--any-loopback",
                      "--transport", transport, "--code", "200", "--times", tf,
                      "--max-connections", "20000"], 1,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        for p in ps.list:
            if p.poll() is not None:
                sys.exit("prober_scale: a responder did not start (ports 5060/1720/1719 in use?)")
        out = {"window_s": WINDOW, "sizes": []}
        print("prober: %s checks, %d s each" % (SIZES, WINDOW))
        for n in SIZES:
            out["sizes"].append(measure(n, workdir, ps, times_files))
        if DNS_SECONDS <= 0:  # DNS_SECONDS=0: the prober's figures only
            print(json.dumps(out, indent=1))
            return
        qfile = os.path.join(workdir, "q.txt")
        with open(qfile, "w") as f:
            for c in range(DNS_CHECKS // 40):
                f.write("_sip._tcp.c%d.%s SRV\nrr%d.%s A\np%d-1.%s A\n" % (c, ZONE, c, ZONE, c, ZONE))
        print("dns: %d qps, %d s each, %d checks" % (QPS, DNS_SECONDS, DNS_CHECKS))
        out["dns"] = dns_latency(workdir, ps, qfile)
        print(json.dumps(out, indent=1))
        out["machine"] = machine.machine()
        os.makedirs(os.path.dirname(JSON_OUT), exist_ok=True)
        with open(JSON_OUT, "w") as f:
            json.dump(out, f, indent=1)
    finally:
        ps.stop_all()


if __name__ == "__main__":
    main()
