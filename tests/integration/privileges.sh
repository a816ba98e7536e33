#!/usr/bin/env bash
# sipdnsd --user: started as root, it binds, opens its state directory and control socket,
# then runs as the user in every thread (all four user and group ids, the user's groups, no
# capability) and still answers, drains and undrains through the control socket (state files
# written as the user), reloads an edited zone and stops cleanly; a restart with `user` in a
# --config file drops again on the same state. An unknown user, or root, is a usage error; a
# drop that fails stops the server.
source "$(dirname "$0")/lib.sh"

if ((EUID != 0)); then
  echo "privileges: FATAL: needs root (it starts sipdnsd as root to see it drop to a user)" >&2
  exit 1
fi

# A system user of our own (kept: creating it again on every run would churn /etc/passwd).
U=sipdns-test
if ! id "$U" >/dev/null 2>&1 &&
   ! useradd --system --no-create-home --shell /usr/sbin/nologin "$U" 2>/dev/null; then
  echo "privileges: cannot create user $U; using nobody" >&2
  U=nobody
fi
UID_U=$(id -u "$U")
GID_U=$(id -g "$U")

# Everything the user reads or writes after the drop lives under TMP_DIR (0700 by mktemp):
# zones readable by all, the socket's directory the user's (as systemd's RuntimeDirectory),
# the state directory created by sipdnsd itself.
chmod 755 "$TMP_DIR"
ZONES=$TMP_DIR/zones
STATE=$TMP_DIR/state
mkdir -p "$ZONES" "$TMP_DIR/run"
cp zones/uctest.local.toml "$ZONES/"
chmod -R a+rX "$ZONES"
chown "$U:$GID_U" "$TMP_DIR/run"
CONTROL_SOCK=$TMP_DIR/run/control.sock
H1=habibexpc1.uctest.local
SIP=_sip._tcp.uctest.local

# ---- usage errors: exit 2 before anything is bound ----
for bad in no-such-user-sipdns root; do
  OUT=$(timeout 10 "$SIPDNSD" --listen 127.0.0.1:1 --zones "$ZONES" --user "$bad" 2>&1)
  assert_eq "$?" 2 "--user $bad: exit status"
done
assert_contains "$OUT" 'sipdnsd: error: --user: "root" is root (uid 0): name an unprivileged user'
OUT=$(timeout 10 "$SIPDNSD" --listen 127.0.0.1:1 --zones "$ZONES" --user no-such-user-sipdns 2>&1)
assert_contains "$OUT" 'sipdnsd: error: --user: no user "no-such-user-sipdns"' "unknown user named"
printf 'user = "no-such-user-sipdns"\n' >"$TMP_DIR/bad.toml"
OUT=$(timeout 10 "$SIPDNSD" --config "$TMP_DIR/bad.toml" 2>&1)
assert_eq "$?" 2 "config key user, unknown: exit status"
assert_contains "$OUT" "$TMP_DIR/bad.toml:1:8: user: no user \"no-such-user-sipdns\""

# ---- a drop that fails stops the server: here started as the user, so it may not switch ----
p=$(pick_port)
OUT=$(timeout 10 setpriv --reuid "$U" --regid "$GID_U" --init-groups \
  "$SIPDNSD" --listen "127.0.0.1:$p" --zones "$ZONES" --user nobody 2>&1)
assert_eq "$?" 1 "a failed drop: exit status"
assert_contains "$OUT" 'level=error event=user_drop_failed user=nobody error="initgroups: Operation not permitted" msg="not serving"'
assert_not_contains "$OUT" "event=started" "a failed drop never serves"

