#!/usr/bin/env bash
# Proves the README's two commands on a bare Debian 12 root: bootstraps one with debootstrap
# (minbase) from this machine's apt sources, copies the committed tree in (git archive HEAD),
# runs the test command (`bash .ci/run`) inside it, then the run command for a few seconds and
# asks it with dig, then docker/Dockerfile's steps (and Dockerfile.knot's) in fresh copies of
# the same base (tools/docker-steps.sh). Prints PASS/FAIL and the time of each stage; exits 0
# only if all passed.
#
#   tools/fresh-check.sh [--keep] [--rebuild-base] [--run-only] [--no-docker]
#
#   --keep          leave the root in /var/tmp for a look afterwards (its path is printed)
#   --rebuild-base  bootstrap the base again instead of using the cached one
#   --run-only      skip .ci/run: only the run command and dig (minutes, not tens of them)
#   --no-docker     skip docker/Dockerfile's and Dockerfile.knot's steps (minutes: a build)
#
# The bootstrapped base is cached as a tarball in FRESH_CACHE (default
# /var/cache/sipdns-fresh-check); each run unpacks a new copy. Services cannot start inside
# (policy-rc.d says no, as in a container). The root shares this machine's network namespace:
# the tests inside use loopback only, and the run command needs 127.0.0.1:5353 free.
# Run as root (debootstrap, chroot, mount).
set -euo pipefail
cd "$(dirname "$0")/.."

KEEP=0 REBUILD=0 RUN_ONLY=0 NO_DOCKER=0
for arg in "$@"; do
  case $arg in
    --keep) KEEP=1 ;;
    --rebuild-base) REBUILD=1 ;;
    --run-only) RUN_ONLY=1 ;;
    --no-docker) NO_DOCKER=1 ;;
    *) sed -n '2,19s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
  esac
done
((EUID == 0)) || { echo "fresh-check: run as root (debootstrap, chroot and mount need it)" >&2; exit 2; }

RUN_PORT=5353  # the README's run command listens there

source tools/lib/packages.sh
source tools/lib/fresh_root.sh  # SUITE, ARCH, CACHE, BASE; the base and fresh copies of it
PACKAGES_WHO=fresh-check install_group host
FRESH_WHO=fresh-check

declare -A RESULT TIME
STAGES=()
stage_done() {  # NAME RESULT START_SECONDS
  STAGES+=("$1")
  RESULT[$1]=$2
  TIME[$1]=$((SECONDS - $3))
}
report() {
  local s all=PASS
  echo "fresh-check: ----------------------------------------" >&2
  for s in "${STAGES[@]}"; do
    printf 'fresh-check: %-28s %s  %dm%02ds\n' "$s" "${RESULT[$s]}" $((TIME[$s] / 60)) \
      $((TIME[$s] % 60)) >&2
    [[ ${RESULT[$s]} == PASS ]] || all=FAIL
  done
  printf 'fresh-check: %-28s %s  %dm%02ds (HEAD %s)\n' "result" "$all" $((SECONDS / 60)) \
    $((SECONDS % 60)) "${ARCHIVED:-none}" >&2
  [[ $all == PASS ]]
}

# --- the base: bootstrapped once, then cached ---------------------------------------------
t0=$SECONDS
if ((REBUILD)) || [[ ! -f $BASE ]]; then
  if ensure_base --rebuild; then  # (the branch has decided: missing or asked for)
    stage_done "bootstrap base" PASS "$t0"
  else
    stage_done "bootstrap base" FAIL "$t0"
    report || exit 1
  fi
else
  stage_done "bootstrap base (cached)" PASS "$t0"
fi

