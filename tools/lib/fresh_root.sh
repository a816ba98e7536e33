# Bare Debian 12 roots for the checks that need a fresh machine: tools/fresh-check.sh (the
# README's commands) and tools/docker-steps.sh (docker/Dockerfile's steps). Sourced; defines
# variables and functions only. Needs root (debootstrap, tar as root, mount, chroot).
#
#   SUITE ARCH CACHE BASE   bookworm, dpkg's architecture, the cache directory (FRESH_CACHE,
#                           default /var/cache/sipdns-fresh-check) and the base tarball in it
#   debian_mirror           prints the mirror this machine's apt uses for SUITE
#   ensure_base [--rebuild] bootstraps BASE (debootstrap --variant=minbase) unless it is there
#                           (or when --rebuild); returns 1 on failure (log on stderr)
#   new_root DIR            unpacks a fresh copy of BASE into DIR, with this machine's apt
#                           sources and settings, its resolv.conf, and services kept from
#                           starting (policy-rc.d), as in a container
#   mount_in ROOT TYPE|--bind SOURCE TARGET
#                           mounts SOURCE on ROOT/TARGET and records it in MOUNTS
#   release_root ROOT       kills (by PID) what still runs with ROOT as its root, unmounts what
#                           MOUNTS holds under ROOT (the last first); returns 1 if a mount stays
#
# Messages start with FRESH_WHO (default the calling script's name).

SUITE=bookworm
ARCH=$(dpkg --print-architecture)
CACHE=${FRESH_CACHE:-/var/cache/sipdns-fresh-check}
BASE=$CACHE/$SUITE-$ARCH-minbase.tar
MOUNTS=()

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

ensure_base() {
  local who=${FRESH_WHO:-$(basename "$0")} mirror boot
  [[ ${1:-} != --rebuild && -f $BASE ]] && return 0
  mirror=$(debian_mirror | head -n 1)
  [[ -n $mirror ]] || { echo "$who: no '$SUITE' source found in /etc/apt" >&2; return 1; }
  mkdir -p "$CACHE"
  boot=$(mktemp -d /var/tmp/sipdns-bootstrap.XXXXXX)
  echo "$who: debootstrap --variant=minbase $SUITE from this machine's mirror" >&2
  if debootstrap --variant=minbase "$SUITE" "$boot" "$mirror" >"$CACHE/debootstrap.log" 2>&1; then
    tar -C "$boot" -cf "$BASE.new" . && mv "$BASE.new" "$BASE"
    rm -rf "$boot"
    return 0
  fi
  rm -rf "$boot"
  tail -n 20 "$CACHE/debootstrap.log" >&2
  return 1
}

new_root() {  # DIR
  local root=$1
  tar -C "$root" -xf "$BASE"
  chmod 755 "$root"  # the tarball's "." is debootstrap's mktemp directory (0700): not a root's
  # apt as this machine has it (its sources and settings), and name resolution.
  cp -a /etc/apt/sources.list.d /etc/apt/apt.conf.d "$root/etc/apt/"
  find "$root/etc/apt/sources.list.d" -type f ! -name '*.list' ! -name '*.sources' -delete
  if [[ -f /etc/apt/sources.list ]]; then cp /etc/apt/sources.list "$root/etc/apt/"
  else rm -f "$root/etc/apt/sources.list"; fi
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
  # Service start-up blocked, as in a container (invoke-rc.d asks this; 101 = not allowed).
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
}

mount_in() {  # ROOT TYPE-or---bind SOURCE TARGET
  mkdir -p "$1$4"
  if [[ $2 == --bind ]]; then mount --bind "$3" "$1$4"; else mount -t "$2" "$3" "$1$4"; fi
  MOUNTS+=("$1$4")
}

release_root() {  # ROOT
  local root=$1 p i
  [[ -n $root && -d $root ]] || return 0
  # Anything still running inside the root (a test peer a failed test left) goes, by PID.
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/root" 2>/dev/null) == "$root" ]] && kill -9 "${p#/proc/}" 2>/dev/null
  done
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    [[ ${MOUNTS[i]} == "$root"/* ]] || continue
    umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" 2>/dev/null || true
  done
  ! grep -q " $root/" /proc/mounts
}
