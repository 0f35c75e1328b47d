# busy-lib.sh: sourced by the tests of a busy instance.  The demo fleet
# with clinical-pg under a 20-minute automated backup from the
# emulator's start (20 s real at time scale 60), and one night on it.
. "$top_srcdir/tests/integration/daemon-lib.sh"

jq '(.. | objects | select(.name? == "clinical-pg") | .busy) =
    [{"at": "0s", "for": "20m", "type": "BACKUP_VOLUME"}]' \
    "$top_srcdir/etc/demo-fleet.json" >"$EMU_TMP/fleet.json"
EMU_FLEET="$EMU_TMP/fleet.json"

# busy_night N [emulator args]: a run of clinical-pg on a fresh emulator
# and daemon (the journal kept); stats-N.json and daemon-N.log in D_TMP.
busy_night() {
	n=$1
	shift
	emu_start --time-scale 60 "$@"
	daemon_config
	daemon_start
	ctl trigger --wait 'medicine-research/clinical-pg' >"$D_TMP/trigger.out" 2>&1 ||
	    dfail "night $n: trigger --wait: $(cat "$D_TMP/trigger.out")"
	stats >"$D_TMP/stats-$n.json"
	daemon_stop || dfail "night $n: daemon exit $?"
	emu_stop
	cp "$D_TMP/daemon.log" "$D_TMP/daemon-$n.log"
	: >"$D_TMP/daemon.log"
}
