#!/usr/bin/env bash
# Runs a Dockerfile's steps without a container engine, so that docker/Dockerfile cannot rot
# on a machine that has none. Each stage (FROM debian:12-slim) is a fresh copy of the bare
# Debian 12 root tools/fresh-check.sh bootstraps and caches (tools/lib/fresh_root.sh); RUN
# runs in it with chroot (/bin/sh -c, as USER, in WORKDIR, with ENV); COPY copies from the
# committed tree (git archive REV, less the Dockerfile's .dockerignore patterns) or, with
# --from, from the named stage's root; WORKDIR, USER, ENV, VOLUME, EXPOSE, ENTRYPOINT, CMD and
# HEALTHCHECK are recorded. An instruction or option this script does not know is an error.
#
# Then the last stage runs as the image would, in a network namespace of its own (loopback
# only: no packet leaves it): the HEALTHCHECK command must fail before the server starts;
# ENTRYPOINT + CMD start as USER; the HEALTHCHECK command, run as docker would, must pass
# within 60 s; dig (this machine's, in that namespace) must get both SRV records of
# _sip._tcp.uctest.local on the first EXPOSEd port; `sipdns status` must answer there (as
# `docker exec` would); SIGTERM must stop the server with status 0. Every mount is in a
# mount namespace of this script's own and is undone on exit; every process is stopped by PID.
#
#   tools/docker-steps.sh [--keep] [--build-only] [--rev REV] [DOCKERFILE]
#
#   DOCKERFILE   default docker/Dockerfile; the build context is the repository root
#   --rev REV    the commit to build (default HEAD; uncommitted changes are not seen)
#   --build-only the steps only, no run (docker/Dockerfile.knot: its server needs a primary)
#   --keep       leave the stages' roots and logs in /var/tmp (the path is printed)
#
# Run as root (chroot, mount, unshare). Called by tools/fresh-check.sh as a stage.
set -euo pipefail
cd "$(dirname "$0")/.."

