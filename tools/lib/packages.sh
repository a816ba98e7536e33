# The one way the project installs Debian packages: named groups of tools/packages.txt.
# Sourced; defines functions only.
#
#   package_group GROUP...     prints the packages of the groups, one a line, no duplicates
#   missing_packages PKG...    prints those dpkg does not list as installed
#   install_group GROUP...     apt-get installs the missing packages of the groups; sets
#                              INSTALLED to them. Returns non-zero when apt fails.
#
# Messages start with PACKAGES_WHO (default the calling script's name).

PACKAGES_FILE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/packages.txt
INSTALLED=()

package_group() {
  local g
  for g in "$@"; do
    grep -q "^$g:" "$PACKAGES_FILE" || { echo "packages.sh: no group '$g' in $PACKAGES_FILE" >&2; return 1; }
  done
  awk -v groups=" $* " '
    { sub(/#.*/, "") }
    NF && index(groups, " " substr($1, 1, length($1) - 1) " ") && $1 ~ /:$/ {
      for (i = 2; i <= NF; i++) if (!seen[$i]++) print $i
    }' "$PACKAGES_FILE"
}

missing_packages() {
  local p
  for p in "$@"; do
    # dpkg-query prints "install ok installed" only for a fully installed package.
    [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || echo "$p"
  done
}

# Daemons that packages of the list start as system services when installed. They are test or
# benchmark peers here, started by the scripts on 127.0.0.x; as services they would hold ports
# 53, 5060 and 3478 on every interface.
declare -A PACKAGE_SERVICE=([kamailio]=kamailio [coturn]=coturn [nsd]=nsd [knot]=knot
  [bind9]=named [pdns-server]=pdns [unbound]=unbound)

install_group() {
  local who=${PACKAGES_WHO:-$(basename "$0")} want=() missing=() sudo=() p rc=0
  package_group "$@" >/dev/null || return 1
  mapfile -t want < <(package_group "$@")
  mapfile -t missing < <(missing_packages "${want[@]}")
  INSTALLED=()
  ((${#missing[@]})) || return 0
  echo "$who: installing ${missing[*]}" >&2
  ((EUID == 0)) || sudo=(sudo)
  # Keep postinst scripts from starting services, as a container does (invoke-rc.d and
  # deb-systemd-invoke ask policy-rc.d; 101 = "not allowed"), unless a policy is in place.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null &&
      "${sudo[@]}" chmod 755 "$policy" && own_policy=1
  fi
  "${sudo[@]}" apt-get update -q >&2 &&
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends \
      "${missing[@]}" >&2 || rc=1
  ((own_policy)) && "${sudo[@]}" rm -f "$policy"
  ((rc == 0)) || { echo "$who: apt-get install ${missing[*]} failed" >&2; return 1; }
  INSTALLED=("${missing[@]}")
  # Services stay off at the next boot too (only those of packages installed just now).
  if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
    for p in "${missing[@]}"; do
      [[ -n ${PACKAGE_SERVICE[$p]:-} ]] &&
        "${sudo[@]}" systemctl disable --now "${PACKAGE_SERVICE[$p]}" >/dev/null 2>&1
    done
  fi
  return 0
}