# --- a fresh copy, set up as a container would be ---------------------------------------------
ROOT=$(mktemp -d /var/tmp/sipdns-fresh.XXXXXX)
RUN_PID=
cleanup() {
  set +e
  [[ -n $RUN_PID ]] && kill "$RUN_PID" 2>/dev/null
  if release_root "$ROOT" && ((!KEEP)); then rm -rf "$ROOT"
  elif ((KEEP)); then echo "fresh-check: kept $ROOT" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$SECONDS
new_root "$ROOT"
mount_in "$ROOT" proc proc /proc
mount_in "$ROOT" sysfs sysfs /sys
mount_in "$ROOT" --bind /dev /dev
mount_in "$ROOT" --bind /dev/pts /dev/pts
mount_in "$ROOT" tmpfs tmpfs /dev/shm
mount_in "$ROOT" tmpfs tmpfs /run
# The committed tree only: what a clean checkout holds.
mkdir -p "$ROOT/root/sipdns"
ARCHIVED=$(git rev-parse --short HEAD)  # what is checked, even if HEAD moves meanwhile
git archive "$ARCHIVED" | tar -x -C "$ROOT/root/sipdns"
stage_done "fresh root + git archive" PASS "$t0"

# A login-like environment: nothing of this machine's PATH or settings leaks in.
CLEAN_ENV=(/usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
in_root() { chroot "$ROOT" "${CLEAN_ENV[@]}" /bin/bash -c "$1"; }

# --- the test command ---------------------------------------------------------------------
if ((!RUN_ONLY)); then
  t0=$SECONDS
  log=$ROOT/root/ci.log
  echo "fresh-check: bash .ci/run in the fresh root (log: $log)" >&2
  if in_root 'cd /root/sipdns && bash .ci/run' >"$log" 2>&1; then
    stage_done "bash .ci/run" PASS "$t0"
  else
    grep -E 'FAILED|Failed|\*\*\*|FATAL|error:' "$log" | tail -n 30 >&2 || true
    tail -n 15 "$log" >&2
    stage_done "bash .ci/run" FAIL "$t0"
  fi
fi

# --- the run command, asked with dig ------------------------------------------------------
t0=$SECONDS
if ss -Hlnu "sport = :$RUN_PORT" | grep -q . || ss -Hlnt "sport = :$RUN_PORT" | grep -q .; then
  echo "fresh-check: port $RUN_PORT is in use on this machine; stop what holds it" >&2
  stage_done "tools/dev.sh run + dig" FAIL "$t0"
else
  runlog=$ROOT/root/run.log
  # chroot, env, bash and dev.sh each exec the next: the PID is the server's in the end.
  chroot "$ROOT" "${CLEAN_ENV[@]}" /bin/bash -c 'cd /root/sipdns && exec tools/dev.sh run' \
    >"$runlog" 2>&1 &
  RUN_PID=$!
  ok=0
  # Bounded: a first run installs and builds (minutes); then it must answer.
  for ((i = 0; i < 1800; i++)); do
    kill -0 "$RUN_PID" 2>/dev/null || break
    out=$(in_root "dig @127.0.0.1 -p $RUN_PORT +norec +time=1 +tries=1 _sip._tcp.uctest.local SRV" 2>/dev/null) || true
    if grep -q 'status: NOERROR' <<<"$out" &&
      (($(grep -cE '^_sip\._tcp\.uctest\.local\..*IN[[:space:]]+SRV' <<<"$out") == 2)); then
      ok=1
      break
    fi
    sleep 0.5
  done
  if ((ok)); then
    grep -E 'SRV' <<<"$out" | sed 's/^/fresh-check:   /' >&2
    stage_done "tools/dev.sh run + dig" PASS "$t0"
  else
    tail -n 20 "$runlog" >&2
    stage_done "tools/dev.sh run + dig" FAIL "$t0"
  fi
  kill "$RUN_PID" 2>/dev/null && wait "$RUN_PID" 2>/dev/null
  RUN_PID=
fi

# --- docker/Dockerfile's steps: roots and a network namespace of their own ------------------
# (the image built and run; the compose's Knot image built: its server needs a primary)
docker_steps() {  # DOCKERFILE [--build-only]
  local t0=$SECONDS log
  log=$ROOT/root/$(basename "$1").steps.log
  echo "fresh-check: tools/docker-steps.sh ${2:-} --rev $ARCHIVED $1 (log: $log)" >&2
  if FRESH_CACHE=$CACHE tools/docker-steps.sh ${2:-} --rev "$ARCHIVED" "$1" >"$log" 2>&1; then
    stage_done "$1 steps" PASS "$t0"
  else
    tail -n 25 "$log" >&2
    stage_done "$1 steps" FAIL "$t0"
  fi
}
if ((!NO_DOCKER)); then
  docker_steps docker/Dockerfile
  docker_steps docker/Dockerfile.knot --build-only
fi

report
