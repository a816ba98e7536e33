#!/usr/bin/env bash
# Runs the dig/nslookup examples of README.md against a live server and compares their record
# lines with what the README shows, so the README cannot rot.
#
#   readme_examples.sh            check (the CTest test)
#   readme_examples.sh --update   rewrite each example's output in README.md from the server
#
# An example is a line "$ dig ..." or "$ nslookup ..." inside a ``` fenced block; its output
# is every following line up to the next "$ " line or the closing fence. Port 5353 in the
# command is replaced with the test port. Only the record lines are compared (comment lines
# starting with ';', blank lines and nslookup's "Server:/Address:" lines are ignored; so are
# ids, query times, timestamps, message sizes and cookies), as a sorted set, because
# round-robin answers rotate. Commands are split on blanks, never given to a shell.
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh

mode=check
case ${1:-} in
  --update) mode=update ;;
  "") ;;
  *) echo "usage: $0 [--update]" >&2; exit 2 ;;
esac

README=${README:-README.md}
if [[ ! -f $README ]]; then
  OUT="(no file)"
  fail "$README not found"
  finish
fi

# Extract examples: ex/N.cmd (the command), ex/N.expected (README output), ex/N.line
# (line number of the command in README).
ex=$TMP_DIR/ex
mkdir -p "$ex"
awk -v dir="$ex" '
  function close_ex() { if (cur) { close(cur ".expected") } cur = "" }
  /^[[:space:]]*```/ { close_ex(); in_fence = !in_fence; next }
  in_fence && /^\$ / {
    close_ex()
    n++
    cur = dir "/" n
    cmd = substr($0, 3)
    print cmd > (cur ".cmd"); close(cur ".cmd")
    print NR > (cur ".line"); close(cur ".line")
    printf "" > (cur ".expected")
    next
  }
  in_fence && cur { print >> (cur ".expected") }
' "$README"

shopt -s nullglob
examples=()
for f in "$ex"/*.cmd; do
  read -r first _ <"$f"
  [[ $first == dig || $first == nslookup ]] && examples+=("${f%.cmd}")
done
if ((${#examples[@]} == 0)); then
  OUT=$(grep -n '^\$ ' "$README" 2>/dev/null | head)
  fail "$README has no '\$ dig ...' or '\$ nslookup ...' lines inside \`\`\` blocks; add examples (tools/readme_examples.sh --update fills in their output)"
  finish
fi

start_server --zones zones/

# run_example CMDFILE: runs the command against the test server; prints its output.
run_example() {
  local words=() out=() w i
  read -ra words <"$1"
  local tool=${words[0]}
  local target_ok=0
  for ((i = 1; i < ${#words[@]}; i++)); do
    w=${words[i]}
    case $w in
      @127.0.0.1 | @::1 | @localhost | 127.0.0.1 | ::1 | localhost) target_ok=1 ;;
    esac
    if [[ $w == -p && ${words[i + 1]:-} == 5353 ]]; then
      out+=(-p "$PORT"); ((i++)); continue
    fi
    case $w in
      -p5353) w=-p$PORT ;;
      -port=5353) w=-port=$PORT ;;
    esac
    out+=("$w")
  done
  if ((!target_ok)); then
    echo "readme_examples: refusing '${words[*]}': it must query 127.0.0.1 or ::1" >&2
    return 1
  fi
  if [[ " ${out[*]} " == *" @::1 "* || " ${out[*]} " == *" ::1 "* ]] && ! have_ipv6; then
    echo "readme_examples: skipping '${words[*]}': no ::1 on this machine" >&2
    return 3
  fi
  if [[ $tool == dig ]]; then
    timeout 10 dig "${out[@]}" +time=2 +tries=1 2>&1
  else
    timeout 10 nslookup -timeout=2 -retry=1 "${out[@]}" 2>&1
  fi
  return 0
}

# Output as it should appear in the README: the port back to 5353, volatile lines removed.
presentable() {
  sed -E -e "s/#$PORT\b/#5353/g" -e "s/-p $PORT\b/-p 5353/g" -e "s/-port=$PORT\b/-port=5353/g" \
         -e 's/, id: [0-9]+//' |
    grep -vE '^(; <<>> DiG|; \([0-9]+ servers? found\)|;; global options|;; Got answer|;; Query time|;; SERVER|;; WHEN|;; MSG SIZE|; COOKIE)' |
    awk 'NF { started = 1 } started' |      # drop leading blank lines
    sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'   # and trailing ones
}

# The comparable part: dig's status and flags lines (so REFUSED or a missing aa flag is
# caught), and the record lines, whitespace squeezed, sorted.
records() {
  sed -E "s/#$PORT\b/#5353/g" |
    awk '/->>HEADER<<-/ { sub(/, id: [0-9]+/, ""); sub(/^.*opcode/, "opcode"); print; next }
         /^;; flags:/ { $1 = $1; print; next }
         /^[[:space:]]*$/ || /^;/ || /^Server:/ || /^Address:[[:space:]]+[0-9a-f.:]+#/ { next }
         { $1 = $1; print }' | LC_ALL=C sort
}

for e in "${examples[@]}"; do
  cmd=$(cat "$e.cmd")
  actual=$(run_example "$e.cmd"); rc=$?
  if ((rc == 3)); then continue; fi
  if ((rc != 0)); then
    OUT=$actual
    fail "README line $(cat "$e.line"): cannot run '$cmd'"
    continue
  fi
  printf '%s\n' "$actual" | presentable >"$e.actual"
  if [[ $mode == update ]]; then
    pass "updated '$cmd'"
    continue
  fi
  want=$(records <"$e.expected")
  got=$(printf '%s\n' "$actual" | records)
  if [[ -z $want ]]; then
    OUT=$actual
    fail "README line $(cat "$e.line"): '$cmd' shows no output (run tools/readme_examples.sh --update)"
  elif [[ $want == "$got" ]]; then
    pass "README line $(cat "$e.line"): '$cmd'"
  else
    OUT=$(diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | sed 's/^</README:/; s/^>/server:/')
    fail "README line $(cat "$e.line"): '$cmd' output differs (README vs server)"
  fi
done

if [[ $mode == update ]] && ((FAILS == 0)); then
  # Rewrite README: after each example's command line, the fresh output replaces the old.
  awk -v dir="$ex" '
    function flush_skip() { skipping = 0 }
    /^[[:space:]]*```/ {
      skipping = 0; in_fence = !in_fence; print; next
    }
    in_fence && /^\$ / {
      skipping = 0
      n++
      print
      f = dir "/" n ".actual"
      if ((getline line < f) > 0) {
        print line
        while ((getline line < f) > 0) print line
        close(f)
        skipping = 1
      }
      next
    }
    skipping { next }
    { print }
  ' "$README" >"$TMP_DIR/README.new"
  cat "$TMP_DIR/README.new" >"$README"
  echo "readme_examples: rewrote ${#examples[@]} example outputs in $README"
fi

finish
