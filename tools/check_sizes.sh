#!/usr/bin/env bash
# Files a person can read: no source file under server/ or tools/ over 400 lines, no function
# over 60, unless a comment with "long:" and the reason sits on one of the 3 lines above the
# function (or, for a file, on its first 3 lines). Run by ctest (`sizes`); prints file:line.
#
# Functions are found by the shape our clang-format style gives them: a definition starts at a
# line in column 0 (a signature may span lines) whose text has a "(" and ends with "{", and
# ends at the next "}" in column 0. Member functions defined inside a class body are indented
# and not measured (they are one-liners by habit); neither are lambdas on their own (they count
# in the function around them). Aggregates ("... = {") and class bodies are not functions.
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_FILE=${MAX_FILE:-400}
MAX_FUNCTION=${MAX_FUNCTION:-60}

mapfile -t files < <(find server tools -name '*.cpp' -o -name '*.hpp' | sort)
awk -v max_file="$MAX_FILE" -v max_fn="$MAX_FUNCTION" '
function strip(s) { sub(/[ \t]*\/\/.*$/, "", s); sub(/[ \t]+$/, "", s); return s }
function reason_above(n,   i) {
  for (i = n - 1; i >= n - 3 && i >= 1; --i) if (L[i] ~ /long:/) return 1
  return 0
}
function end_file() {
  if (FILENAME_PREV != "" && lines > max_file && !file_reason) {
    printf "%s:%d: %d lines, over %d (split it, or say why with \"// long: ...\" on line 1-3)\n", FILENAME_PREV, max_file + 1, lines, max_file > "/dev/stderr"
    bad = 1
  }
}
FNR == 1 { end_file(); FILENAME_PREV = FILENAME; delete L; start = 0; infn = 0; sig = ""; file_reason = 0 }
{
  L[FNR] = $0; lines = FNR
  if (FNR <= 3 && $0 ~ /long:/) file_reason = 1
  code = strip($0)
  if (infn) {
    if ($0 ~ /^}/) {
      n = FNR - start + 1
      if (n > max_fn && !reason_above(start)) {
        printf "%s:%d: function of %d lines, over %d (split it, or say why with \"// long: ...\" above it)\n", FILENAME, start, n, max_fn > "/dev/stderr"
        bad = 1
      }
      infn = 0; start = 0
    }
    next
  }
  if (!start) {
    if ($0 !~ /^[A-Za-z_~]/) next
    if ($0 ~ /^(namespace|using|extern|class|struct|enum|union|typedef|public:|private:|protected:)([ \t]|$)/) next
    start = FNR; sig = ""
  }
  sig = sig " " code
  if (code ~ /;$/ && code !~ /\{/) { start = 0; next }           # a declaration
  if (code ~ /\{$/) {
    if (sig ~ /\(/ && sig !~ /=[ \t]*\{$/ && sig !~ /\[[^]]*\][ \t]*=/) infn = 1
    else start = 0                                              # an aggregate or a class body
  }
}
END { end_file(); exit bad }
' "${files[@]}" && echo "sizes: no file over $MAX_FILE lines, no function over $MAX_FUNCTION without a reason"
