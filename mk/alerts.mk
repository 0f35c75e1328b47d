# alerts: the built-in alerts, notifications, metrics, and their tests.
libdatabackup_a_SOURCES += src/alert.c src/metrics.c src/notify.c \
	src/monitor.c src/monitor-report.c src/monitor-drill.c src/monitor-int.h \
	include/alert.h include/metrics.h \
	include/notify.h \
	include/monitor.h

if HAVE_CHECK
check_PROGRAMS += tests/check_alert tests/check_metrics
TESTS += tests/check_alert tests/check_metrics
endif
tests_check_alert_SOURCES = tests/check_alert.c
tests_check_alert_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_alert_LDADD = $(TEST_LIBS)
tests_check_metrics_SOURCES = tests/check_metrics.c
tests_check_metrics_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_metrics_LDADD = $(TEST_LIBS)

TESTS += tests/integration/alerts-notify.sh tests/integration/alerts-metrics.sh \
	tests/integration/alerts-partial.sh tests/integration/alerts-delivery.sh \
	tests/integration/alerts-running.sh tests/integration/health-stale.sh
