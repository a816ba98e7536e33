#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/ (answer and tcp_frames; zone_loader is a copy
of zones/*.toml and tests/data/good/*.toml). Rerun after changing it: tests/fuzz/make_seeds.py"""
import pathlib
import shutil
import struct

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
         "SRV": 33, "NAPTR": 35, "OPT": 41, "DS": 43, "IXFR": 251, "AXFR": 252, "MAILA": 253,
         "ANY": 255, "TYPE999": 999}


def qname(name):
    out = b""
    for label in name.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def opt(size=1232, do=False, version=0, rcode_hi=0, options=b""):
    return (b"\0" + struct.pack(">HHBBHH", 41, size, rcode_hi, version, 0x8000 if do else 0,
                                len(options)) + options)


def query(name, qtype, qid=0x4242, flags=0x0100, qclass=1, edns=None, qd=1, extra=b"",
          counts=None):
    body = qname(name) + struct.pack(">HH", TYPES.get(qtype, qtype) if isinstance(qtype, str)
                                     else qtype, qclass) if qd else b""
    ar = 1 if edns is not None else 0
    an, ns, ar = counts if counts else (0, 0, ar)
    head = struct.pack(">HHHHHH", qid, flags, qd, an, ns, ar)
    return head + body + (edns if edns is not None else b"") + extra


def answer_seeds():
    s = {}
    names = {
        "srv_sip_tcp": ("_sip._tcp.uctest.local", "SRV"),
        "srv_sips_tcp": ("_sips._tcp.uctest.local", "SRV"),
        "srv_sip_udp": ("_sip._udp.example.com", "SRV"),
        "naptr_example": ("example.com", "NAPTR"),
        "naptr_lab": ("lab.test", "NAPTR"),
        "a_cluster": ("habibexpc-cluster.uctest.local", "A"),
        "aaaa_cluster": ("habibexpc-cluster.uctest.local", "AAAA"),
        "a_expressway": ("expressway.example.com", "A"),
        "a_lab_rr": ("sip-cluster.lab.test", "A"),
        "soa_apex": ("uctest.local", "SOA"),
        "ns_apex": ("example.com", "NS"),
        "mx_apex": ("example.com", "MX"),
        "txt_apex": ("example.com", "TXT"),
        "any_apex": ("uctest.local", "ANY"),
        "ptr_v4": ("1.1.1.1.in-addr.arpa", "PTR"),
        "ptr_v4_lab": ("127.53.48.10.in-addr.arpa", "PTR"),
        "ptr_v6": ("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
                   "PTR"),
        "nxdomain": ("nope.uctest.local", "A"),
        "nodata": ("uctest.local", "CNAME"),
        "refused_outside": ("example.org", "A"),
        "root": ("", "NS"),
        "ds": ("uctest.local", "DS"),
        "unknown_type": ("uctest.local", "TYPE999"),
        "axfr": ("uctest.local", "AXFR"),
        "ixfr": ("uctest.local", "IXFR"),
        "maila": ("uctest.local", "MAILA"),
        "qtype_opt": ("uctest.local", "OPT"),
        "mixed_case": ("_SIP._Tcp.UcTest.LOCAL", "SRV"),
    }
    for key, (name, t) in names.items():
        s[key] = query(name, t)
        s[key + "_edns"] = query(name, t, edns=opt())
    s["edns_do_512"] = query("_sip._tcp.uctest.local", "SRV", edns=opt(512, do=True))
    s["edns_4096"] = query("example.com", "NAPTR", edns=opt(4096))
    s["edns_badvers"] = query("uctest.local", "SOA", edns=opt(version=1))
    s["edns_cookie"] = query("uctest.local", "A", edns=opt(options=struct.pack(">HH", 10, 8)
                                                            + b"abcdefgh"))
    s["edns_padding"] = query("uctest.local", "A", edns=opt(options=struct.pack(">HH", 12, 64)
                                                             + bytes(64)))
    s["two_opt"] = query("uctest.local", "A", edns=opt() + opt(), counts=(0, 0, 2))
    s["class_ch"] = query("version.bind", "TXT", qclass=3)
    s["class_any"] = query("uctest.local", "SOA", qclass=255)
    s["qr_set"] = query("uctest.local", "A", flags=0x8000)
    s["opcode_notify"] = query("uctest.local", "SOA", flags=0x2400)
    s["opcode_update"] = query("uctest.local", "SOA", flags=0x2800)
    s["tc_cd_ad"] = query("uctest.local", "A", flags=0x0330)
    s["qdcount0"] = query("uctest.local", "A", qd=0)
    s["qdcount2"] = query("uctest.local", "A") + qname("example.com") + b"\0\1\0\1"
    s["qdcount2"] = s["qdcount2"][:4] + b"\0\2" + s["qdcount2"][6:]
    s["ancount1"] = query("uctest.local", "A", counts=(1, 0, 0))
    s["pointer_in_question"] = (struct.pack(">HHHHHH", 1, 0x100, 1, 0, 0, 0)
                                + b"\xc0\x0c\0\1\0\1")
    s["label_too_long"] = struct.pack(">HHHHHH", 1, 0x100, 1, 0, 0, 0) + b"\x40" + b"a" * 64 + b"\0\0\1\0\1"
    s["name_255"] = query(".".join(["a" * 63] * 3 + ["a" * 61]), "A")
    s["truncated_question"] = query("uctest.local", "A")[:20]
    s["header_only"] = struct.pack(">HHHHHH", 7, 0x100, 0, 0, 0, 0)
    s["runt"] = b"\x12\x34\x01"
    s["trailing_garbage"] = query("uctest.local", "A") + b"\xff" * 9
    return s


def frame(msg):
    return struct.pack(">H", len(msg)) + msg


def tcp_seeds(answers):
    a, b = answers["srv_sip_tcp"], answers["naptr_example_edns"]
    return {
        # two bytes of chunk-size seed, then the stream
        "one": b"\0\1" + frame(a),
        "pipelined": b"\x13\x37" + frame(a) + frame(b) + frame(a),
        "partial_tail": b"\xab\xcd" + frame(a) + frame(b)[:7],
        "zero_length": b"\0\2" + frame(a) + b"\0\0" + frame(b),
        "too_large": b"\0\3" + frame(a) + b"\x10\x01" + bytes(64),
        "max_length": b"\x77\x01" + struct.pack(">H", 4096) + bytes(4096) + frame(a),
        "length_only": b"\0\4\0",
    }


def write(dirname, seeds):
    d = HERE / "corpus" / dirname
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    for key, data in seeds.items():
        (d / key).write_bytes(data)


def main():
    answers = answer_seeds()
    write("answer", answers)
    write("tcp_frames", tcp_seeds(answers))
    zones = {p.name: p.read_bytes() for p in sorted((ROOT / "zones").glob("*.toml"))}
    zones.update({p.name: p.read_bytes() for p in sorted((ROOT / "tests/data/good").glob("*.toml"))})
    # rejected zones too, so the error paths start covered
    zones.update({"bad_" + p.name: p.read_bytes()
                  for p in sorted((ROOT / "tests/data/bad").glob("*.toml"))})
    write("zone_loader", zones)


if __name__ == "__main__":
    main()
