#!/usr/bin/env bash
# Builds the allocation counter (alloc_count.c) as an LD_PRELOAD library and prints its path.
#
#   bench/alloc/build.sh [OUT]      (default build/bench/alloc_count.so; CC: compiler, gcc)
#
# Rebuilds only when the source is newer than the library.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-build/bench/alloc_count.so}
SRC=bench/alloc/alloc_count.c
mkdir -p "$(dirname "$OUT")"
if [[ ! -f $OUT || $SRC -nt $OUT ]]; then
  "${CC:-gcc}" -std=gnu11 -O2 -Wall -Wextra -fPIC -shared -o "$OUT" "$SRC"
fi
echo "$OUT"
