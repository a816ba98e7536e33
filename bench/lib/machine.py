"""The machine a Python bench ran on, for the "machine" field of its result file."""
import json
import os
import subprocess


def machine():
    """What machine_json of bench/lib/common.sh prints, so that the shell and the Python
    benches record the same facts from one place."""
    lib = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run(["bash", "-c", 'source "$0/common.sh" && machine_json', lib],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)
