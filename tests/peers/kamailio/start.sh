#!/usr/bin/env bash
# Runs one Kamailio instance in the foreground with kamailio.cfg, listening on ADDR:PORT over
# UDP and TCP, its PID file and runtime files in RUN_DIR (never /run/kamailio, never a system
# service). exec's Kamailio, so the caller's $! is Kamailio's main PID; its worker processes
# share that process group when the caller started us with setsid, so
# `kill -KILL -- -PID` stops all of them at once (a crash, as the health tests simulate).
#
#   tests/peers/kamailio/start.sh ADDR RUN_DIR [PORT]      e.g. start.sh 127.0.0.2 /tmp/x 5060
#
# Only loopback addresses are accepted.
set -euo pipefail

if (($# < 2)); then
  sed -n '2,9s/^# \{0,1\}//p' "$0" >&2
  exit 2
fi
addr=$1 run_dir=$2 port=${3:-5060}
case $addr in
  127.*|::1) ;;
  *) echo "start.sh: refusing non-loopback address '$addr'" >&2; exit 2 ;;
esac
KAMAILIO=${KAMAILIO:-$(command -v kamailio || echo /usr/sbin/kamailio)}
if [[ ! -x $KAMAILIO ]]; then
  echo "start.sh: kamailio not installed (apt-get install kamailio)" >&2
  exit 127
fi
mkdir -p "$run_dir"
cfg=$(cd "$(dirname "$0")" && pwd)/kamailio.cfg

# -DD: stay in the foreground (workers are still forked); -E: log to stderr; -Y/-P/-w: every
# file Kamailio writes goes under RUN_DIR; -m/-M: small memory pools (MB), enough for OPTIONS.
exec "$KAMAILIO" -DD -E -f "$cfg" \
  -l "udp:$addr:$port" -l "tcp:$addr:$port" \
  -Y "$run_dir" -P "$run_dir/kamailio.pid" -w "$run_dir" \
  -m 16 -M 4 -a no
