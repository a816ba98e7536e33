#!/usr/bin/env python3
"""Sends each query of a list to several DNS servers with dig and compares the replies.

Usage: compare.py QUERIES NAME=PORT [NAME=PORT ...] [--expect-differ]
The first server is the one under test (sipdnsd); the others are the references. Compared per
query: rcode, header flags, the question as echoed (letter case), EDNS presence, the answer
section as a sorted set of records, whether AUTHORITY holds a SOA, the ADDITIONAL addresses
of the answer's MX, SRV and NS targets, and for replies without AA (referrals) the NS set in
AUTHORITY and the glue (ADDITIONAL A/AAAA of those NS names).
Exit status: 0 when every query matches (or differs where tagged xfail), 1 otherwise.
With --expect-differ every query must differ (the harness's proof that the test can fail).
"""
import re
import subprocess
import sys

DIG_BASE = ["+time=2", "+tries=1", "+nocmd", "+nostats"]
FLAG_ORDER = ["qr", "aa", "tc", "rd", "ra", "ad", "cd"]


def parse_queries(path):
    """Query lines: QNAME QTYPE [+dig-opt ...] [any] [xfail:REASON]; '#' comments."""
    queries = []
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.split(" #", 1)[0].strip()
            if not line or line.startswith("#") or line.startswith("%"):
                continue
            words = line.split()
            if len(words) < 2:
                sys.exit(f"{path}:{lineno}: want QNAME QTYPE [options], got '{line}'")
            q = {"where": f"{path}:{lineno}", "qname": words[0], "qtype": words[1],
                 "dig": [], "any": False, "xfail": None}
            for w in words[2:]:
                if w.startswith("+"):
                    q["dig"].append(w)
                elif w == "any":
                    q["any"] = True
                elif w.startswith("xfail:"):
                    q["xfail"] = w[len("xfail:"):] or "known difference"
                else:
                    sys.exit(f"{path}:{lineno}: unknown option '{w}'")
            if not any(o in ("+rec", "+recurse") for o in q["dig"]):
                q["dig"].insert(0, "+norec")
            queries.append(q)
    return queries


def parse_rr(line):
    """A record line with whitespace squeezed: 'owner ttl class type rdata'."""
    return " ".join(line.split())


def parse_dig(text):
    """The parts of dig's output that are compared; None fields when there was no reply."""
    reply = {"rcode": None, "flags": None, "question": [], "edns": "no OPT",
             "ANSWER": [], "AUTHORITY": [], "ADDITIONAL": []}
    section = None
    for line in text.splitlines():
        m = re.match(r";; ->>HEADER<<- opcode: \w+, status: (\w+),", line)
        if m:
            reply["rcode"] = m.group(1)
            continue
        m = re.match(r";; flags:([a-z ]*);", line)
        if m:
            flags = set(m.group(1).split())
            reply["flags"] = " ".join(f for f in FLAG_ORDER if f in flags) + \
                "".join(f" {f}" for f in sorted(flags - set(FLAG_ORDER)))
            continue
        m = re.match(r"; EDNS: version: (\d+), flags:([a-z ]*);", line)
        if m:
            reply["edns"] = f"OPT version {m.group(1)} flags [{m.group(2).strip()}]"
            continue
        m = re.match(r";; (\w+) SECTION:", line)
        if m:
            section = m.group(1)
            continue
        if not line.strip() or line.startswith(";;"):
            if not line.strip():
                section = None
            continue
        if section == "QUESTION" and line.startswith(";"):
            reply["question"].append(parse_rr(line[1:]))
        elif section in ("ANSWER", "AUTHORITY", "ADDITIONAL") and not line.startswith(";"):
            reply[section].append(parse_rr(line))
    return reply


def owner_lowered(rr):
    """The record with its owner in lower case: in ADDITIONAL, servers compress owners against
    different earlier names (the question's letter case or the zone's), both correct."""
    owner, _, rest = rr.partition(" ")
    return f"{owner.lower()} {rest}"


def rr_type(rr):
    parts = rr.split(" ")
    return parts[3] if len(parts) > 3 else ""


