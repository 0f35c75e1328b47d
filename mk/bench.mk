# bench part: "make bench" runs bench/bench.py (databackupd against the
# lower bound and its peers on generated fleets; docs/benchmarks.md).  Not
# part of "make check": it takes minutes.  Results in bench/results/.
PYTHON3_BENCH = /usr/bin/python3
EXTRA_DIST += bench/bench.py bench/tasks_peer.py bench/gcloud_peer.sh

# The master's memory floor: the same libraries, initialised, nothing else.
EXTRA_PROGRAMS = bench/rss-floor
bench_rss_floor_SOURCES = bench/rss-floor.c
bench_rss_floor_LDFLAGS = -Wl,--no-as-needed
bench_rss_floor_LDADD = $(LIBEVENT_LIBS) $(LIBCURL_LIBS) $(CJSON_LIBS) \
	$(OPENSSL_LIBS) $(LIBBSD_LIBS) $(SQLITE_LIBS) $(SYSTEMD_LIBS) -lm
CLEANFILES += bench/rss-floor

.PHONY: bench
bench: all bench/rss-floor$(EXEEXT)
	@$(PYTHON3_BENCH) -c 'import matplotlib' 2>/dev/null || { \
	    echo "make bench: python3-matplotlib is missing (the plots);" \
	        "run: apt-get install -y python3-matplotlib" >&2; exit 1; }
	$(PYTHON3_BENCH) $(srcdir)/bench/bench.py --top $(abs_top_builddir) \
	    --srcdir $(abs_top_srcdir) --out $(abs_top_builddir)/bench/results \
	    $(BENCH_FLAGS)
