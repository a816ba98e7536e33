#!/usr/bin/env bash
# The layering of server/ and tools/, checked on every #include "module/...": a file may include
# its own module and the modules listed for it below, nothing else. Run by ctest (`layers`);
# a wrong include fails the suite with file:line. The list mirrors the target_link_libraries of
# each module's CMakeLists.txt: change both together.
set -euo pipefail
cd "$(dirname "$0")/.."

# module: the modules it may use (its own is always allowed). compile/snapshot.* (with the
# pools it is made of, compile/pool.hpp) is a module of its own (CMake: sipdns_snapshot): the
# read path (answer, net) sees the snapshot, never the builder or the zone model.
declare -A ALLOWED=(
  [log]=""
  [json]=""
  [wire]=""
  [uv]="log"
  [zone]="wire"
  [compile/snapshot]="wire"
  [compile]="compile/snapshot zone wire"
  [answer]="compile/snapshot wire"
  [rrl]="log wire"
  [xfr]="zone wire"
  [net]="answer compile/snapshot log rrl uv wire"
  [http]="log net uv wire"
  [health/probe]="uv wire"
  [health]="health/probe log uv zone wire"
  [control]="health health/probe compile compile/snapshot json log xfr uv zone wire"
  [daemon]="control health http log net rrl compile compile/snapshot xfr uv zone wire"
  [main]="daemon control health http log net rrl answer compile compile/snapshot xfr uv zone wire"
  [tools]="lint resolve compile compile/snapshot export import zone wire"
  # The sipdns commands with a folder of their own under tools/ (each a CMake library).
  [export]="zone wire"
  [import]="export zone wire"
  [lint]="compile compile/snapshot json zone wire"
  # tools/resolve/ (`sipdns resolve`): DNS through ldns, no zone or server module but JSON text.
  [resolve]="json wire"
)

# The module of a path relative to server/ (longest match: health/probe before health).
module_of() {
  case $1 in
    health/probe/*) echo health/probe ;;
    compile/snapshot.* | compile/pool.*) echo compile/snapshot ;;
    */*) echo "${1%%/*}" ;;
    *) echo "" ;;
  esac
}

bad=0
check_file() {  # FILE MODULE
  local file=$1 self=$2 line target used
  while IFS=: read -r line target; do
    used=$(module_of "$target")
    [[ -z $used || $used == "$self" ]] && continue
    [[ " ${ALLOWED[$self]} " == *" $used "* ]] && continue
    echo "$file:$line: $self may not include \"$target\" (allowed: ${ALLOWED[$self]:-none})" >&2
    bad=1
  done < <(grep -n '^#include "' "$file" | sed -E 's/^([0-9]+):#include "([^"]+)".*/\1:\2/')
}

for f in $(find server -name '*.cpp' -o -name '*.hpp' | sort); do
  rel=${f#server/}
  if [[ $rel == main.cpp ]]; then self=main; else self=$(module_of "$rel"); fi
  if [[ -z ${ALLOWED[$self]+set} ]]; then
    echo "$f: module '$self' is not in tools/check_layers.sh's list" >&2
    bad=1
    continue
  fi
  check_file "$f" "$self"
done
for f in tools/*.cpp; do check_file "$f" tools; done
# tools/<command>/: the folder is the module.
for f in $(find tools -mindepth 2 -name '*.cpp' -o -mindepth 2 -name '*.hpp' | sort); do
  self=${f#tools/}
  self=${self%%/*}
  if [[ -z ${ALLOWED[$self]+set} ]]; then
    echo "$f: module '$self' is not in tools/check_layers.sh's list" >&2
    bad=1
    continue
  fi
  check_file "$f" "$self"
done

((bad == 0)) && echo "layers: every #include follows the module list"
exit $bad
