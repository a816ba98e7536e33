#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/ (answer and tcp_frames; zone_loader is a copy
of zones/*.toml, tests/data/good/*.toml and the import goldens; master_file of the import
tests' master files; the hostile_* seeds of sip_response and stun_response, whose peer_*
seeds come from real peers: capture_peer_seeds.py).
Rerun after changing it: tests/fuzz/make_seeds.py"""
import pathlib
import shutil
import struct

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
         "SRV": 33, "NAPTR": 35, "OPT": 41, "DS": 43, "IXFR": 251, "AXFR": 252, "MAILA": 253,
         "ANY": 255, "TYPE999": 999, "HINFO": 13, "TYPE666": 666}


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
        # tests/integration/differential/zones/: wildcards (RFC 4592) and CNAME chains
        "wild_a": ("a.b.Wild.wc.test", "A"),
        "wild_mx": ("x.wild.wc.test", "MX"),
        "wild_itself": ("*.wild.wc.test", "TXT"),
        "wild_blocked": ("sub.host.wild.wc.test", "A"),
        "wild_cname": ("x.cn.wc.test", "A"),
        "wild_cname_dangling": ("x.cnx.wc.test", "TXT"),
        "chain_hinfo": ("c2.diff.test", "HINFO"),
        "chain_unknown": ("c1.diff.test", "TYPE666"),
        "ds_at_cut": ("sub.diff.test", "DS"),
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


def sip(status="SIP/2.0 200 OK", extra="", branch="$BRANCH", call_id="$CALLID", cseq="1 OPTIONS",
        length="Content-Length: 0\r\n", end="\r\n", eol="\r\n"):
    """A response to the probe ($BRANCH/$CALLID: the target's own identifiers)."""
    lines = [status, f"Via: SIP/2.0/TCP 127.0.0.51:40000;branch={branch}",
             "From: <sip:sipdns-probe@127.0.0.51>;tag=1", "To: <sip:peer.fuzz.test>;tag=2",
             f"Call-ID: {call_id}", f"CSeq: {cseq}"]
    return (eol.join(lines) + eol + extra + length + end).encode()


def sip_seeds():
    ok = sip()
    s = {
        "huge_content_length": sip(length="Content-Length: 99999999999999999999999\r\n"),
        "content_length_over_limit": sip(length="Content-Length: 65537\r\n") + bytes(100),
        "content_length_negative": sip(length="Content-Length: -1\r\n"),
        "content_length_twice": sip(length="Content-Length: 4\r\nl: 0\r\n") + ok,
        "content_length_body": sip(length="Content-Length: 10\r\n") + b"v=0\r\no=x\r\n" + ok,
        "content_length_folded": sip(length="Content-Length:\r\n 0\r\n"),
        "missing_crlfcrlf": sip(end=""),
        "bare_lf": sip(eol="\n", end="\n"),
        "folded_headers": sip(extra="Subject: a\r\n\tfolded\r\n").replace(
            b"Via: SIP/2.0/TCP", b"Via:\r\n SIP/2.0/TCP"),
        "retry_after_overflow": sip("SIP/2.0 503 Busy", "Retry-After: 99999999999999999999999\r\n"),
        "retry_after_2_32": sip("SIP/2.0 503 Busy",
                                "Retry-After: 4294967296 (later);duration=9\r\n"),
        "retry_after_folded": sip("SIP/2.0 503 Busy", "Retry-After:\r\n 60\r\n"),
        "retry_after_negative": sip("SIP/2.0 503 Busy", "Retry-After: -5\r\n"),
        "keepalives": b"\r\n\r\n\r\n" + sip("SIP/2.0 100 Trying") + b"\r\n\r\n" + ok,
        "peer_request_first": (b"OPTIONS sip:probe@127.0.0.51 SIP/2.0\r\n"
                               b"Content-Length: 0\r\n\r\n" + ok),
        "provisional_only": sip("SIP/2.0 180 Ringing"),
        "other_branch": sip(branch="z9hG4bKstale") + sip("SIP/2.0 500 Oops"),
        "other_call_id": sip(call_id="other@127.0.0.51") + sip("SIP/2.0 404 Not Found"),
        "other_cseq": sip(cseq="2 INVITE"),
        "two_vias_top_not_ours": sip(extra="").replace(
            b"Via:", b"Via: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bKproxy, SIP/2.0/TCP x\r\nVia:", 1),
        "compact_headers": (b"SIP/2.0 200 OK\r\nv: SIP/2.0/TCP h;branch=$BRANCH\r\ni: $CALLID\r\n"
                            b"l: 0\r\n\r\n"),
        "code_099": sip("SIP/2.0 099 Low"),
        "code_700": sip("SIP/2.0 700 High"),
        "code_not_digits": sip("SIP/2.0 2x0 OK"),
        "lowercase_version": sip("sip/2.0 200 ok"),
        "status_no_phrase": sip("SIP/2.0 200"),
        "status_no_space": sip("SIP/2.0 200OK"),
        "phrase_control_bytes": sip("SIP/2.0 486 Busy\x1b[31m\x00here"),
        "header_without_colon": sip(extra="NoColonHere\r\n"),
        "not_sip": b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        "binary": bytes(range(256)),
        "headers_over_limit": b"SIP/2.0 200 OK\r\nX: " + b"a" * 16400,
    }
    # 2 chunk-seed bytes, then the up_codes choice (index into the target's list).
    return {"hostile_" + k: bytes([i, 0x42, i % 4]) + v for i, (k, v) in enumerate(s.items())}


def stun(mtype=0x0101, attrs=b"", cookie=0x2112A442, length=None, tid=bytes(12)):
    length = len(attrs) if length is None else length
    return struct.pack(">HHI", mtype, length, cookie) + tid + attrs


def attr(atype, value, pad=True):
    return struct.pack(">HH", atype, len(value)) + value + (bytes(-len(value) % 4) if pad else b"")


def stun_seeds():
    xma = attr(0x0020, struct.pack(">BBH", 0, 1, 0x1234 ^ 0x2112) + bytes(4))
    err = lambda cls, num, text=b"": attr(0x0009, bytes([0, 0, cls, num]) + text)  # noqa: E731
    s = {
        "success_xma": (0xff, stun(attrs=xma)),
        "length_not_multiple_of_4": (0xff, stun(attrs=xma, length=len(xma) - 2)),
        "attribute_overruns": (0xff, stun(attrs=struct.pack(">HH", 0x0020, 64) + bytes(8))),
        "attribute_odd_length": (0xff, stun(attrs=attr(0x8022, b"abcde"))),
        "attribute_unpadded": (0xff, stun(attrs=attr(0x8022, b"abcde", pad=False) + bytes(3))),
        "wrong_magic_cookie": (0xff, stun(attrs=xma, cookie=0x2112A443)),
        "top_bits_set": (0xff, b"\xc1\x01" + stun()[2:]),
        "truncated_header": (0xff, stun()[:13]),
        "huge_length_incomplete": (0xff, stun(length=0xfffc) + bytes(40)),
        "zero_length_attributes": (0xff, stun(attrs=attr(0x8028, b"") * 16)),
        "error_401": (0xff, stun(0x0111, err(4, 1, b"Unauthorized"))),
        "error_short": (0xff, stun(0x0111, attr(0x0009, b"\0\4"))),
        "error_class_7_number_255": (0xff, stun(0x0111, err(7, 255))),
        "indication_then_success": (0xff, stun(0x0011) + stun(attrs=xma)),
        "foreign_then_ours": (0x02, stun(0x0111, err(5, 0)) + stun(attrs=xma)),
        "request_from_peer": (0xff, stun(0x0001) + stun(attrs=xma)),
        "sip_instead_of_stun": (0xff, b"SIP/2.0 200 OK\r\n\r\n"),
    }
    # 2 chunk-seed bytes, then which framed messages carry the probe's transaction ID.
    return {"hostile_" + k: bytes([i, 0x99, stamp]) + v
            for i, (k, (stamp, v)) in enumerate(s.items())}


def write(dirname, seeds, prefix=None):
    """Replaces corpus/<dirname>, or only its files named prefix* when prefix is given."""
    d = HERE / "corpus" / dirname
    if prefix is not None:
        d.mkdir(parents=True, exist_ok=True)
        for old in d.glob(prefix + "*"):
            old.unlink()
    else:
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
    zones.update({p.name: p.read_bytes()
                  for p in sorted((ROOT / "tests/integration/differential/zones").glob("*.toml"))})
    # sipdns import's goldens: escapes, a round-robin-only cluster
    zones.update({"import_" + p.name: p.read_bytes()
                  for p in sorted((ROOT / "tests/data/import").glob("*.toml"))})
    # rejected zones too, so the error paths start covered
    zones.update({"bad_" + p.name: p.read_bytes()
                  for p in sorted((ROOT / "tests/data/bad").glob("*.toml"))})
    write("zone_loader", zones)
    # sipdns import: the hand-written master files of its tests
    masters = sorted((ROOT / "tests/data/import").iterdir())
    write("master_file", {p.name: p.read_bytes() for p in masters if p.suffix in (".zone", ".dns")})
    write("sip_response", sip_seeds(), prefix="hostile_")
    write("stun_response", stun_seeds(), prefix="hostile_")


if __name__ == "__main__":
    main()
