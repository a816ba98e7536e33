#!/usr/bin/env bash
# Hostile zone files: over the size limit, not a regular file, nested 10,000 deep, names over
# the RFC 1035 limits, 100,000 records at one name. `sipdns check` must give a located error
# (never crash or hang); sipdnsd must refuse them at start and, on SIGHUP, keep serving the
# last good zones.
source "$(dirname "$0")/lib.sh"

SIPDNS=${SIPDNS:-$(dirname "$SIPDNSD")/../tools/sipdns}
[[ -x $SIPDNS ]] || { echo "FATAL: sipdns not found at '$SIPDNS' (set SIPDNS)" >&2; exit 1; }

HEADER='[zone]
origin = "h.test"
soa = { mname = "ns1", rname = "hostmaster", serial = 1 }
ns = ["ns1"]'
L63=$(printf 'a%.0s' {1..63})

# check_file FILE: runs `sipdns check` (at most 30 s); sets OUT, rc and ms.
check_file() {
  local t0
  t0=$(now_ms)
  OUT=$(timeout 30 "$SIPDNS" check "$1" 2>&1)
  rc=$?
  ms=$(($(now_ms) - t0))
}
# expect_error FILE LINE:COL REGEX WHAT: exit status 1 (not a crash, not the timeout) and a
# diagnostic at that position matching REGEX. An empty LINE:COL is an error about the whole
# file, printed "file: error: ...".
expect_error() {
  local f=$1 where=$2 regex=$3 what=$4
  check_file "$f"
  if ((rc == 1)); then pass "$what: exit status 1 in ${ms} ms"
  else fail "$what: exit status $rc (124 = hung, >128 = crashed)"; fi
  assert_matches "$OUT" "^$(basename "$f")${where:+:$where}: error: $regex" "$what: located error"
}

cd "$TMP_DIR" || exit 1
# Tests run from the repository root; the files go here so diagnostics print short names.
ROOT=$OLDPWD

# ---- size and file kind ----
# Sparse: 256 MiB + 1 byte of holes costs no disk, and the limit is checked before reading.
printf '%s\n' "$HEADER" >huge.toml
truncate -s $((256 * 1024 * 1024 + 1)) huge.toml
expect_error huge.toml "" "file is 268435457 bytes, over the limit of 268435456 bytes" \
  "file one byte over 256 MiB"
mkfifo fifo.toml
expect_error fifo.toml "" "not a regular file" "a FIFO (would block a reader)"

# ---- nesting 10,000 deep (toml++ recurses; a 60,000-part dotted key overflowed the stack) ----
deep() {  # deep KIND DEPTH
  printf '%s\nrecords = ["ns1 A 127.0.0.1"]\n' "$HEADER"
  case $1 in
    array) printf 'x = '; head -c "$2" /dev/zero | tr '\0' '['; head -c "$2" /dev/zero | tr '\0' ']' ;;
    inline) printf 'x = '; for ((i = 0; i < $2; i++)); do printf '{a='; done
            printf '1'; head -c "$2" /dev/zero | tr '\0' '}' ;;
    dotted) printf 'x'; for ((i = 0; i < $2; i++)); do printf '.a'; done; printf ' = 1' ;;
    header) printf '[x'; for ((i = 0; i < $2; i++)); do printf '.a'; done; printf ']' ;;
    # 100 inline tables each under a 100-part dotted key: 10,000 tables, none deep alone.
    mixed) printf 'x = '; for ((i = 0; i < $2 / 100; i++)); do
             printf 'a'; for ((j = 0; j < 99; j++)); do printf '.a'; done; printf ' = {'; done
           printf 'a = 1'; head -c $(($2 / 100)) /dev/zero | tr '\0' '}' ;;
  esac
  echo
}
for kind in array inline dotted header mixed; do
  deep "$kind" 10000 >"deep_$kind.toml"
  expect_error "deep_$kind.toml" "6:[0-9]+" \
    "(tables, dotted keys and arrays nest more than 256 levels deep|.*maximum nested value depth of 256)" \
    "$kind nested 10,000 deep"
done
# 300 table-header parts, then a key: a limit per statement would miss the sum.
{ deep header 200; printf 'b'; for ((i = 0; i < 100; i++)); do printf '.b'; done; echo ' = 1'; } >deep_sum.toml
expect_error deep_sum.toml 7:[0-9]+ "tables, dotted keys and arrays nest more than 256" \
  "a 201-part header plus a 101-part key"
# Not a false alarm: the same shapes a few levels deep are ordinary errors (unknown key).
deep dotted 5 >shallow.toml
check_file shallow.toml
assert_contains "$OUT" 'shallow.toml:6:1: error: unknown key "x" in [zone]' "5-deep dotted key: the schema error"

