/*
 * monitor.h: the master's watch over itself.  Keeps the metrics, gathers
 * the alerts' inputs from the master's state, evaluates them (every minute
 * and soon after anything relevant happened) and hands each change to
 * notify.c.  The master calls the hooks below where things happen; the
 * control socket reads alerts, the check lines and the metrics text.
 */
#ifndef DATABACKUP_MONITOR_H
#define DATABACKUP_MONITOR_H

#include <stdint.h>

#include <cjson/cJSON.h>

struct disc_result;
struct job;
struct master;
struct msg_failed;
struct run;
struct monitor;
struct msg_api_count;

#define MONITOR_EVAL_SEC	60
#define MONITOR_SOON_MS		1000	/* evaluations after changes, at most */
#define MONITOR_CLOCK_ENV	"DATABACKUP_TEST_CLOCK"

/* monitor.c */
struct monitor	*monitor_new(struct master *, char *, size_t);
void		 monitor_free(struct monitor *);
int64_t		 monitor_now_ms(const struct monitor *);
void		 monitor_dispatched(struct monitor *, const struct job *);
void		 monitor_job_done(struct monitor *, const struct job *);
void		 monitor_job_failed(struct monitor *, const struct job *,
		    const struct msg_failed *);
void		 monitor_worker_died(struct monitor *);
void		 monitor_api_counts(struct monitor *,
		    const struct msg_api_count *, size_t);
void		 monitor_journal_error(struct monitor *);
void		 monitor_discovery(struct monitor *, const struct disc_result *);
void		 monitor_run_started(struct monitor *);
void		 monitor_run_not_started(struct monitor *, const char *);
void		 monitor_run_end(struct monitor *, const struct run *);
void		 monitor_eval_soon(struct monitor *);
cJSON		*monitor_alerts_json(struct monitor *);
void		 monitor_check(struct monitor *, cJSON *);
char		*monitor_metrics_text(struct monitor *);
int		 monitor_clock_enabled(void);
void		 monitor_set_clock(struct monitor *, int64_t);

#endif