# ---- what the process is after the drop ----
# dropped PID: every thread has the user's four uids and gids, its groups, no capability.
dropped() {
  local status want_groups task ok=0
  TASKS=0
  want_groups=$(id -G "$U" | tr ' ' '\n' | sort -n | tr '\n' ' ')
  for status in /proc/"$1"/task/*/status; do
    task=$(basename "$(dirname "$status")")
    TASKS=$((TASKS + 1))
    OUT=$(cat "$status") || { fail "task $task: no status"; ok=1; continue; }
    local uid gid groups eff prm amb
    uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' <<<"$OUT")
    gid=$(awk '/^Gid:/ {print $2, $3, $4, $5}' <<<"$OUT")
    groups=$(awk '/^Groups:/ {for (i = 2; i <= NF; i++) print $i}' <<<"$OUT" | sort -n | tr '\n' ' ')
    eff=$(awk '/^CapEff:/ {print $2}' <<<"$OUT")
    prm=$(awk '/^CapPrm:/ {print $2}' <<<"$OUT")
    amb=$(awk '/^CapAmb:/ {print $2}' <<<"$OUT")
    [[ $uid == "$UID_U $UID_U $UID_U $UID_U" && $gid == "$GID_U $GID_U $GID_U $GID_U" &&
       $groups == "$want_groups" && $eff == 0000000000000000 && $prm == 0000000000000000 &&
       $amb == 0000000000000000 ]] ||
      { fail "task $task: uid '$uid' gid '$gid' groups '$groups' caps $eff/$prm/$amb"; ok=1; }
  done
  return $ok
}
# owned_by_user PATH...: every file under PATH belongs to the user.
owned_by_user() {
  local others
  others=$(find "$@" ! -user "$U" 2>&1)
  [[ -z $others ]] || { OUT=$others; return 1; }
}
has_target() { dig_q "$1" SRV >/dev/null; section ANSWER | grep -q " $2\.$"; }
lacks_target() { ! has_target "$@"; }
answers() { dig_q "$1" A >/dev/null; section ANSWER | grep -q " $2$"; }
serial() { dig_q uctest.local SOA >/dev/null; section ANSWER | awk '{print $7}'; }

# Two workers: the second loop binds its own sockets, and its thread must drop too.
start_server --zones "$ZONES" --state-dir "$STATE" --control "$CONTROL_SOCK" --user "$U" --workers 2
assert_contains "$(cat "$SERVER_LOG")" "level=info event=running_as user=$U uid=$UID_U gid=$GID_U capabilities=none"
dropped "$SERVER_PID" &&
  pass "all $TASKS threads run as $U ($UID_U:$GID_U), with its groups, no capabilities"
((TASKS >= 2)) || fail "only $TASKS threads seen (the main loop and a second worker at least)"
has_target "$SIP" "$H1" && pass "answers after the drop" || fail "no answer after the drop"
assert_eq "$(stat -c '%U %a' "$CONTROL_SOCK")" "$U 660" "control socket owner and mode"

# The control socket: root, and the user's group (here as the user itself), may use it.
assert_eq "$(control drain "$H1")" "ok: drained $H1." "drain through the control socket"
if poll_until 5000 lacks_target "$SIP" "$H1"; then pass "$H1 drained (${POLL_MS} ms)"
else fail "$H1 still served"; fi
[[ -s $STATE/drains && -s $STATE/serials ]] && pass "state files written" \
  || { OUT=$(ls -laR "$STATE" 2>&1); fail "state files missing"; }
grep -qx "$H1." "$STATE/drains" && pass "the drain is in the state file" \
  || { OUT=$(cat "$STATE/drains"); fail "drains file lacks $H1."; }
owned_by_user "$STATE" && pass "the state directory and its files are $U's" \
  || fail "state files not owned by $U"
cp "$SIPDNS" "$TMP_DIR/sipdns"
OUT=$(timeout 5 setpriv --reuid "$U" --regid "$GID_U" --init-groups \
  "$TMP_DIR/sipdns" status --control "$CONTROL_SOCK" 2>&1)
assert_contains "$OUT" "drained $H1." "the user's group may use the control socket"

# A reload after the drop reads the (world-readable) zone file as the user.
s0=$(serial)
sed -i 's/^  "ns1 A 127.0.0.1",$/&\n  "reloaded A 192.0.2.77",/' "$ZONES/uctest.local.toml"
OUT=$(control reload)
assert_contains "$OUT" "ok" "reload through the control socket"
if poll_until 5000 answers reloaded.uctest.local 192.0.2.77; then
  pass "the edited zone is served after a reload (${POLL_MS} ms)"
else fail "the edited zone is not served"; fi
assert_eq "$(control undrain "$H1")" "ok: undrained $H1." "undrain"
if poll_until 5000 has_target "$SIP" "$H1"; then pass "$H1 back (${POLL_MS} ms)"
else fail "$H1 not back"; fi
grep -q "$H1" "$STATE/drains" && { OUT=$(cat "$STATE/drains"); fail "drains file still lists $H1"; } \
  || pass "the undrain is in the state file"
s1=$(serial)
((s1 > s0)) && pass "serial raised by the changes ($s0 -> $s1)" || fail "serial $s0 -> $s1"
owned_by_user "$STATE" && pass "files written since are $U's too" || fail "state files not $U's"
stop_server
assert_eq "$SERVER_STATUS" 0 "clean exit as $U"
[[ ! -e $CONTROL_SOCK ]] && pass "control socket removed at exit" || fail "control socket left"

# ---- restart on the same state, `user` from a configuration file ----
printf 'user = "%s"\nstate-dir = "%s"\ncontrol = "%s"\nzones = "%s"\n' \
  "$U" "$STATE" "$CONTROL_SOCK" "$ZONES" >"$TMP_DIR/sipdnsd.toml"
start_server --config "$TMP_DIR/sipdnsd.toml"
dropped "$SERVER_PID" && pass "restarted from --config: runs as $U again"
assert_eq "$(serial)" "$s1" "the served serial survived the restart"
answers reloaded.uctest.local 192.0.2.77 && pass "the edited zone at start" || fail "edited zone lost"
finish
