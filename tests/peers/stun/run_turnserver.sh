#!/bin/sh
# Runs coturn's turnserver as a plain STUN server (RFC 5389 Binding only: --stun-only) on one
# loopback address, UDP and TCP, in the foreground (exec: kill it by the PID you started).
# usage: run_turnserver.sh IP PORT WORKDIR
set -eu
ip=${1:?usage: run_turnserver.sh IP PORT WORKDIR}
port=${2:?usage: run_turnserver.sh IP PORT WORKDIR}
dir=${3:?usage: run_turnserver.sh IP PORT WORKDIR}
case "$ip" in
  127.*|::1) ;;
  *) echo "run_turnserver.sh: loopback addresses only" >&2; exit 2 ;;
esac
mkdir -p "$dir"
# --db keeps coturn's SQLite file out of /var/lib/turn; --no-cli avoids the telnet port 5766;
# --listening-ip as the relay address keeps every socket on loopback.
exec turnserver -n --listening-ip="$ip" --relay-ip="$ip" --listening-port="$port" \
  --stun-only --no-auth --no-tls --no-dtls --no-cli --no-software-attribute \
  --db="$dir/turndb" --pidfile="$dir/turnserver.pid" --log-file=stdout --simple-log
