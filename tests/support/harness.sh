# The one process and timing harness of the shell tests and benchmarks: milliseconds, bounded
# polling, a free loopback port, a watchdog, stopping by PID, and sipdnsd started on a free
# port with retry. Sourced by tests/integration/lib.sh (and so health/health_lib.sh) and
# bench/lib/common.sh; defines functions only.
#
# Messages start with HARNESS_NAME (default: the script's name). Only loopback addresses are
# used; every loop is bounded; every process is stopped by PID.

HARNESS_NAME=${HARNESS_NAME:-$(basename "$0")}

# ---- time and waiting -----------------------------------------------------------------------

# Milliseconds since the epoch (bash 5's EPOCHREALTIME, no fork).
now_ms() {
  local t=${EPOCHREALTIME/[.,]/}
  echo $((t / 1000))
}

# poll_until MS COMMAND...: runs COMMAND every POLL_STEP seconds (default 0.05) until it
# succeeds or MS milliseconds have passed. Sets POLL_MS to the time it took (from the call) and
# returns COMMAND's last status.
POLL_MS=0
poll_until() {
  local limit=$1
  shift
  poll_since "$(now_ms)" "$limit" "$@"
}

# poll_since START_MS LIMIT_MS COMMAND...: like poll_until, but elapsed time counts from
# START_MS (e.g. the moment a peer was killed).
poll_since() {
  local start=$1 limit=$2 now
  shift 2
  while :; do
    if "$@"; then
      POLL_MS=$(($(now_ms) - start))
      return 0
    fi
    now=$(now_ms)
    if ((now - start >= limit)); then
      POLL_MS=$((now - start))
      return 1
    fi
    sleep "${POLL_STEP:-0.05}"
  done
}

# holds_for MS COMMAND...: COMMAND succeeds on every try (every 50 ms, at least twice) for MS
# milliseconds: "stays so", e.g. a drained peer across several probe rounds. Returns 1 at the
# first failure.
holds_for() {
  local limit=$1 start tries=0
  shift
  start=$(now_ms)
  while ((tries < 2 || $(now_ms) - start < limit)); do
    "$@" || return 1
    tries=$((tries + 1))
    sleep 0.05
  done
}

# ---- ports and processes --------------------------------------------------------------------

# pick_port: prints a port on which no UDP or TCP socket is bound (100 tries), from 15000 up
# to the kernel's ephemeral range (32767 with Linux's default of 32768-60999). dig, kdig and
# every TCP client take their local ports from that range, so a port picked inside it was
# seen taken by a client between the pick and NSD's bind. A port can still be taken by the
# time it is bound: callers retry on "address already in use" (start_on_free_port does).
pick_port() {
  local p i lo=32768
  read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
  ((lo > 16000)) || lo=32768  # an unusual range: keep clear of the default one anyway
  for ((i = 0; i < 100; i++)); do
    p=$((15000 + (RANDOM * 32768 + RANDOM) % (lo - 15000)))
    if [[ -z $(ss -Hanu "sport = :$p" 2>/dev/null) && -z $(ss -Hant "sport = :$p" 2>/dev/null) ]]
    then
      echo "$p"
      return 0
    fi
  done
  echo "FATAL: no free port found" >&2
  return 1
}

