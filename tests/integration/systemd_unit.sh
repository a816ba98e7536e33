#!/usr/bin/env bash
# tools/systemd/sipdnsd.service: `systemd-analyze verify` finds nothing to say about it (unknown
# keys, bad values, a missing ExecStart binary are all warnings it prints), and every flag its
# ExecStart gives is one sipdnsd knows. verify needs the binary to exist: a copy of the unit
# points at the one just built. It needs no running systemd (it works in containers and
# chroots); where it cannot work at all the test says why and exits 77 (ctest: skipped).
source "$(dirname "$0")/lib.sh"

UNIT=tools/systemd/sipdnsd.service
INSTALLED=/usr/local/sbin/sipdnsd   # where the unit (and the README) install the binary

if ! command -v systemd-analyze >/dev/null; then
  echo "systemd_unit: FATAL: systemd-analyze not found: the Debian package systemd" \
       "(tools/packages.txt, group test; tools/dev.sh installs it)" >&2
  exit 1
fi
# Can verify work here at all? A unit that must pass: if it does not, the machine is the
# reason, not our unit.
printf '[Service]\nExecStart=/bin/true\n' >"$TMP_DIR/probe-unit.service"
if ! OUT=$(timeout 30 systemd-analyze verify --man=no --recursive-errors=no \
             "$TMP_DIR/probe-unit.service" 2>&1) || [[ -n $OUT ]]; then
  echo "systemd_unit: SKIPPED: systemd-analyze verify cannot check even a trivial unit" \
       "on this machine:" >&2
  printf '%s\n' "$OUT" >&2
  exit 77
fi

mkdir "$TMP_DIR/units"
sed "s|$INSTALLED|$(realpath "$SIPDNSD")|g" "$UNIT" >"$TMP_DIR/units/sipdnsd.service"
grep -q "^ExecStart=$INSTALLED " "$UNIT" && ! grep -q "$INSTALLED" "$TMP_DIR/units/sipdnsd.service" \
  && pass "the copy differs from the unit in the binary's path only" \
  || fail "ExecStart does not start $INSTALLED"
OUT=$(timeout 30 systemd-analyze verify --man=no --recursive-errors=no \
        "$TMP_DIR/units/sipdnsd.service" 2>&1)
rc=$?
assert_eq "$rc" 0 "systemd-analyze verify: exit status"
assert_eq "$OUT" "" "systemd-analyze verify: nothing to report"

# The brief of the unit: port 53 as a dynamic user with that one capability, sandboxed.
text=$(cat "$UNIT")
for line in DynamicUser=yes AmbientCapabilities=CAP_NET_BIND_SERVICE \
            CapabilityBoundingSet=CAP_NET_BIND_SERVICE NoNewPrivileges=yes ProtectSystem=strict \
            ProtectHome=yes PrivateTmp=yes StateDirectory=sipdns RuntimeDirectory=sipdns \
            'ExecReload=/bin/kill -HUP $MAINPID' Restart=on-failure; do
  assert_contains "$text" "$line"
done

# Every flag of ExecStart is in sipdnsd --help; the state and socket paths are the directories
# systemd makes.
usage=$("$SIPDNSD" --help)
exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
for flag in $(grep -oE -- '--[a-z-]+' <<<"$exec_start"); do
  grep -qE -- "^  $flag( |$)" <<<"$usage" && pass "ExecStart: sipdnsd knows $flag" \
    || fail "ExecStart: sipdnsd has no flag $flag"
done
assert_contains "$exec_start" "--state-dir /var/lib/sipdns" "state in StateDirectory"
assert_contains "$exec_start" "--control /run/sipdns/" "control socket in RuntimeDirectory"
finish
