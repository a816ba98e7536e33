#!/usr/bin/env bash
# sipdnsd --config FILE: the real server configured by a TOML file (zones, control socket,
# state directory, TSIG key file, transfer ACL) answers and transfers as the flags would make
# it; --listen on the command line replaces the file's listen; the secret is on no command
# line; a bad file stops it with FILE:LINE:COLUMN and exit status 2.
source "$(dirname "$0")/lib.sh"

SECRET=c2lwZG5zLWNvbmZpZy10ZXN0   # base64 of "sipdns-config-test"
KEY=$TMP_DIR/xfr.key
CONFIG=$TMP_DIR/sipdnsd.toml
printf 'key "xfr-key" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$SECRET" >"$KEY"
chmod 600 "$KEY"
# start_server adds --listen on the command line, which replaces this unusable listen (were
# both used, binding 192.0.2.1 would fail and the server would not start).
cat >"$CONFIG" <<EOF
listen = ["192.0.2.1:53"]
zones = ["zones/uctest.local.toml", "zones/example.com.toml"]
control = "$CONTROL_SOCK"
state-dir = "$TMP_DIR/state"
workers = 2
tcp-idle-timeout = 10
tsig-key-file = "$KEY"
allow-transfer = ["127.0.0.0/8,key:xfr-key"]
EOF

start_server --config "$CONFIG"
assert_not_contains "$(cat "$SERVER_LOG")" "192.0.2.1" "the command line's --listen replaced the file's"
assert_matches "$(cat "$SERVER_LOG")" "event=started zones=2 .* workers=2 " "zones and workers from the file"

dig_q uctest.local SOA >/dev/null
assert_status NOERROR
assert_flag aa
assert_eq "$(count_records ANSWER)" 1 "uctest.local SOA answered"
dig_q example.com SOA >/dev/null
assert_status NOERROR

OUT=$(control status)
assert_contains "$OUT" "generation:" "the control socket from the file answers"
[[ -d $TMP_DIR/state ]] && pass "state-dir from the file created" || fail "no $TMP_DIR/state"

# The key file and the ACL from the config: signed AXFR allowed, unsigned refused.
dig_q -k "$KEY" uctest.local AXFR >/dev/null
assert_contains "$OUT" "uctest.local. 3600 IN SOA" "signed AXFR transfers the zone"
assert_not_contains "$OUT" "Transfer failed" "signed AXFR not refused"
dig_q uctest.local AXFR >/dev/null
assert_contains "$OUT" "Transfer failed" "unsigned AXFR refused"

# What ps shows: the config path, never a secret (the key stays in its file).
OUT=$(ps -o args= -p "$SERVER_PID")
assert_contains "$OUT" "--config $CONFIG" "ps shows the config path"
assert_not_contains "$OUT" "$SECRET" "ps shows no TSIG secret"

# ---- bad files: FILE:LINE:COLUMN and exit status 2, before any socket is opened ----
# bad_config NAME TEXT EXPECTED: sipdnsd --config on TEXT exits 2 printing EXPECTED.
bad_config() {
  local file=$TMP_DIR/$1.toml rc
  printf '%s' "$2" >"$file"
  OUT=$(timeout 10 "$SIPDNSD" --config "$file" 2>&1)
  rc=$?
  assert_eq "$rc" 2 "$1: exit status"
  assert_contains "$OUT" "sipdnsd: error: $file:$3" "$1: error at file:line:column"
}
bad_config unknown_key $'zones = "zones/"\nlisten-on = "127.0.0.1:53"\n' \
  '2:1: unknown key "listen-on" (sipdnsd --help lists the flags)'
bad_config wrong_type $'workers = "2"\n' '1:11: workers: expected an integer (a number), got a string'
bad_config refused $'zones = "zones/"\nlisten = ["127.0.0.1:53", "nope"]\n' '2:27: listen: '
bad_config syntax $'workers = 2\nzones = "a" "b"\n' '2:13: '
bad_config config_in_file $'config = "other.toml"\n' '1:1: key "config" is for the command line only'

finish