def compared_fields(q, reply):
    """The values compared for one query and one server, in print order."""
    if reply["rcode"] is None:
        return {"reply": "no reply"}
    fields = {"rcode": reply["rcode"]}
    if q["any"]:  # RFC 8482: each server chooses what to answer to ANY
        return fields
    fields["flags"] = reply["flags"]
    fields["question"] = reply["question"]
    fields["edns"] = reply["edns"]
    fields["answer"] = sorted(reply["ANSWER"])
    fields["SOA in authority"] = "yes" if any(
        rr_type(rr) == "SOA" for rr in reply["AUTHORITY"]) else "no"
    # Additional processing (RFC 1035 3.3.9, RFC 2782): the addresses of the MX, SRV and NS
    # targets in the answer. sipdnsd adds more (NAPTR chains), so only these are compared.
    targets = {rr.split(" ")[-1].lower() for rr in reply["ANSWER"]
               if rr_type(rr) in ("MX", "SRV", "NS")}
    if targets:
        fields["target addresses"] = sorted(owner_lowered(rr) for rr in reply["ADDITIONAL"]
                                            if rr_type(rr) in ("A", "AAAA")
                                            and rr.split(" ")[0].lower() in targets)
    if " aa" not in f" {reply['flags']}":
        ns = sorted(rr for rr in reply["AUTHORITY"] if rr_type(rr) == "NS")
        targets = {rr.split(" ")[-1].lower() for rr in ns}
        fields["referral NS"] = ns
        fields["glue"] = sorted(owner_lowered(rr) for rr in reply["ADDITIONAL"]
                                if rr_type(rr) in ("A", "AAAA")
                                and rr.split(" ")[0].lower() in targets)
    return fields


def ask(port, q):
    cmd = ["dig", "@127.0.0.1", "-p", str(port), *DIG_BASE, *q["dig"], q["qname"], q["qtype"]]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=15).stdout
    except subprocess.TimeoutExpired:
        out = ""
    return parse_dig(out)


def show(value):
    if isinstance(value, list):
        return "\n".join(f"        {v}" for v in value) if value else "        (none)"
    return f"        {value}"


def describe(q):
    return f"{q['qname']} {q['qtype']} {' '.join(q['dig'])}".rstrip()


def report_difference(q, servers, fields, label):
    print(f"{label}: {describe(q)}   ({q['where']})")
    names = list(fields[servers[0]].keys() | set().union(*(f.keys() for f in fields.values())))
    order = ["reply", "rcode", "flags", "question", "edns", "answer", "SOA in authority",
             "target addresses", "referral NS", "glue"]
    for key in sorted(names, key=order.index):
        values = [fields[s].get(key, "(not compared)") for s in servers]
        if all(v == values[0] for v in values):
            continue
        print(f"  {key}:")
        for s, v in zip(servers, values):
            print(f"    {s}:")
            print(show(v))


def main(argv):
    expect_differ = "--expect-differ" in argv
    args = [a for a in argv if a != "--expect-differ"]
    if len(args) < 3:
        sys.exit(__doc__)
    queries = parse_queries(args[0])
    servers, ports = [], {}
    for spec in args[1:]:
        name, port = spec.split("=", 1)
        servers.append(name)
        ports[name] = int(port)

    counts = {"match": 0, "MISMATCH": 0, "XFAIL": 0, "XPASS": 0}
    for q in queries:
        fields = {s: compared_fields(q, ask(ports[s], q)) for s in servers}
        same = all(fields[s] == fields[servers[0]] for s in servers)
        if expect_differ:
            label = "match" if not same else "MISMATCH"
            if same:
                print(f"NOT DIFFERING (expected a difference): {describe(q)}")
        elif same and q["xfail"]:
            label = "XPASS"
            print(f"XPASS: {describe(q)} matches now ({q['where']}): remove 'xfail:{q['xfail']}'")
        elif same:
            label = "match"
        elif q["xfail"]:
            label = "XFAIL"
            report_difference(q, servers, fields, f"XFAIL ({q['xfail']})")
        else:
            label = "MISMATCH"
            report_difference(q, servers, fields, "MISMATCH")
        counts[label] += 1

    total = len(queries)
    if expect_differ:
        print(f"{args[0]}: {counts['match']} of {total} queries differ as expected")
        return 0 if counts["match"] == total and total else 1
    print(f"{args[0]}: {total} queries: {counts['match']} match, {counts['MISMATCH']} differ, "
          f"{counts['XFAIL']} differ as expected (xfail), {counts['XPASS']} xfail now matching")
    return 1 if counts["MISMATCH"] or counts["XPASS"] or not total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