# start_watchdog PID [ROUNDS] [MODE]: if this script is killed outright (CTest's timeout uses
# SIGKILL, so no trap runs), PID must not outlive it: a small poller checks every 0.5 s and
# kills PID within half a second of the script's death, and in any case after ROUNDS checks
# (default 1200: 10 minutes). MODE: kill (SIGKILL PID, the default), group (SIGKILL the process
# group PID leads; alive while the leader or the group is), or term (SIGTERM, SIGKILL 2 s
# later: lets a daemon take its children down). The poller closes fd WATCHDOG_CLOSE_FD when set
# (a lock it must not hold). Sets WATCHDOG_PID and adds it to EXTRA_PIDS.
start_watchdog() {
  local target=$1 rounds=${2:-1200} mode=${3:-kill} parent=$$
  (
    [[ -n ${WATCHDOG_CLOSE_FD:-} ]] && exec {WATCHDOG_CLOSE_FD}>&-
    for ((n = 0; n < rounds; n++)); do
      kill -0 "$parent" 2>/dev/null || break
      if ! kill -0 "$target" 2>/dev/null; then
        [[ $mode == group ]] && kill -0 -- "-$target" 2>/dev/null || exit 0
      fi
      sleep 0.5  # paces the watchdog (no assertion follows)
    done
    case $mode in
      group) kill -KILL -- "-$target" 2>/dev/null ;;
      term) kill -TERM "$target" 2>/dev/null; sleep 2 ;;
    esac
    kill -KILL "$target" 2>/dev/null
  ) >/dev/null 2>&1 &
  WATCHDOG_PID=$!
  EXTRA_PIDS="${EXTRA_PIDS:-} $!"
}

# stop_pid PID [MS]: SIGTERM, SIGKILL when PID still runs after MS milliseconds (default
# 3000), then reaps it; sets STOP_STATUS to its exit status. Bounded.
STOP_STATUS=
stop_pid() {
  local pid=$1 limit=${2:-3000}
  [[ -n $pid ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    poll_until "$limit" pid_gone "$pid"
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  STOP_STATUS=$?
  return 0
}
pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# ---- sipdnsd on a free port -----------------------------------------------------------------

# sipdnsd_settled LOG PID: it logged its start-up line (event=started) in LOG, or PID exited.
sipdnsd_settled() { grep -q ' event=started ' "$1" || pid_gone "$2"; }

# start_on_free_port LOG COMMAND...: runs COMMAND, which must start sipdnsd on 127.0.0.1:$PORT
# (it may listen on [::1]:$PORT too), in the background with its output in LOG (truncated
# first), a watchdog on it, and waits (10 s at most) until it logs event=started or exits. Picks
# PORT anew and tries again, 5 ports at most, only when it exited with "address already in
# use" (tests and benchmarks run in parallel). Sets PORT and SERVER_PID. Returns 0 when it
# serves; 1 when it exited (SERVER_PID empty, STOP_STATUS its exit status); 2 when it neither
# served nor exited within 10 s (still running); 3 when no port could be had.
start_on_free_port() {
  local log=$1 attempt
  shift
  for ((attempt = 0; attempt < 5; attempt++)); do
    PORT=$(pick_port) || return 3
    # Truncate here, not in the child's redirection: the child may not have run yet when we
    # look for event=started, and a previous server's log must not be mistaken for this one's.
    : >"$log"
    "$@" >>"$log" 2>&1 &
    SERVER_PID=$!
    start_watchdog "$SERVER_PID" "${WATCHDOG_ROUNDS:-1200}"
    poll_until 10000 sipdnsd_settled "$log" "$SERVER_PID"
    grep -q ' event=started ' "$log" && return 0
    pid_gone "$SERVER_PID" || return 2
    wait "$SERVER_PID" 2>/dev/null
    STOP_STATUS=$?
    SERVER_PID=
    grep -qi 'address already in use' "$log" && continue  # UDP says "Address", TCP (libuv) "address"
    return 1
  done
  return 3
}

# start_sipdnsd LOG COMMAND...: start_on_free_port, and on any failure prints why with the log
# and exits 1 (the server is stopped first).
start_sipdnsd() {
  local log=$1 rc
  start_on_free_port "$@"
  rc=$?
  case $rc in
    0) return 0 ;;
    1) echo "$HARNESS_NAME: FATAL: sipdnsd exited during start-up; log:" >&2 ;;
    2) echo "$HARNESS_NAME: FATAL: sipdnsd did not log event=started within 10 s; log:" >&2
       stop_pid "$SERVER_PID"
       SERVER_PID= ;;
    *) echo "$HARNESS_NAME: FATAL: could not start sipdnsd on a free port; log:" >&2 ;;
  esac
  cat "$log" >&2
  exit 1
}