KEEP=0 BUILD_ONLY=0 REV=HEAD DOCKERFILE=docker/Dockerfile
while (($#)); do
  case $1 in
    --keep) KEEP=1 ;;
    --build-only) BUILD_ONLY=1 ;;
    --rev) (($# > 1)) || set -- --help; REV=$2; shift ;;
    -*) sed -n '2,25s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    *) DOCKERFILE=$1 ;;
  esac
  shift
done
((EUID == 0)) || { echo "docker-steps: run as root (chroot, mount and unshare need it)" >&2; exit 2; }
# Mounts private to this script: they cannot leak to the host and go when it ends.
if [[ -z ${DOCKER_STEPS_NS:-} ]]; then
  again=(--rev "$REV" "$DOCKERFILE")
  ((KEEP)) && again+=(--keep)
  ((BUILD_ONLY)) && again+=(--build-only)
  DOCKER_STEPS_NS=1 exec unshare --mount --propagation private -- "$0" "${again[@]}"
fi
[[ -f $DOCKERFILE ]] || { echo "docker-steps: no $DOCKERFILE" >&2; exit 2; }

source tools/lib/packages.sh
source tools/lib/fresh_root.sh
FRESH_WHO=docker-steps PACKAGES_WHO=docker-steps
install_group host
for tool in git chroot unshare nsenter dig ip timeout; do
  command -v "$tool" >/dev/null || { echo "docker-steps: '$tool' not found" >&2; exit 1; }
done

WORK=$(mktemp -d /var/tmp/sipdns-steps.XXXXXX)
CTX=$WORK/context
ROOTS=() SERVER_PID='' NS_PID=
declare -A STAGE_ROOT
cleanup() {
  set +e
  local r ok=1
  local p
  for p in $SERVER_PID $NS_PID; do { kill -KILL "$p" && wait "$p"; } 2>/dev/null; done
  for r in "${ROOTS[@]}"; do release_root "$r" || ok=0; done
  if ((KEEP)) || ((!ok)); then echo "docker-steps: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "docker-steps: $DOCKERFILE${LINE:+:$LINE}: $*" >&2; exit 1; }
say() { echo "docker-steps: $*" >&2; }

# ---- the Dockerfile ------------------------------------------------------------------------

# INSTR[i]: one instruction, its continuation lines joined (Docker drops "\<newline>" and the
# comment lines between); INSTR_LINE[i]: the line it starts on.
INSTR=() INSTR_LINE=()
parse_dockerfile() {
  local line cont='' n=0 start=0
  while IFS= read -r line || [[ -n $line ]]; do
    n=$((n + 1))
    [[ $line =~ ^[[:space:]]*# ]] && continue
    if [[ -z $cont ]]; then
      [[ $line =~ ^[[:space:]]*$ ]] && continue
      start=$n
    fi
    if [[ $line =~ ^(.*)\\[[:space:]]*$ ]]; then cont+="${BASH_REMATCH[1]} "; continue; fi
    INSTR+=("$cont$line")
    INSTR_LINE+=("$start")
    cont=
  done <"$DOCKERFILE"
  [[ -z $cont ]] || { LINE=$start; die "a continued line at the end of the file"; }
}

# json_words TEXT: a JSON array of strings (exec form) into WORDS; escapes are not supported.
json_words() {
  local s=$1 re='^[[:space:]]*"([^"\\]*)"[[:space:]]*(,|\])(.*)$' n
  WORDS=()
  [[ $s =~ ^[[:space:]]*\[(.*)$ ]] || return 1
  s=${BASH_REMATCH[1]}
  [[ $s =~ ^[[:space:]]*\][[:space:]]*$ ]] && return 0
  for ((n = 0; n < 256; n++)); do
    [[ $s =~ $re ]] || return 1
    WORDS+=("${BASH_REMATCH[1]}")
    s=${BASH_REMATCH[3]}
    [[ ${BASH_REMATCH[2]} == "]" ]] || continue
    [[ $s =~ ^[[:space:]]*$ ]]
    return
  done
  return 1
}
# command_words TEXT: exec form as is, shell form as /bin/sh -c TEXT (Docker's default SHELL).
command_words() {
  if [[ $1 == \[* ]]; then json_words "$1" || die "not a JSON array of plain strings: $1"
  else WORDS=(/bin/sh -c "$1"); fi
}

seconds_of() {  # 30s, 1m, 1m30s -> seconds
  [[ $1 =~ ^(([0-9]+)m)?(([0-9]+)s)?$ && -n $1 ]] || die "duration '$1': use 30s, 1m or 1m30s"
  echo $((${BASH_REMATCH[2]:-0} * 60 + ${BASH_REMATCH[4]:-0}))
}

# A path inside ROOT that stays inside it once symbolic links are followed (Debian's
# /var/run -> /run is absolute: followed from outside the root it would be this machine's).
inside() {  # ROOT PATH
  local p
  p=$(realpath -m -- "$1/$2")
  [[ $p == "$1" || $p == "$1"/* ]] || die "'$2' leaves the root through a symbolic link"
  echo "$p"
}

# ---- running in a stage --------------------------------------------------------------------

# user_spec: chroot's options for USER_NAME (name or name:group, looked up in the stage's
# /etc/passwd and /etc/group, with its supplementary groups) into SPEC; its home into HOME_DIR.
user_spec() {
  local u=${USER_NAME%%:*} g='' pw uid gid groups
  [[ $USER_NAME == *:* ]] && g=${USER_NAME#*:}
  pw=$(awk -F: -v u="$u" '$1 == u || $3 == u { print; exit }' "$ROOT/etc/passwd")
  [[ -n $pw ]] || die "USER $u: not in the image's /etc/passwd"
  IFS=: read -r _ _ uid gid _ HOME_DIR _ <<<"$pw"
  if [[ -n $g ]]; then
    gid=$(awk -F: -v g="$g" '$1 == g || $3 == g { print $3; exit }' "$ROOT/etc/group")
    [[ -n $gid ]] || die "USER $USER_NAME: no group '$g' in the image's /etc/group"
  fi
  groups=$(awk -F: -v u="${pw%%:*}" -v gid="$gid" 'BEGIN { out = gid }
    { n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == u && $3 != gid) out = out "," $3 }
    END { print out }' "$ROOT/etc/group")
  SPEC=(--userspec="$uid:$gid" --groups="$groups")
}
# as_image COMMAND...: runs COMMAND in the stage's root as USER, in WORKDIR, with only the
# image's environment (Docker's PATH, HOME from /etc/passwd, then ENV). PREFIX goes before
# chroot (a namespace, a timeout); with EXEC=exec the shell becomes the command, so that a
# background job's PID is the program's own (each program execs the next).
PREFIX=() EXEC=
as_image() {
  user_spec
  $EXEC "${PREFIX[@]}" chroot "${SPEC[@]}" "$ROOT" /usr/bin/env -i -C "$WORKDIR" \
    HOME="${HOME_DIR:-/}" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    "${ENV_LIST[@]}" "$@"
}

# ---- the instructions ----------------------------------------------------------------------

step_from() {
  local re='^debian:12-slim([[:space:]]+[Aa][Ss][[:space:]]+([A-Za-z0-9_.-]+))?[[:space:]]*$'
  [[ $1 =~ $re ]] || die "FROM $1: only 'debian:12-slim [AS name]' is known here"
  STAGE=$((${STAGE:--1} + 1))
  ROOT=$WORK/stage$STAGE
  mkdir "$ROOT"
  ROOTS+=("$ROOT")
  new_root "$ROOT"
  mount_in "$ROOT" proc proc /proc
  mount_in "$ROOT" sysfs sysfs /sys
  mount_in "$ROOT" --bind /dev /dev
  STAGE_ROOT[$STAGE]=$ROOT
  [[ -n ${BASH_REMATCH[2]} ]] && STAGE_ROOT[${BASH_REMATCH[2]}]=$ROOT
  # What debian:12-slim's image sets: no ENV besides PATH, root in /, CMD ["bash"].
  WORKDIR=/ USER_NAME=root ENV_LIST=() ENTRYPOINT_W=() CMD_W=(bash) HC_W=() EXPOSED=()
  HC_TIMEOUT=30
}

step_run() {
  [[ $1 != --* ]] || die "RUN options are not known here: $1"
  command_words "$1"
  as_image "${WORDS[@]}" >>"$WORK/stage$STAGE.log" 2>&1 ||
    { tail -n 25 "$WORK/stage$STAGE.log" >&2; die "RUN failed"; }
}

# COPY [--from=STAGE] SRC... DEST: a directory's contents into DEST, a file into DEST (or into
# it when DEST ends with / or there are several sources); owned by root, modes kept.
step_copy() {
  local from=$CTX dest s path target
  read -ra WORDS <<<"$1"
  if [[ ${WORDS[0]} == --from=* ]]; then
    from=${STAGE_ROOT[${WORDS[0]#--from=}]:-}
    [[ -n $from ]] || die "COPY ${WORDS[0]}: no such stage before this one"
    WORDS=("${WORDS[@]:1}")
  fi
  [[ ${WORDS[0]} != --* && ${WORDS[0]} != \[* ]] || die "COPY: '${WORDS[0]}' is not known here"
  ((${#WORDS[@]} >= 2)) || die "COPY needs a source and a destination"
  dest=${WORDS[-1]}
  [[ $dest == /* ]] || dest=$WORKDIR/$dest
  for s in "${WORDS[@]:0:${#WORDS[@]}-1}"; do
    [[ $s != *[\*\?\[]* ]] || die "COPY $s: wildcards are not known here"
    path=$(inside "$from" "$s")
    target=$(inside "$ROOT" "$dest")
    [[ -e $path ]] || die "COPY $s: not found"
    if [[ -d $path ]]; then
      mkdir -p "$target" && cp -a --no-preserve=ownership "$path/." "$target/"
    elif [[ $dest == */ || ${#WORDS[@]} -gt 2 || -d $target ]]; then
      mkdir -p "$target" && cp -a --no-preserve=ownership "$path" "$target/"
    else
      mkdir -p "$(dirname "$target")" && cp -a --no-preserve=ownership "$path" "$target"
    fi
  done
}

step_healthcheck() {
  local re='^((--[a-z-]+=[^[:space:]]+[[:space:]]+)*)CMD[[:space:]]+(.*)$' opts o
  [[ $1 == NONE ]] && { HC_W=(); return; }
  [[ $1 =~ $re ]] || die "HEALTHCHECK: options (--name=value), then CMD"
  opts=${BASH_REMATCH[1]}
  command_words "${BASH_REMATCH[3]}"
  HC_W=("${WORDS[@]}")
  for o in $opts; do
    case $o in
      --timeout=*) HC_TIMEOUT=$(seconds_of "${o#*=}") ;;
      --interval=* | --start-period=*) seconds_of "${o#*=}" >/dev/null ;;
      --retries=[0-9]*) ;;
      *) die "HEALTHCHECK option '$o' is not known here" ;;
    esac
  done
}

# One instruction; the keyword is case-insensitive, as Docker has it.
step() {  # TEXT
  local kw=${1%%[[:space:]]*} args path s
  args=${1#"$kw"}
  args=${args#"${args%%[![:space:]]*}"}
  if [[ ${kw^^} != RUN && ${kw^^} != HEALTHCHECK && $args == *\$* ]]; then
    die "$kw: variables are not expanded here"
  fi
  [[ ${kw^^} == FROM || -n ${ROOT:-} ]] || die "$kw before FROM"
  case ${kw^^} in
    FROM) step_from "$args" ;;
    RUN) step_run "$args" ;;
    COPY) step_copy "$args" ;;
    WORKDIR)
      [[ $args == /* ]] || args=$WORKDIR/$args
      path=$(inside "$ROOT" "$args")
      mkdir -p "$path"
      WORKDIR=$args ;;
    USER) [[ $args =~ ^[A-Za-z0-9_.:-]+$ ]] || die "USER $args"; USER_NAME=$args ;;
    ENV)
      [[ $args =~ ^([A-Za-z_][A-Za-z0-9_]*)(=|[[:space:]]+)([^\"\'[:space:]]*)$ ]] ||
        die "ENV: one KEY=VALUE without quotes or spaces is known here"
      ENV_LIST+=("${BASH_REMATCH[1]}=${BASH_REMATCH[3]}") ;;
    EXPOSE) read -ra EXPOSED <<<"$args" ;;
    VOLUME)
      if [[ $args == \[* ]]; then json_words "$args" || die "VOLUME $args"
      else read -ra WORDS <<<"$args"; fi
      for s in "${WORDS[@]}"; do path=$(inside "$ROOT" "$s"); mkdir -p "$path"; done ;;
    ENTRYPOINT) command_words "$args"; ENTRYPOINT_W=("${WORDS[@]}") ;;
    CMD) command_words "$args"; CMD_W=("${WORDS[@]}") ;;
    HEALTHCHECK) step_healthcheck "$args" ;;
    *) die "instruction '$kw' is not known here (teach tools/docker-steps.sh, then use it)" ;;
  esac
}

# ---- the image, run ------------------------------------------------------------------------

in_ns() { nsenter --net="/proc/$NS_PID/ns/net" "$@"; }
# in_image [SECONDS] COMMAND...: as_image in the namespace, within SECONDS (default 10).
in_image() {
  local rc=0
  PREFIX=(timeout "$1" nsenter --net="/proc/$NS_PID/ns/net")
  shift
  as_image "$@" || rc=$?
  PREFIX=()
  return "$rc"
}
health() { in_image "$HC_TIMEOUT" "${HC_W[@]}" >"$WORK/health.log" 2>&1; }
srv_answers() {
  OUT=$(in_ns dig @127.0.0.1 -p "$PORT" +norec +time=1 +tries=1 _sip._tcp.uctest.local SRV 2>&1) || return 1
  [[ $OUT == *"status: NOERROR"* ]] &&
    (($(grep -cE '^_sip\._tcp\.uctest\.local\..*IN[[:space:]]+SRV' <<<"$OUT") == 2))
}

run_image() {
  local i ok=0 started=$SECONDS status
  ((${#HC_W[@]})) || die "the image has no HEALTHCHECK"
  PORT=${EXPOSED[0]%%/*}
  [[ $PORT =~ ^[0-9]+$ ]] || die "the image EXPOSEs no port"
  # A network namespace with loopback only, held by a bounded sleep.
  unshare --net -- sleep 900 &
  NS_PID=$!
  for ((i = 0; i < 50; i++)); do
    [[ $(readlink "/proc/$NS_PID/ns/net") != "$(readlink /proc/self/ns/net)" ]] && break
    sleep 0.1
  done
  in_ns ip link set lo up
  if health; then die "the HEALTHCHECK passes with no server running: it checks nothing"; fi
  say "HEALTHCHECK fails with no server running: PASS"
  (
    PREFIX=(nsenter --net="/proc/$NS_PID/ns/net") EXEC=exec
    as_image "${ENTRYPOINT_W[@]}" "${CMD_W[@]}"
  ) >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for ((i = 0; i < 120 && SECONDS - started < 60; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    health && { ok=1; break; }
    sleep 0.5
  done
  ((ok)) || { tail -n 20 "$WORK/server.log" "$WORK/health.log" >&2; die "not healthy within 60 s"; }
  say "HEALTHCHECK passes after $((SECONDS - started)) s: PASS"
  srv_answers || { echo "$OUT" >&2; die "dig _sip._tcp.uctest.local SRV: not both records"; }
  grep SRV <<<"$OUT" | sed 's/^/docker-steps:   /' >&2
  say "dig @127.0.0.1 -p $PORT _sip._tcp.uctest.local SRV (in the namespace): PASS"
  if ! OUT=$(in_image 10 sipdns status 2>&1) || [[ $OUT != *"zone uctest.local."* ]]; then
    echo "$OUT" >&2
    die "sipdns status (as docker exec would run it) failed"
  fi
  say "sipdns status through the control socket: PASS"
  kill -TERM "$SERVER_PID"
  timeout 10 tail --pid="$SERVER_PID" -f /dev/null || kill -KILL "$SERVER_PID"
  wait "$SERVER_PID" && status=0 || status=$?
  SERVER_PID=
  ((status == 0)) || { tail -n 20 "$WORK/server.log" >&2; die "SIGTERM: exit status $status"; }
  say "stopped by SIGTERM with status 0: PASS"
}
# ---- main ----------------------------------------------------------------------------------

mkdir -p "$CTX"
ARCHIVED=$(git rev-parse --short "$REV")
git -c tar.umask=022 archive "$ARCHIVED" | tar -x -C "$CTX"
# The Dockerfile's own ignore file (BuildKit reads DOCKERFILE.dockerignore), else the context's.
IGNORE=$DOCKERFILE.dockerignore
[[ -f $CTX/$IGNORE ]] || IGNORE=.dockerignore
if [[ -f $CTX/$IGNORE ]]; then
  while read -r pat; do
    [[ -z $pat || $pat == \#* ]] && continue
    [[ $pat != *\*\** && $pat != !* ]] || { LINE=; die "$IGNORE: '$pat' is not known here"; }
    for m in $CTX/${pat%/}; do [[ -e $m ]] && rm -rf -- "$m"; done
  done <"$CTX/$IGNORE"
fi
ensure_base || exit 1
parse_dockerfile
say "$DOCKERFILE at $ARCHIVED: ${#INSTR[@]} instructions"
for i in "${!INSTR[@]}"; do
  LINE=${INSTR_LINE[i]} t0=$SECONDS
  step "${INSTR[i]}"
  say "$(printf '%-4s %.70s' "$LINE" "${INSTR[i]}") ($((SECONDS - t0)) s)"
done
LINE=
if ((BUILD_ONLY)); then
  say "PASS: $DOCKERFILE built ($((SECONDS / 60))m$((SECONDS % 60))s; not run: --build-only)"
  exit 0
fi
run_image
say "PASS: $DOCKERFILE built and ran ($((SECONDS / 60))m$((SECONDS % 60))s)"
