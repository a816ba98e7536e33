#!/usr/bin/env bash
# Checks (default) or regenerates (--update) the dig/nslookup example outputs in README.md
# from a live sipdnsd; see tests/integration/readme_examples.sh. Build first (tools/dev.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export SIPDNSD=${SIPDNSD:-build/server/sipdnsd}
exec tests/integration/readme_examples.sh "$@"
