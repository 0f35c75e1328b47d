#!/bin/sh
# An export whose duration the journal knows is polled once, at its
# predicted end: the worker sleeps towards it in one go, where a guess
# from the disk's bytes used (the first night) is checked every poll_max.
. "$top_srcdir/tests/integration/daemon-lib.sh"

# polls-lab/steady-pg/ledger: 12,000 MB at the demo fleet's 40 MB/s plus
# its 10 s start-up, 310 emulated s: 5.2 s real at time scale 60, five
# poll_max intervals and more.
jq '.projects += [{
    "projectId": "polls-lab", "projectNumber": "410000000023",
    "instances": [{"name": "steady-pg", "databaseVersion": "POSTGRES_15",
        "dataDiskSizeGb": 100,
        "databases": [{"name": "ledger", "sizeMb": 12000}]}]}]' \
    "$top_srcdir/etc/demo-fleet.json" >"$EMU_TMP/fleet.json"
EMU_FLEET="$EMU_TMP/fleet.json"

# night N: one run against a fresh emulator, the journal kept; prints
# the polls the ledger's export took.
night() {
	emu_start --time-scale 60
	DISC_EXTRA="projects = polls-lab" daemon_config
	daemon_start
	ctl trigger --wait polls-lab >"$D_TMP/trigger.out" 2>&1 ||
	    dfail "night $1: trigger --wait: $(cat "$D_TMP/trigger.out")"
	daemon_stop || dfail "night $1: daemon exit $?"
	emu_stop
	cp "$D_TMP/daemon.log" "$D_TMP/daemon-$1.log"
	: >"$D_TMP/daemon.log"
	sed -n 's|.*polls-lab/steady-pg/ledger .*exported .*, \([0-9]*\) polls)$|\1|p' \
	    "$D_TMP/daemon-$1.log"
}

p1=$(night 1)
[ -n "$p1" ] || dfail "night 1: the ledger was not exported: $(grep ledger "$D_TMP/daemon-1.log")"
p2=$(night 2)
[ -n "$p2" ] || dfail "night 2: the ledger was not exported: $(grep ledger "$D_TMP/daemon-2.log")"
# Night 2 knows the 310 s: at most one poll more than the one at its end.
[ "$p2" -le 2 ] || dfail "night 2: $p2 polls with the duration known, want 1 or 2"
# Night 1 only guessed: a poll per poll_max before its guess, more after.
[ "$p1" -ge $((p2 + 3)) ] ||
    dfail "night 1: $p1 polls, night 2 $p2: the guess was not checked as often"
echo "PASS: a known duration is polled $p2 time(s), a guessed one $p1"
