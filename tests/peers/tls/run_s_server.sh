#!/bin/sh
# Runs `openssl s_server` in the foreground on a loopback address (exec: the PID you started
# is the server's, so kill it by PID). With port 0 the kernel picks one; the server prints
# "ACCEPT 127.0.0.3:PORT" on stdout.
# usage: run_s_server.sh CERT KEY IP:PORT
set -eu
cert=${1:?usage: run_s_server.sh CERT KEY IP:PORT}
key=${2:?usage: run_s_server.sh CERT KEY IP:PORT}
accept=${3:?usage: run_s_server.sh CERT KEY IP:PORT}
case "$accept" in
  127.*|'[::1]'*) ;;
  *) echo "run_s_server.sh: loopback addresses only" >&2; exit 2 ;;
esac
# -www answers HTTP GETs and never reads stdin, so it runs fine without a terminal.
exec openssl s_server -accept "$accept" -cert "$cert" -key "$key" -www
