#!/bin/sh
# Access by role on the control socket, from other users' processes:
# with [control] readers and operators set, the socket is 0666, a reader
# may read but not trigger, an operator may trigger, anyone else is
# refused with the groups they lack, and root may do everything.  Needs
# root and setpriv to act as nobody; skipped (77) otherwise.
. "$top_srcdir/tests/integration/daemon-lib.sh"

[ "$(id -u)" = 0 ] || { echo "control-roles: not root, skipped"; exit 77; }
command -v setpriv >/dev/null 2>&1 || { echo "control-roles: no setpriv"; exit 77; }
getent passwd nobody >/dev/null || { echo "control-roles: no user nobody"; exit 77; }
# Two groups of this host, and one more that is neither.
rgrp=users ogrp=staff
rgid=$(getent group $rgrp | cut -d: -f3)
ogid=$(getent group $ogrp | cut -d: -f3)
xgid=$(getent group nogroup | cut -d: -f3)
[ -n "$rgid" ] && [ -n "$ogid" ] && [ -n "$xgid" ] ||
    { echo "control-roles: groups $rgrp, $ogrp, nogroup needed"; exit 77; }

emu_start --time-scale 60
daemon_config
cat >>"$D_TMP/databackup.conf" <<CONF
[control]
readers = $rgrp
operators = $ogrp
CONF
# nobody must reach the socket: the directories are mktemp's 0700.
chmod 0711 "$EMU_TMP" "$D_TMP"
daemon_start
sock="$D_TMP/control.sock"
[ "$(stat -c %a "$sock")" = 666 ] || dfail "socket mode $(stat -c %a "$sock")"

# as GID COMMAND...: databackupctl as nobody with one supplementary group.
as() {
	g=$1; shift
	setpriv --reuid=nobody --regid=nogroup --groups="$g" \
	    "$CTL_BIN" -s "$sock" "$@"
}
refused() {	# refused GID MESSAGE COMMAND...
	g=$1 m=$2; shift 2
	if as "$g" "$@" >"$D_TMP/out" 2>&1; then
		fail "gid $g: $* allowed: $(cat "$D_TMP/out")"
	fi
	grep -qF "$m" "$D_TMP/out" || fail "gid $g: $*: $(cat "$D_TMP/out")"
}

# Nobody in neither group: refused, told which groups would do.
refused "$xgid" "permission denied: status needs membership of group '$rgrp' (readers) or '$ogrp' (operators)" status
refused "$xgid" "permission denied: trigger needs membership of group '$ogrp' (operators)" trigger

# A reader reads, and may not trigger or reload.
as "$rgid" --json status | jq -e .ok >/dev/null || fail "reader: status"
as "$rgid" --json history | jq -e .ok >/dev/null || fail "reader: history"
as "$rgid" metrics >/dev/null || fail "reader: metrics"
refused "$rgid" "permission denied: trigger needs membership of group '$ogrp' (operators)" trigger
refused "$rgid" "permission denied: reload needs membership of group '$ogrp' (operators)" reload
# The reader's trigger changed nothing: no run started.
ctl --json status | jq -e '.run == null' >/dev/null || fail "a refused trigger started a run"
grep -q "control: uid $(id -u nobody) (reader) refused trigger" "$D_TMP/daemon.log" ||
    fail "refusal not logged"

# An operator triggers and reloads.
as "$ogid" --json trigger >"$D_TMP/out" || fail "operator: trigger: $(cat "$D_TMP/out")"
as "$ogid" reload >/dev/null || fail "operator: reload"
as "$ogid" --json status | jq -e .ok >/dev/null || fail "operator: status"

# Root (and the daemon's user, here the same) may do everything.
ctl --json reload | jq -e .ok >/dev/null || fail "root: reload"
ctl --json trigger | jq -e .ok >/dev/null || fail "root: trigger"

# At [control] max_connections, a reader is told "busy" and root still
# gets in, through the one connection reserved for root and the daemon's
# user.  A reader's idle connection holds the cap of 1 (reconnecting
# whenever it is the one told "busy"), until $D_TMP/hold.go.
cat >>"$D_TMP/databackup.conf" <<CONF
max_connections = 1
idle_timeout = 1h
CONF
ctl reload >/dev/null || fail "reload with max_connections = 1"
rm -f "$D_TMP/hold.go"
python3 - "$sock" "$D_TMP/hold.go" "$rgid" "$xgid" "$(id -u nobody)" <<'PY' &
import os, select, socket, sys, time
path, go = sys.argv[1], sys.argv[2]
# As nobody in the readers' group (setpriv would need python3 reachable
# by nobody; the credentials are what connect() sees).
os.setgroups([int(sys.argv[3])])
os.setgid(int(sys.argv[4]))
os.setuid(int(sys.argv[5]))
deadline = time.time() + 60
s = None
while time.time() < deadline and not os.path.exists(go):
    if s is None:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
    r, _, _ = select.select([s], [], [], 0.1)
    if r and not s.recv(4096):
        s.close()
        s = None  # told "busy" (or closed): take the place again
if s is not None:
    s.close()
PY
holder=$!
cap_full() { as "$rgid" status 2>&1 | grep -q 'busy: 1 control connections open'; }
wait_for "a reader's connection to hold the cap" 30 cap_full
ctl --json status | jq -e .ok >/dev/null || fail "root at the cap: status"
grep -q 'the reserved one goes to root or the daemon' "$D_TMP/daemon.log" ||
    fail "root's status did not take the reserved connection"
touch "$D_TMP/hold.go"
wait "$holder" || fail "the holding client failed"
echo "control-roles: ok"