# ---- names over the limits ----
{
  printf '%s\nrecords = [\n' "$HEADER"
  printf '  "ns1 A 127.0.0.1",\n'
  printf '  "%sa A 127.0.0.2",\n' "$L63"
  printf '  "x CNAME %s.%s.%s.%s.example.",\n' "$L63" "$L63" "$L63" "$L63"
  printf '  "y MX 10 %sa.example.",\n' "$L63"
  printf ']\n'
} >names.toml
check_file names.toml
assert_eq "$rc" 1 "long names: exit status"
assert_matches "$OUT" "^names.toml:7:3: error: .*: a label has 64 characters, at most 63 are allowed" "64-byte owner label"
assert_matches "$OUT" "^names.toml:8:3: error: .*: name is longer than 255 bytes" "260-byte CNAME target"
assert_matches "$OUT" "^names.toml:9:3: error: .*: a label has 64 characters" "64-byte MX target label"
printf '[zone]\norigin = "%s.%s.%s.%s"\nsoa = { mname = "ns1", rname = "hostmaster" }\nns = ["ns1"]\n' \
  "$L63" "$L63" "$L63" "$L63" >origin.toml
expect_error origin.toml 2:10 'origin ".*": name is longer than 255 bytes' "260-byte origin"

# ---- many records at one name ----
# rrs N: N distinct A records at big.h.test. (16 bytes each in an answer).
rrs() {
  printf '%s\nrecords = [\n  "ns1 A 127.0.0.1",\n' "$HEADER"
  for ((i = 0; i < $1; i++)); do
    printf '  "big A 10.%d.%d.%d",\n' $((i >> 16 & 255)) $((i >> 8 & 255)) $((i & 255))
  done
  printf ']\n'
}
rrs 100000 >many.toml
expect_error many.toml 7:3 'RRset "big.h.test." A has 100000 records, 1600000 bytes on the wire: more than one DNS message can carry' \
  "100,000 records at one name"
if ((ms < 10000)); then pass "100,000 records checked in ${ms} ms"; else fail "100,000 records took ${ms} ms"; fi
# The limit is exactly what fits: header 12 + question 16 + OPT 11 + 4093 x 16 = 65527, and
# the server answers that whole over TCP (checked below); 4,094 would take 65543.
rrs 4094 >over.toml
expect_error over.toml 7:3 'RRset "big.h.test." A has 4094 records, 65504 bytes' "4,094 records: one too many"
rrs 4093 >fits.toml
check_file fits.toml
assert_eq "$rc" 0 "4,093 records at one name: sipdns check accepts"
# Each RRset fits, but a CNAME in front of the 4,093 pushes that answer over one message: the
# error is found when answers are built, located at the CNAME, by `check` as by the server.
sed 's/^  "ns1 A 127.0.0.1",$/  "ns1 A 127.0.0.1",\n  "alias CNAME big",/' fits.toml >chain.toml
expect_error chain.toml 7:3 'the answer to alias.h.test. A would take 65547 bytes' \
  "CNAME to a full RRset"

# ---- the server: refuses at start, keeps serving on reload ----
cd "$ROOT" || exit 1
mkdir -p "$TMP_DIR/zones"
cp "$TMP_DIR/fits.toml" "$TMP_DIR/zones/h.toml"
start_server --zones "$TMP_DIR/zones/"
dig_q +tcp big.h.test A >/dev/null
assert_eq "$(count_records ANSWER)" 4093 "4,093-record RRset served whole over TCP (EDNS)"
dig_q +tcp ns1.h.test A >/dev/null
assert_contains "$(section ANSWER)" "IN A 127.0.0.1" "before the hostile reloads"

for hostile in huge deep_dotted deep_mixed many names chain; do
  : >"$SERVER_LOG.mark"
  lines=$(wc -l <"$SERVER_LOG")
  if [[ $hostile == huge ]]; then
    # A copy would write 256 MiB; a fresh sparse file of the same size costs nothing.
    printf '%s\n' "$HEADER" >"$TMP_DIR/zones/h.toml"
    truncate -s $((256 * 1024 * 1024 + 1)) "$TMP_DIR/zones/h.toml"
  else
    cp "$TMP_DIR/$hostile.toml" "$TMP_DIR/zones/h.toml"
  fi
  kill -HUP "$SERVER_PID"
  failed_since() { tail -n +$((lines + 1)) "$SERVER_LOG" | grep -q " event=reload_failed "; }
  poll_until 10000 failed_since
  OUT=$(tail -n +$((lines + 1)) "$SERVER_LOG")
  assert_contains "$OUT" " event=reload_failed " "SIGHUP with $hostile: reload refused"
  assert_matches "$OUT" "h.toml(:[0-9]+:[0-9]+)?: error: " "SIGHUP with $hostile: located error logged"
  if server_alive; then pass "SIGHUP with $hostile: server alive"; else fail "server died on $hostile"; fi
  dig_q ns1.h.test A >/dev/null
  assert_contains "$(section ANSWER)" "IN A 127.0.0.1" "after $hostile: old zones answer over UDP"
  dig_q +tcp big.h.test A >/dev/null
  assert_eq "$(count_records ANSWER)" 4093 "after $hostile: old 4,093-record RRset over TCP"
done
stop_server
assert_eq "$SERVER_STATUS" 0 "clean exit after the hostile reloads"

# At start-up the same files stop the server with the same errors.
cp "$TMP_DIR/many.toml" "$TMP_DIR/zones/h.toml"
OUT=$(timeout 30 "$SIPDNSD" --listen "127.0.0.1:$(pick_port)" --zones "$TMP_DIR/zones/" 2>&1)
rc=$?
assert_eq "$rc" 1 "start with 100,000 records at one name: exit status"
assert_matches "$OUT" "h.toml:7:3: error: RRset \"big.h.test.\" A has 100000 records" "start: located error"

finish
