/*
 * monitor.h: the master's watch over itself.  Keeps the metrics, gathers
 * the alerts' inputs from the master's state, evaluates them (every minute
 * and soon after anything relevant happened) and hands each change to
 * notify.c.  It hears what happens by watching the master (master_watch);
 * the control socket reads alerts, the check lines and the metrics text.
 */
#ifndef DATABACKUP_MONITOR_H
#define DATABACKUP_MONITOR_H

#include <stdint.h>

#include <cjson/cJSON.h>

struct config;
struct master;
struct monitor;

#define MONITOR_EVAL_SEC	60
#define MONITOR_SOON_MS		1000	/* evaluations after changes, at most */
#define MONITOR_CLOCK_ENV	"DATABACKUP_TEST_CLOCK"
#define MONITOR_RUNS_LOADED	64	/* runs read at start for the alerts */

/* monitor.c */
struct monitor	*monitor_new(struct master *, char *, size_t);
void		 monitor_free(struct monitor *);
int64_t		 monitor_now_ms(const struct monitor *);
void		 monitor_eval_soon(struct monitor *);
cJSON		*monitor_alerts_json(struct monitor *);
void		 monitor_check(struct monitor *, cJSON *);
int		 monitor_coverage(struct monitor *, cJSON *, int64_t, int);
char		*monitor_metrics_text(struct monitor *);
int		 monitor_clock_enabled(void);
void		 monitor_set_clock(struct monitor *, int64_t);

struct alert_input;
struct alert_target;
struct alert_db;

/* monitor-drill.c */
void		 monitor_drill_input(struct master *, const struct config *,
		    struct alert_input *, struct alert_target **,
		    struct alert_db **);

#endif
