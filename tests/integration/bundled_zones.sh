#!/usr/bin/env bash
# Every bundled zone in zones/ loads and its SOA is served.
source "$(dirname "$0")/lib.sh"

shopt -s nullglob
files=(zones/*.toml)
if ((${#files[@]} == 0)); then
  OUT=$(ls -la zones/ 2>&1)
  fail "no zones/*.toml found"
  finish
fi
start_server --zones zones/

# The zone's origin: the `origin = "..."` key if the file has one, else the file name.
origin_of() {
  local f=$1 o
  o=$(sed -n -E 's/^[[:space:]]*origin[[:space:]]*=[[:space:]]*"([^"]+)".*/\1/p' "$f" | head -1)
  [[ -n $o ]] || o=$(basename "$f" .toml)
  echo "${o%.}"
}

for f in "${files[@]}"; do
  origin=$(origin_of "$f")
  dig_q "$origin" SOA >/dev/null
  assert_status NOERROR
  assert_flag aa
  assert_matches "$(section ANSWER)" "^${origin//./\\.}\. [0-9]+ IN SOA " "$f: SOA of $origin served"
done
assert_contains "$(cat "$SERVER_LOG")" "event=started zones=${#files[@]} " "server counts every file"

finish
