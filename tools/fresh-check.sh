#!/usr/bin/env bash
# Proves the README's two commands on a bare Debian 12 root: bootstraps one with debootstrap
# (minbase) from this machine's apt sources, copies the committed tree in (git archive HEAD),
# runs the test command (`bash .ci/run`) inside it, then the run command for a few seconds and
# asks it with dig. Prints PASS/FAIL and the time of each stage; exits 0 only if all passed.
#
#   tools/fresh-check.sh [--keep] [--rebuild-base] [--run-only]
#
#   --keep          leave the root in /var/tmp for a look afterwards (its path is printed)
#   --rebuild-base  bootstrap the base again instead of using the cached one
#   --run-only      skip .ci/run: only the run command and dig (minutes, not tens of them)
#
# The bootstrapped base is cached as a tarball in FRESH_CACHE (default
# /var/cache/sipdns-fresh-check); each run unpacks a new copy. Services cannot start inside
# (policy-rc.d says no, as in a container). The root shares this machine's network namespace:
# the tests inside use loopback only, and the run command needs 127.0.0.1:5353 free.
# Run as root (debootstrap, chroot, mount).
set -euo pipefail
cd "$(dirname "$0")/.."

KEEP=0 REBUILD=0 RUN_ONLY=0
for arg in "$@"; do
  case $arg in
    --keep) KEEP=1 ;;
    --rebuild-base) REBUILD=1 ;;
    --run-only) RUN_ONLY=1 ;;
    *) sed -n '2,16s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
  esac
done
((EUID == 0)) || { echo "fresh-check: run as root (debootstrap, chroot and mount need it)" >&2; exit 2; }

SUITE=bookworm
ARCH=$(dpkg --print-architecture)
CACHE=${FRESH_CACHE:-/var/cache/sipdns-fresh-check}
BASE=$CACHE/$SUITE-$ARCH-minbase.tar
RUN_PORT=5353  # the README's run command listens there

source tools/lib/packages.sh
PACKAGES_WHO=fresh-check install_group host

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

# The Debian mirror this machine's apt uses (deb822 .sources or one-line .list), for the main
# suite: read at run time, never written into the repository.
debian_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    awk -v suite="$SUITE" '
      /^[ \t]*$/ { if (uri != "" && ok) { print uri; exit } uri = ""; ok = 0; next }
      /^URIs:/ { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
      END { if (uri != "" && ok) print uri }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    awk -v suite="$SUITE" '$1 == "deb" { for (i = 2; i < NF; i++) if ($i ~ /^[a-z]+:\/\//) {
      if ($(i + 1) == suite) print $i; break } }' "$f"
  done
}

# --- the base: bootstrapped once, then cached ---------------------------------------------
t0=$SECONDS
if ((REBUILD)) || [[ ! -f $BASE ]]; then
  mirror=$(debian_mirror | head -n 1)
  [[ -n $mirror ]] || { echo "fresh-check: no '$SUITE' source found in /etc/apt" >&2; exit 1; }
  mkdir -p "$CACHE"
  boot=$(mktemp -d /var/tmp/sipdns-bootstrap.XXXXXX)
  echo "fresh-check: debootstrap --variant=minbase $SUITE from this machine's mirror" >&2
  if debootstrap --variant=minbase "$SUITE" "$boot" "$mirror" >"$CACHE/debootstrap.log" 2>&1; then
    tar -C "$boot" -cf "$BASE.new" . && mv "$BASE.new" "$BASE"
    rm -rf "$boot"
    stage_done "bootstrap base" PASS "$t0"
  else
    rm -rf "$boot"
    tail -n 20 "$CACHE/debootstrap.log" >&2
    stage_done "bootstrap base" FAIL "$t0"
    report || exit 1
  fi
else
  stage_done "bootstrap base (cached)" PASS "$t0"
fi

# --- a fresh copy, set up as a container would be ---------------------------------------------
ROOT=$(mktemp -d /var/tmp/sipdns-fresh.XXXXXX)
MOUNTS=()
RUN_PID=
cleanup() {
  set +e
  local p
  [[ -n $RUN_PID ]] && kill "$RUN_PID" 2>/dev/null
  # Anything still running inside the root (a test peer a failed test left) goes, by PID.
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/root" 2>/dev/null) == "$ROOT" ]] && kill -9 "${p#/proc/}" 2>/dev/null
  done
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" 2>/dev/null || true
  done
  if ((KEEP)); then
    echo "fresh-check: kept $ROOT" >&2
  elif ! grep -q " $ROOT/" /proc/mounts; then
    rm -rf "$ROOT"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$SECONDS
tar -C "$ROOT" -xf "$BASE"
# The tarball's top entry carries mktemp's 0700: a container's / is 0755, and with 0700 no
# unprivileged process (sipdnsd after --user, its tests' children) could resolve any path.
chmod 755 "$ROOT"
# apt as this machine has it (its sources and settings), and name resolution.
cp -a /etc/apt/sources.list.d /etc/apt/apt.conf.d "$ROOT/etc/apt/"
find "$ROOT/etc/apt/sources.list.d" -type f ! -name '*.list' ! -name '*.sources' -delete
[[ -f /etc/apt/sources.list ]] && cp /etc/apt/sources.list "$ROOT/etc/apt/" ||
  rm -f "$ROOT/etc/apt/sources.list"
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
# Service start-up blocked, as in a container (invoke-rc.d asks this; 101 = not allowed).
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
mount_in() {  # TYPE-or---bind SOURCE TARGET
  mkdir -p "$ROOT$3"
  if [[ $1 == --bind ]]; then mount --bind "$2" "$ROOT$3"; else mount -t "$1" "$2" "$ROOT$3"; fi
  MOUNTS+=("$ROOT$3")
}
mount_in proc proc /proc
mount_in sysfs sysfs /sys
mount_in --bind /dev /dev
mount_in --bind /dev/pts /dev/pts
mount_in tmpfs tmpfs /dev/shm
mount_in tmpfs tmpfs /run
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

report
