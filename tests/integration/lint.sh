#!/usr/bin/env bash
# `sipdns check` lint: each case in tests/data/lint/ (a file, or a directory of zones loaded
# together) against its goldens: <case>.expected (the text diagnostics, stderr) and
# <case>.json (--format json, stdout). The exit status follows from the golden: 1 with an
# error, else 0, and 2 under --strict with a warning. No server is started.
# UPDATE=1 rewrites the goldens from what sipdns prints now (review the diff before committing).
source "$(dirname "$0")/lib.sh"

[[ -x $SIPDNS ]] || { echo "FATAL: sipdns CLI not found at '$SIPDNS' (set SIPDNS)" >&2; exit 1; }

DIR=tests/data/lint
cases=()
for c in "$DIR"/*; do
  [[ -d $c || $c == *.toml ]] && cases+=("${c%.toml}")
done
((${#cases[@]} >= 17)) || fail "only ${#cases[@]} lint cases in $DIR"

for base in "${cases[@]}"; do
  name=${base##*/}
  input=$base
  [[ -d $input ]] || input=$base.toml
  "$SIPDNS" check "$input" >"$TMP_DIR/stdout" 2>"$TMP_DIR/text"; rc=$?
  "$SIPDNS" check --format json "$input" >"$TMP_DIR/json" 2>"$TMP_DIR/json_err"; rc_json=$?
  "$SIPDNS" check --strict "$input" >/dev/null 2>&1; rc_strict=$?
  if [[ -n ${UPDATE:-} ]]; then
    cp "$TMP_DIR/text" "$base.expected"
    cp "$TMP_DIR/json" "$base.json"
  fi
  OUT=$(diff -u "$base.expected" "$TMP_DIR/text")
  assert_eq "$?" 0 "$name: text diagnostics equal $name.expected"
  OUT=$(diff -u "$base.json" "$TMP_DIR/json")
  assert_eq "$?" 0 "$name: --format json equals $name.json"
  OUT=$(cat "$TMP_DIR/json_err")
  assert_eq "$OUT" "" "$name: --format json writes nothing on stderr"
  want=0 want_strict=0
  if grep -q ': error: ' "$base.expected"; then want=1 want_strict=1
  elif grep -q ': warning: ' "$base.expected"; then want_strict=2; fi
  assert_eq "$rc" "$want" "$name: exit status"
  assert_eq "$rc_json" "$want" "$name: exit status with --format json"
  assert_eq "$rc_strict" "$want_strict" "$name: exit status with --strict"
  OUT=$(cat "$TMP_DIR/stdout")
  if ((want == 0)); then assert_matches "$OUT" '^ok: ' "$name: ok on stdout"
  else assert_eq "$OUT" "" "$name: nothing on stdout when the zones would not load"; fi
  # Every rule finding in the JSON names a rule of the README's table.
  for id in $(grep -o '"id": "SD[0-9]*"' "$TMP_DIR/json" | grep -o 'SD[0-9]*' | sort -u); do
    grep -q "^| \`$id\`" README.md || fail "$name: $id is not in README's rule table"
  done
done

# A case named sdNNN_* is about rule SDNNN: that rule must be among its findings.
for base in "${cases[@]}"; do
  name=${base##*/}
  [[ $name =~ ^sd([0-9]{3})_ ]] || continue
  assert_contains "$(cat "$base.json")" "\"id\": \"SD${BASH_REMATCH[1]}\"" "$name: finds SD${BASH_REMATCH[1]}"
done

# The bundled zones: no warning (their waivers say why), so --strict passes.
OUT=$("$SIPDNS" check --strict zones/ 2>&1); rc=$?
assert_eq "$rc" 0 "bundled zones: sipdns check --strict zones/"
OUT=$("$SIPDNS" check --format json zones/)
assert_not_contains "$OUT" '"severity": "warning"' "bundled zones: no warning in JSON"

# The README's example session is what sipdns prints (stderr, then the ok line).
cmd=$(grep -m1 '^\$ sipdns check tests/data/lint/' README.md)
want=$(awk -v cmd="$cmd" '$0 == cmd { on = 1; next } on && /^```/ { exit } on' README.md)
read -ra words <<<"${cmd#\$ sipdns }"
OUT=$({ "$SIPDNS" "${words[@]}" 2>&1 >&3 | cat; } 3>"$TMP_DIR/ok"; cat "$TMP_DIR/ok")
assert_eq "$OUT" "$want" "README's lint session: ${cmd#\$ }"

# Usage errors: exit 2, said on stderr.
OUT=$("$SIPDNS" check --format yaml zones/ 2>&1); rc=$?
assert_eq "$rc" 2 "--format yaml: usage error"
assert_contains "$OUT" '--format is text or json' "--format yaml: explained"
OUT=$("$SIPDNS" check --strict 2>&1); rc=$?
assert_eq "$rc" 2 "--strict without a path: usage error"

finish
