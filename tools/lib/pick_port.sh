# pick_port: prints a port in 20000..60000 on which nothing listens on UDP or TCP (100 tries).
# Sourced by tests/integration/lib.sh and bench/lib/common.sh. A port can still be taken by
# the time it is bound (or be the local port of a live connection): callers retry on
# "address already in use".
pick_port() {
  local p i
  for ((i = 0; i < 100; i++)); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
    if [[ -z $(ss -Hlnu "sport = :$p" 2>/dev/null) && -z $(ss -Hlnt "sport = :$p" 2>/dev/null) ]]
    then
      echo "$p"
      return 0
    fi
  done
  echo "FATAL: no free port found" >&2
  return 1
}
