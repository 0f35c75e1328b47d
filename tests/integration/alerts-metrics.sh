#!/bin/sh
# alerts-metrics.sh: /metrics (libevent's HTTP server) and `databackupctl
# metrics` after a run with one retried export, read by a parser of the
# Prometheus text format's rules and by Prometheus's own parser (Debian's
# python3-prometheus-client); and the JSON log format with journald priority
# prefixes, every job line naming project/instance/database/run.
. "$(dirname "$0")/daemon-lib.sh"
. "$top_srcdir/tests/integration/alerts-lib.sh"

EMU_FLEET="$top_srcdir/tests/data/alerts-fleet.json"
emu_start --time-scale 60
M_PORT=$(free_port)
A_EXTRA="
[metrics]
listen = 127.0.0.1:$M_PORT

[log]
format = json
"
alerts_config
export DATABACKUP_LOG_PRIORITY=1
daemon_start
setfaults '[{"endpoint":"sql.export","project":"ops-alpha","instance":"alpha-mysql","kind":"op_error","count":1}]'
ctl trigger --wait >/dev/null
ctl --json status | jq -e '.last_run.outcome == "succeeded"' >/dev/null || fail "run failed"
NDB=$(ctl --json jobs | jq '.jobs | length')

curl -sf -D "$A_TMP/headers" -o "$A_TMP/scrape" "http://127.0.0.1:$M_PORT/metrics" ||
    fail "scrape"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$A_TMP/headers" || fail "content type"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$M_PORT/other")
[ "$code" = 404 ] || fail "/other: $code"
ctl metrics >"$A_TMP/ctl-metrics" || fail "databackupctl metrics"

python3 - "$A_TMP/scrape" "$A_TMP/ctl-metrics" "$NDB" <<'PY' || fail "metrics content"
import math, re, sys
NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')

def parse(text):
    """The text exposition format 0.0.4, by its rules."""
    assert text.endswith("\n")
    types, helps, samples, seen_families = {}, {}, {}, []
    for line in text.split("\n")[:-1]:
        if line.startswith("#"):
            parts = line.split(" ", 3)
            assert parts[1] in ("HELP", "TYPE"), line
            name = parts[2]
            assert NAME.match(name), line
            if parts[1] == "TYPE":
                assert name not in types, "second TYPE " + name
                assert parts[3] in ("counter", "gauge", "histogram", "summary", "untyped"), line
                assert not any(s[0] == name for s in samples), "TYPE after samples " + name
                types[name] = parts[3]
            else:
                assert name not in helps, "second HELP " + name
                helps[name] = parts[3]
            if name not in seen_families:
                seen_families.append(name)
            continue
        m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        assert m, "bad sample line: " + line
        name, labels, value = m.group(1), m.group(3), m.group(4)
        assert name in types, "sample without TYPE: " + line
        assert seen_families[-1] == name, "family not contiguous: " + name
        lab = ()
        if labels:
            pos, out = 0, []
            while pos < len(labels):
                lm = LABEL.match(labels, pos)
                assert lm, "bad labels: " + line
                out.append((lm.group(1), lm.group(2)))
                pos = lm.end()
                if pos < len(labels):
                    assert labels[pos] == ",", line
                    pos += 1
            lab = tuple(sorted(out))
            assert len(set(k for k, _ in lab)) == len(lab), line
        v = float(value)
        assert not math.isnan(v), line
        key = (name, lab)
        assert key not in samples, "duplicate series: " + line
        samples[key] = v
    for name, t in types.items():
        if t == "counter":
            assert name.endswith("_total"), "counter without _total: " + name
        assert name in helps, "no HELP: " + name
    return types, samples

types, s = parse(open(sys.argv[1]).read())
types2, s2 = parse(open(sys.argv[2]).read())
assert types == types2, "ctl metrics families differ"
ndb = int(sys.argv[3])

def v(name, **lab):
    return s[(name, tuple(sorted(lab.items())))]

assert v("databackup_runs_total", outcome="succeeded") == 1
assert v("databackup_runs_total", outcome="failed") == 0
assert v("databackup_jobs_total", outcome="succeeded") == ndb, (v("databackup_jobs_total", outcome="succeeded"), ndb)
assert v("databackup_jobs_total", outcome="failed") == 0
assert v("databackup_export_attempts_total") == ndb + 1
assert v("databackup_retries_total", reason="operation") == 1
assert v("databackup_exports_in_flight") == 0
assert v("databackup_discovery_objects", kind="projects") == 2
assert v("databackup_discovery_objects", kind="databases") >= ndb
assert v("databackup_discovery_duration_seconds") >= 0
assert v("databackup_last_success_timestamp_seconds") > 1.6e9
assert v("databackup_databases_known") == ndb
assert v("databackup_databases_never_exported") == 0
assert 0 <= v("databackup_oldest_export_age_seconds") < 3600
for a in ("run_failed", "export_errors", "not_running"):
    assert v("databackup_alert_firing", alert=a) == 0
assert v("databackup_api_requests_total", api="resourcemanager", code="200") > 0
assert v("databackup_api_requests_total", api="sqladmin", code="200") > 0
# Workers' calls count too: every export call and poll (Cloud SQL), every
# object check (Cloud Storage, which only workers call).
assert v("databackup_api_requests_total", api="sqladmin", code="200") >= 2 * ndb
assert v("databackup_api_requests_total", api="storage", code="200") >= ndb
assert v("databackup_worker_restarts_total") == 0
assert v("databackup_journal_errors_total") == 0
assert types["databackup_exports_in_flight"] == "gauge"
PY

# The exposition format read again by Prometheus's own parser (Debian's
# python3-prometheus-client): every family, sample and label must parse.
P_PY=
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import prometheus_client.parser' 2>/dev/null; then
		P_PY=$p
		break
	fi
done
[ -n "$P_PY" ] || fail "python3-prometheus-client missing (tests/install-deps.sh)"
"$P_PY" - "$A_TMP/scrape" <<'PY' || fail "prometheus_client parser"
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = list(text_string_to_metric_families(open(sys.argv[1]).read()))
names = {f.name for f in fams}
assert "databackup_exports_in_flight" in names, sorted(names)
assert sum(len(f.samples) for f in fams) > 20
PY

# Logs: one JSON object per line after the journald priority prefix.
python3 - "$D_TMP/daemon.log" <<'PY' || fail "log format"
import json, re, sys
prio = {"CRITICAL": 2, "ERROR": 3, "WARNING": 4, "NOTICE": 5, "INFO": 6, "DEBUG": 7}
jobs = 0
for line in open(sys.argv[1]):
    m = re.match(r"<(\d)>(\{.*\})$", line.rstrip("\n"))
    assert m, "not a prefixed JSON line: " + line
    o = json.loads(m.group(2))
    assert prio[o["severity"]] == int(m.group(1)), line
    assert isinstance(o["message"], str) and o["message"], line
    if "project" in o:
        jobs += 1
        assert o["instance"] and o["database"] and o["run"] >= 1, line
        assert "attempt" in o, line
assert jobs > 0, "no job lines"
PY
echo "PASS: metrics and logs"
