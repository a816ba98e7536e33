#!/usr/bin/env bash
# `sipdns import` and `sipdns export` as an administrator migrating uses them:
# - golden TOML for a hand-written awkward master file and a Windows DNS export
#   (tests/data/import/), which `sipdns check` loads;
# - round trips: import then export gives the master file's records (canonical text from BIND's
#   named-compilezone, sorted), for those files and for every bundled zone's export;
# - every bundled zone's export passes named-checkzone, kzonecheck and nsd-checkzone, and says
#   which [[cluster]] derived which records;
# - bad input: file:line: on stderr, exit 1, nothing on stdout;
# - the imported zone served by sipdnsd answers as the master file says.
source "$(dirname "$0")/lib.sh"

[[ -x $SIPDNS ]] || { echo "FATAL: sipdns CLI not found at '$SIPDNS' (set SIPDNS)" >&2; exit 1; }
require_tools named-compilezone named-checkzone kzonecheck nsd-checkzone dig
DATA=tests/data/import

# canon ORIGIN FILE: the zone's records as BIND reads them, one per line, sorted.
canon() { named-compilezone -q -i none -o - "$1" "$2" 2>&1 | sort; }

# ---- golden files, and they load ------------------------------------------------------------
for f in awkward.zone:awkward.toml windows.dns:windows.toml; do
  src=$DATA/${f%%:*} golden=$DATA/${f##*:}
  OUT=$(diff -u "$golden" <("$SIPDNS" import "$src" 2>/dev/null) 2>&1)
  assert_eq "$?" 0 "sipdns import $src is $golden"
  OUT=$("$SIPDNS" check "$golden" 2>&1)
  assert_eq "$?" 0 "sipdns check loads $golden"
done
OUT=$(cat "$DATA/awkward.toml")
assert_contains "$OUT" 'name = "sip"' "awkward: the round-robin name is the cluster's name"
assert_contains "$OUT" "unequal weights (20, 80)" "awkward: the weighted pair is explained"
assert_contains "$OUT" "rname = 'dns\\.admin'" "awkward: an rname with an escaped dot is kept"
assert_contains "$(grep -B1 -A3 '^name = "edge"' <<<"$OUT" | tr '\n' ' ')" \
  '[[cluster]] name = "edge" round_robin_ttl = 20 host_ttl = 1209600 peers = [' \
  "awkward: a round-robin name over two hosts is a cluster without SRV"
assert_contains "$OUT" "A at web (lines 45-46): not every address is the one address of a host" \
  "awkward: a round-robin name without a host per address stays records, and says why"
OUT=$("$SIPDNS" import "$DATA/windows.dns" 2>&1 >/dev/null)
assert_contains "$OUT" "windows.dns: note: 1 Windows aging stamp" "windows: [AGE:] noted on stderr"

# ---- round trips of the hand-written files --------------------------------------------------
roundtrip() {  # ORIGIN MASTERFILE [REFERENCE: what BIND reads of it, when it cannot read it]
  local name=$TMP_DIR/rt-$(basename "$2")
  "$SIPDNS" import "$2" >"$name.toml" 2>/dev/null && "$SIPDNS" export "$name.toml" >"$name.zone"
  OUT=$(diff <(canon "$1" "${3:-$2}") <(canon "$1" "$name.zone") 2>&1)
  assert_eq "$?" 0 "import then export of $2: the same records"
}
roundtrip example.net "$DATA/awkward.zone"
# BIND reads no Windows aging stamp: its reference is the file without them.
sed 's/\[AGE:[0-9]*\]//' "$DATA/windows.dns" >"$TMP_DIR/windows-noage.dns"
roundtrip uctest.local "$DATA/windows.dns" "$TMP_DIR/windows-noage.dns"

# ---- every bundled zone: the three checkers, origin comments, round trip --------------------
mkdir -p "$TMP_DIR/export" "$TMP_DIR/toml" "$TMP_DIR/again"
"$SIPDNS" export zones/ >"$TMP_DIR/all.zone"
assert_eq "$?" 0 "sipdns export zones/"
awk -v dir="$TMP_DIR/export" '/^; zone / { f = dir "/" substr($3, 1, length($3) - 1) ".zone" }
  f { print > f }' "$TMP_DIR/all.zone"
# The line of the [[cluster]] header in the bundled file (the comment names where it starts).
CL=$(grep -n '^\[\[cluster\]\]' zones/uctest.local.toml | head -n 1 | cut -d: -f1)
OUT=$(grep -A1 "^; from \\[\\[cluster\\]\\] habibexpc-cluster, zones/uctest.local.toml:$CL\$" "$TMP_DIR/all.zone")
assert_contains "$OUT" "habibexpc1.uctest.local. 3600 IN A 10.48.53.127" \
  "export: the cluster's records follow a comment naming it and its line"
OUT=$(grep -B1 $'^127.53.48.10.in-addr.arpa.\t' "$TMP_DIR/all.zone")
assert_contains "$OUT" "; from [[cluster]] habibexpc-cluster, zones/uctest.local.toml:$CL" \
  "export: a PTR in the reverse zone names the cluster in the forward zone's file"
for f in zones/*.toml; do
  z=$(basename "$f" .toml) file=$TMP_DIR/export/$z.zone
  OUT=$(named-checkzone "$z" "$file" 2>&1); assert_eq "$?" 0 "named-checkzone accepts the export of $z"
  OUT=$(kzonecheck -o "$z" "$file" 2>&1); assert_eq "$?" 0 "kzonecheck accepts the export of $z"
  OUT=$(nsd-checkzone "$z" "$file" 2>&1); assert_eq "$?" 0 "nsd-checkzone accepts the export of $z"
  OUT=$("$SIPDNS" import "$file" 2>&1 >"$TMP_DIR/toml/$z.toml")
  assert_eq "$?" 0 "sipdns import of $z's export"
done
OUT=$("$SIPDNS" check "$TMP_DIR/toml/" 2>&1)
assert_eq "$?" 0 "sipdns check loads every imported zone together"
"$SIPDNS" export "$TMP_DIR/toml/" | awk -v dir="$TMP_DIR/again" '
  /^; zone / { f = dir "/" substr($3, 1, length($3) - 1) ".zone" } f { print > f }'
for f in zones/*.toml; do
  z=$(basename "$f" .toml)
  OUT=$(diff <(canon "$z" "$TMP_DIR/export/$z.zone") <(canon "$z" "$TMP_DIR/again/$z.zone") 2>&1)
  assert_eq "$?" 0 "export, import, export of $z: the same records"
done
OUT=$(grep -c '^\[\[cluster\]\]' "$TMP_DIR/toml/example.com.toml")
assert_eq "$OUT" 3 "example.com: the primary, the backup and the cisco-uds cluster recognised"

# ---- bad input ------------------------------------------------------------------------------
printf '$ORIGIN x.test.\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\nbad A 300.1.1.1\n' >"$TMP_DIR/bad.zone"
printf '$ORIGIN x.test.\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\nd DNAME y.test.\n' >"$TMP_DIR/dname.zone"
printf 'hello world\nthis is not a zone\n' >"$TMP_DIR/text.txt"
printf '@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n' >"$TMP_DIR/noorigin.zone"
bad() {  # FILE EXPECTED-STDERR-START
  local stdout
  stdout=$("$SIPDNS" import "$1" 2>"$TMP_DIR/err"); local rc=$?
  OUT=$(cat "$TMP_DIR/err")
  assert_eq "$rc" 1 "import $1: exit status"
  assert_eq "$stdout" "" "import $1: nothing on stdout"
  assert_contains "$OUT" "$2" "import $1: says where"
}
bad "$TMP_DIR/missing.zone" "$TMP_DIR/missing.zone: error: cannot read: No such file"
bad "$TMP_DIR" "$TMP_DIR: error: cannot read: not a regular file"
bad "$TMP_DIR/text.txt" "$TMP_DIR/text.txt:2: error: Syntax error"
bad "$TMP_DIR/bad.zone" "$TMP_DIR/bad.zone:5: error: Syntax error, could not parse the RR's rdata: \"bad A 300.1.1.1\""
bad "$TMP_DIR/dname.zone" "$TMP_DIR/dname.zone:5: error: DNAME is not supported"
bad "$TMP_DIR/noorigin.zone" "$TMP_DIR/noorigin.zone:1: error: relative name and no origin"
OUT=$("$SIPDNS" import "$TMP_DIR/noorigin.zone" --origin x.test 2>&1)
assert_contains "$OUT" 'origin = "x.test"' "--origin gives the origin a file does not"
"$SIPDNS" import >/dev/null 2>&1
assert_eq "$?" 2 "import without a file: usage error"
# An SRV target that is no host name (found by fuzzing: the TOML writer read a missing name).
OUT=$("$SIPDNS" import tests/fuzz/regressions/master_file/srv-target-not-a-host 2>&1)
assert_eq "$?" 0 "import of SRV records whose target is no host name"
assert_contains "$OUT" "target h\\2552.x.test. is not a host name" "  ... kept as records, with a note"

# ---- the migrated zone, served --------------------------------------------------------------
mkdir -p "$TMP_DIR/serve"
cp "$DATA/awkward.toml" "$TMP_DIR/serve/"
start_server --zones "$TMP_DIR/serve/"
for q in "_sip._tcp.example.net SRV" "sip.example.net A" "example.net NAPTR" "txt.example.net TXT" \
         'a\.b.example.net TXT' "sip1.hosts.example.net A" "example.net SOA" \
         "edge.example.net A" "edge2.example.net A" "web.example.net A"; do
  read -r name type <<<"$q"
  dig_q "$name" "$type" >/dev/null
  got=$(section ANSWER | awk '{ $2 = ""; print }' | sort)
  want=$(canon example.net "$DATA/awkward.zone" | awk -v n="$name." -v t="$type" '
    tolower($1) == tolower(n) && $4 == t { $2 = ""; print }' | sort)
  assert_eq "$(tr -s ' \t' ' ' <<<"$got")" "$(tr -s ' \t' ' ' <<<"$want")" "dig $q: as the master file says"
done
dig_q x.phones.example.net CNAME >/dev/null
assert_contains "$(section ANSWER)" "x.phones.example.net. 60 IN CNAME www.example.net." \
  "the wildcard answers"

finish
