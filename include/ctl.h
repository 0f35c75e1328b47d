/*
 * ctl.h: databackupctl, the operators' client of the control socket.
 *
 * Each command is one struct ctl_cmd row (tmux's cmd_entry): it turns its
 * arguments into the request of docs/control.md and renders the replies.
 * The rows and the formatting helpers live in src/ctl/ so that a Check test
 * links them without main(); sockets and exit handling stay in
 * src/databackupctl.c.
 */
#ifndef DATABACKUP_CTL_H
#define DATABACKUP_CTL_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <cjson/cJSON.h>

#define CTL_PROTOCOL_VERSION	1
#define CTL_REQUEST_MAX		(64 * 1024)	/* docs/control.md */
#define CTL_REPLY_MAX		(16 * 1024 * 1024)
#define CTL_PATTERN_PARTS_MAX	3	/* PROJECT/INSTANCE/DATABASE */
#define CTL_RUN_MAX		2147483647LL
#define CTL_DAYS_MAX		36500
#define CTL_JOBS_LIMIT_MAX	1000000	/* the daemon's bound */
#define CTL_HOURS_MAX		(24 * 36500)
#define CTL_DEFAULT_HOURS	26	/* the daemon's default bound */

/* Exit statuses. */
#define CTL_EXIT_OK		0
#define CTL_EXIT_FAILURE	1
#define CTL_EXIT_USAGE		2
#define CTL_EXIT_UNKNOWN	3	/* monitoring plugins: state unknown */
#define CTL_EXIT_RESTART	4	/* reload: a key needs a restart */
#define CTL_EXIT_INTERRUPTED	130	/* 128 + SIGINT */

#ifndef DATABACKUP_SOCKET
#define DATABACKUP_SOCKET	"/run/databackup/control.sock"
#endif

struct ctl_cmd {
	const char	*name;
	const char	*usage;		/* arguments after the name */
	const char	*description;	/* one line for --help */
	int		 monitoring;	/* errors are UNKNOWN, exit 3 */

	/*
	 * Adds the command's fields to req ("version" and "command" are
	 * already set).  argv[0] is the command name.  On bad usage, prints
	 * one line to stderr and returns -1.
	 */
	int		(*parse)(int, char **, cJSON *);
	/* Renders an ok:true result for people. */
	void		(*render)(const cJSON *, FILE *);
	/* Renders a {"type":"progress"} reply; NULL if none are expected. */
	void		(*progress)(const cJSON *, FILE *);
	/* Exit status for an ok:true result; NULL means 0. */
	int		(*exit_status)(const cJSON *, const cJSON *);
	/* Before exiting on SIGINT while replies are pending; may be NULL. */
	void		(*interrupted)(FILE *);
	/* Before an error ends what progress showed; may be NULL. */
	void		(*end_progress)(FILE *);
};

/* A table with a header row, printed with aligned columns. */
struct ctl_table {
	size_t		  ncols;
	size_t		  nrows;	/* including the header */
	char		**cells;	/* nrows * ncols, owned */
};

/* ctl-util.c */
extern const struct ctl_cmd	*ctl_cmds[];
const struct ctl_cmd	*ctl_find(const char *);
void		 ctl_usage_error(const struct ctl_cmd *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
int		 ctl_parse_number(const char *, long long, long long,
		    long long *);
int		 ctl_no_args(int, char **, cJSON *);
void		 ctl_set_now(time_t);
time_t		 ctl_now(void);
void		 ctl_set_width(int);
int		 ctl_width(FILE *);
int		 ctl_isatty(FILE *);
void		 ctl_set_tty(int);
int		 ctl_parse_time(const char *, time_t *);
char		*ctl_fmt_time(const cJSON *);
char		*ctl_fmt_duration(double);
char		*ctl_fmt_age(const cJSON *);
char		*ctl_fmt_size(double);
const char	*ctl_str(const cJSON *, const char *);
int		 ctl_num(const cJSON *, const char *, double *);
long long	 ctl_int(const cJSON *, const char *, long long);
char		*ctl_fmt_int(const cJSON *, const char *);
char		*ctl_fmt_target(const cJSON *);
struct ctl_table *ctl_table_new(size_t, ...);
void		 ctl_table_add(struct ctl_table *, ...);
void		 ctl_table_addv(struct ctl_table *, char **);
void		 ctl_table_print(const struct ctl_table *, FILE *, int);
void		 ctl_table_free(struct ctl_table *);
char		*ctl_fmt_busy(const cJSON *);
char		*ctl_fmt_run_counts(const cJSON *);
char		*ctl_fmt_discovery(const cJSON *);

/* ctl-status.c ... ctl-misc.c: one row each. */
extern const struct ctl_cmd	ctl_status_entry;
extern const struct ctl_cmd	ctl_trigger_entry;
extern const struct ctl_cmd	ctl_jobs_entry;
extern const struct ctl_cmd	ctl_history_entry;
extern const struct ctl_cmd	ctl_plan_entry;
extern const struct ctl_cmd	ctl_reload_entry;
extern const struct ctl_cmd	ctl_check_entry;
extern const struct ctl_cmd	ctl_metrics_entry;
extern const struct ctl_cmd	ctl_coverage_entry;
extern const struct ctl_cmd	ctl_restore_entry;
extern const struct ctl_cmd	ctl_drill_entry;
extern const struct ctl_cmd	ctl_prune_entry;

/* ctl-complete.c */
void		 ctl_complete_print(const char *, FILE *);

#endif
