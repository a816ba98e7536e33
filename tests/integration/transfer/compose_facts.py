#!/usr/bin/env python3
"""What docker/compose.yaml says, checked and printed for compose_knot.sh: its YAML parses, the
services xfr-key, sipdns and knot are there and consistent (each build's Dockerfile exists
relative to its context, both servers wait for the key, Knot for a healthy sipdns, the static
addresses lie in the network's subnet, sipdns's key file lies in the volume xfr-key makes, and
its command names the Knot address in --allow-transfer and --notify). Prints, one a line:

    sipdns_addr=ADDR   knot_addr=ADDR   key_dir=DIR   arg=WORD (the sipdns command, in order)

    compose_facts.py COMPOSE_FILE      exit 0 and the lines, or 1 and the problems on stderr
"""
import ipaddress
import os
import sys

import yaml


def check(compose_path):
    problems = []
    with open(compose_path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    here = os.path.dirname(os.path.abspath(compose_path))
    services = doc.get("services", {})
    for name in ("xfr-key", "sipdns", "knot"):
        if name not in services:
            problems.append(f"no service {name}")
    if problems:
        return problems, {}
    for name, svc in services.items():
        build = svc.get("build", {})
        dockerfile = os.path.join(here, build.get("context", "."), build.get("dockerfile", "Dockerfile"))
        if not os.path.isfile(dockerfile):
            problems.append(f"{name}: no Dockerfile at {dockerfile}")
    for name in ("sipdns", "knot"):
        cond = services[name].get("depends_on", {}).get("xfr-key", {}).get("condition")
        if cond != "service_completed_successfully":
            problems.append(f"{name} does not wait for xfr-key to complete")
    if services["knot"].get("depends_on", {}).get("sipdns", {}).get("condition") != "service_healthy":
        problems.append("knot does not wait for a healthy sipdns")
    subnet = ipaddress.ip_network(doc["networks"]["dns"]["ipam"]["config"][0]["subnet"])
    addr = {}
    for name in ("sipdns", "knot"):
        a = services[name]["networks"]["dns"]["ipv4_address"]
        addr[name] = a
        if ipaddress.ip_address(a) not in subnet:
            problems.append(f"{name}: {a} is not in {subnet}")
    args = [str(w) for w in services["sipdns"]["command"]]
    key_file = args[args.index("--tsig-key-file") + 1] if "--tsig-key-file" in args else ""
    key_dir = os.path.dirname(key_file)
    if f"xfr-key:{key_dir}:ro" not in services["sipdns"].get("volumes", []):
        problems.append(f"sipdns: --tsig-key-file {key_file} is not in the volume xfr-key")
    if not any(w.startswith(f"{addr['knot']},key:") for w in args):
        problems.append(f"sipdns: no --allow-transfer for knot's {addr['knot']} with a key")
    if not any(w.startswith(f"{addr['knot']}:53,key:") for w in args):
        problems.append(f"sipdns: no --notify to knot's {addr['knot']}:53 with a key")
    return problems, {"sipdns_addr": addr["sipdns"], "knot_addr": addr["knot"],
                      "key_dir": key_dir, "args": args}


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        problems, facts = check(sys.argv[1])
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, IndexError) as e:
        problems, facts = [f"{type(e).__name__}: {e}"], {}
    for p in problems:
        print(f"{sys.argv[1]}: {p}", file=sys.stderr)
    if problems:
        return 1
    for k in ("sipdns_addr", "knot_addr", "key_dir"):
        print(f"{k}={facts[k]}")
    for w in facts["args"]:
        print(f"arg={w}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
