#!/bin/sh
# run.sh: build every libFuzzer harness in tests/fuzz with clang (ASan and
# UBSan on) and run each for FUZZ_SECONDS (default 30) from a seed corpus.
# Run by `make fuzz` from a configured tree; exits non-zero on a crash.
set -eu
: "${top_srcdir:=.}" "${top_builddir:=.}"
: "${FUZZ_SECONDS:=30}"
CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null 2>&1 || { echo "fuzz: $CC not installed (apt-get install clang libclang-rt-14-dev)"; exit 77; }
out="$top_builddir/tests/fuzz/out"
mkdir -p "$out"
libs="libevent libcurl libcjson libcrypto libbsd-overlay sqlite3 libsystemd zlib"
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -include $top_builddir/autoconf.h -iquote $top_srcdir/include \
    -iquote $top_srcdir/tests/emulator $(pkg-config --cflags $libs)"
ldlibs="$(pkg-config --libs $libs) -lm"
lib_srcs=$(ls "$top_srcdir"/src/*.c "$top_srcdir"/src/ctl/*.c |
    grep -v -e '/databackupd\.c$' -e '/databackupctl\.c$')
emu_srcs=$(ls "$top_srcdir"/tests/emulator/emu_*.c "$top_srcdir/src/log.c" \
    "$top_srcdir/src/xmalloc.c")

seed() {	# seed DIR FILES...: a corpus to start from
	d=$1; shift
	mkdir -p "$d"
	for f in "$@"; do [ -f "$f" ] && cp "$f" "$d/"; done
	return 0
}
seed "$out/corpus-config" "$top_srcdir"/etc/databackup.conf "$top_srcdir"/tests/data/*.conf
seed "$out/corpus-gcp" "$top_srcdir"/tests/data/gcp/*
seed "$out/corpus-msg" /dev/null
printf 'proj-*/inst-?/db' >"$out/corpus-msg/pattern"
seed "$out/corpus-fleet" "$top_srcdir/etc/demo-fleet.json"
printf '/sql/v1beta4/projects/p/instances/i/export' >"$out/corpus-fleet/route"
seed "$out/corpus-control" "$top_srcdir"/tests/fuzz/corpus-control/*

rc=0
for h in config gcp msg fleet control; do
	case $h in
	fleet) srcs=$emu_srcs ;;
	*) srcs=$lib_srcs ;;
	esac
	echo "fuzz: building fuzz_$h"
	# shellcheck disable=SC2086
	$CC $cflags "$top_srcdir/tests/fuzz/fuzz_$h.c" $srcs $ldlibs \
	    -o "$out/fuzz_$h" 2>"$out/fuzz_$h.build.log" ||
	    { cat "$out/fuzz_$h.build.log"; exit 1; }
	echo "fuzz: running fuzz_$h for ${FUZZ_SECONDS}s"
	if ! (cd "$out" && ./"fuzz_$h" -max_total_time="$FUZZ_SECONDS" \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    "corpus-$h" >"fuzz_$h.log" 2>&1); then
		tail -40 "$out/fuzz_$h.log"
		echo "fuzz: fuzz_$h FAILED (reproducer in $out)"
		rc=1
	else
		grep -E 'stat::number_of_executed_units' "$out/fuzz_$h.log" |
		    sed "s/^/fuzz_$h: /"
	fi
done
exit $rc
