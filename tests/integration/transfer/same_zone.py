#!/usr/bin/env python3
"""Does a secondary answer like sipdnsd? For every RRset of a zone, asked with dig of both
servers (no recursion), the answers (owner, TTL, class, type, rdata; case and spacing
normalised) must be equal, and so must the SOA serial. The RRsets asked are those of
`sipdns export` (what the zone files say, independent of any transfer) and of an AXFR from
each server, so a record a transfer dropped or added is asked too.

    same_zone.py [--key FILE] ZONE EXPORT_FILE NAME=PORT NAME=PORT
                                      exit 0 when equal, 1 (differences) if not
--key: a TSIG key file (tsig-keygen's format) the first server wants for AXFR (dig -k).
"""
import subprocess
import sys


def parse(text):
    out = set()
    for line in text.splitlines():
        if not line.strip() or line.startswith(";"):
            continue
        f = line.split()
        if len(f) >= 4:
            out.add((f[0].lower(), f[1], f[2].upper(), f[3].upper(), " ".join(f[4:]).lower()))
    return out


def dig(port, *args, key=None):
    return subprocess.run(["dig", "@127.0.0.1", "-p", port, "+norec", "+time=3", "+tries=1",
                           "+nocmd", "+nostats", "+noall", "+answer"] +
                          (["-k", key] if key else []) + list(args),
                          capture_output=True, text=True, timeout=30).stdout


def main():
    argv = sys.argv[1:]
    key = None
    if argv[:1] == ["--key"]:
        key, argv = argv[1], argv[2:]
    zone, export = argv[0], argv[1]
    servers = [a.split("=", 1) for a in argv[2:]]
    with open(export) as f:
        keys = {(r[0], r[3]) for r in parse(f.read())}
    for i, (_, port) in enumerate(servers):
        keys |= {(r[0], r[3]) for r in parse(dig(port, "+tcp", zone, "AXFR",
                                                 key=key if i == 0 else None))}
    bad = 0
    for owner, rtype in sorted(keys):
        answers = {}
        for name, port in servers:
            answers[name] = {r for r in parse(dig(port, owner, rtype))
                             if r[0] == owner and r[3] == rtype}
        ref_name = servers[0][0]
        for name, _ in servers[1:]:
            if answers[name] != answers[ref_name]:
                bad += 1
                print("  %s %s: %s answers %s, %s answers %s" % (
                    owner, rtype, ref_name, sorted(answers[ref_name]) or "nothing", name,
                    sorted(answers[name]) or "nothing"))
    if not keys:
        print("  %s: no RRsets to compare" % zone)
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
