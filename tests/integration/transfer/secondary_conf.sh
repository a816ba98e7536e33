# Configurations of NSD, Knot and BIND as secondaries of sipdnsd (sourced by
# tests/integration/transfer/secondaries.sh and bench/secondaries.sh): write_nsd, write_knotd,
# write_named PORT write TMP_DIR/NAME/ for every zone in ORIGINS, transferring from PRIMARY
# (ADDR@PORT) with the TSIG key xfr-key (SECRET, and KEY_FILE for BIND, which transfers from
# 127.0.0.3), taking NOTIFY from 127.0.0.1. NSD reloads at once (xfrd-reload-timeout 0) and
# asks AXFR unless NSD_REQUEST is set to "" (then IXFR first, as by default).
# start_secondary NAME starts one on WANT_PORT[NAME], records SEC_PID and SEC_PORT.

write_nsd() {  # PORT
  {
    printf 'server:\n  ip-address: 127.0.0.1@%s\n  port: %s\n  username: ""\n' "$1" "$1"
    printf '  chroot: ""\n  database: ""\n  server-count: 1\n  verbosity: 2\n'
    printf '  zonesdir: "%s/nsd"\n  pidfile: "%s/nsd/pid"\n' "$TMP_DIR" "$TMP_DIR"
    printf '  zonelistfile: "%s/nsd/zonelist"\n  xfrdfile: "%s/nsd/xfrd"\n' "$TMP_DIR" "$TMP_DIR"
    printf '  xfrdir: "%s/nsd"\n  xfrd-reload-timeout: 0\n' "$TMP_DIR"
    printf 'remote-control:\n  control-enable: no\n'
    printf 'key:\n  name: xfr-key\n  algorithm: hmac-sha256\n  secret: "%s"\n' "$SECRET"
    local o
    for o in "${ORIGINS[@]}"; do
      printf 'zone:\n  name: %s\n  zonefile: %s.zone\n' "$o" "$o"
      printf '  request-xfr: %s%s xfr-key\n  allow-notify: 127.0.0.1 xfr-key\n' "${NSD_REQUEST-AXFR }" "$PRIMARY"
      printf '  provide-xfr: 127.0.0.1 NOKEY\n'
    done
  } >"$TMP_DIR/nsd/nsd.conf"
}
write_knotd() {  # PORT
  {
    printf 'server:\n  rundir: "%s/knotd"\n  listen: 127.0.0.1@%s\n' "$TMP_DIR" "$1"
    printf '  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n'
    printf 'database:\n  storage: "%s/knotd"\n' "$TMP_DIR"
    printf 'log:\n  - target: stderr\n    any: info\n'
    printf 'key:\n  - id: xfr-key\n    algorithm: hmac-sha256\n    secret: %s\n' "$SECRET"
    printf 'remote:\n  - id: primary\n    address: %s\n    key: xfr-key\n' "$PRIMARY"
    printf 'acl:\n  - id: local\n    address: 127.0.0.1\n    action: transfer\n'
    printf '  - id: primary-notify\n    address: 127.0.0.1\n    key: xfr-key\n    action: notify\n'
    printf 'template:\n  - id: default\n    storage: "%s/knotd"\n    master: primary\n' "$TMP_DIR"
    printf '    acl: [local, primary-notify]\n    zonefile-sync: -1\n    journal-content: none\nzone:\n'
    local o
    for o in "${ORIGINS[@]}"; do printf '  - domain: %s\n' "$o"; done
  } >"$TMP_DIR/knotd/knot.conf"
}
write_named() {  # PORT
  {
    printf 'options {\n  directory "%s/named";\n  pid-file "%s/named/pid";\n' "$TMP_DIR" "$TMP_DIR"
    printf '  listen-on port %s { 127.0.0.1; };\n  listen-on-v6 { none; };\n' "$1"
    printf '  recursion no;\n  allow-transfer { 127.0.0.1; };\n  notify no;\n'
    printf '  allow-notify { 127.0.0.1; };\n'
    printf '  transfer-source 127.0.0.3;\n  query-source address 127.0.0.3;\n'
    printf '  session-keyfile "%s/named/session.key";\n};\n' "$TMP_DIR"
    printf 'controls { };\ninclude "%s";\n' "$KEY_FILE"
    printf 'server 127.0.0.1 { keys { xfr-key; }; };\n'
    local o
    for o in "${ORIGINS[@]}"; do
      printf 'zone "%s" { type secondary; file "%s.db";\n' "$o" "$o"
      printf '  primaries port %s { 127.0.0.1; }; };\n' "$PORT"
    done
  } >"$TMP_DIR/named/named.conf"
}

# serves_all PORT: every zone's SOA is answered authoritatively (the transfer is in).
serves_all() {
  local o out
  for o in "${ORIGINS[@]}"; do
    out=$(dig @127.0.0.1 -p "$1" +norec +time=1 +tries=1 "$o" SOA 2>&1)
    [[ $out == *"status: NOERROR"* && $out == *" aa"* ]] || return 1
  done
}

# start_secondary NAME: starts it on its port; bounded wait (30 s) until it serves every zone.
start_secondary() {
  local name=$1 port=${WANT_PORT[$1]} log=$TMP_DIR/$1.log
  mkdir -p "$TMP_DIR/$name"
  "write_$name" "$port"
  case $name in
    nsd) nsd -d -c "$TMP_DIR/nsd/nsd.conf" >"$log" 2>&1 & ;;
    knotd) knotd -c "$TMP_DIR/knotd/knot.conf" >"$log" 2>&1 & ;;
    named) named -g -u root -c "$TMP_DIR/named/named.conf" >"$log" 2>&1 & ;;
  esac
  SEC_PID[$name]=$!
  start_watchdog "${SEC_PID[$name]}" 1200 term
  if poll_until 30000 serves_all "$port"; then
    SEC_PORT[$name]=$port
    pass "$name (secondary on port $port) loaded all ${#ORIGINS[@]} zones from sipdnsd"
    return 0
  fi
  OUT=$(tail -n 30 "$log")
  fail "$name did not load every zone from sipdnsd within 30 s"
  return 1
}
