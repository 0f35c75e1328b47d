/*
 * worker-int.h: the worker process's own state, shared by worker.c (the
 * export) and worker-restore.c (the import); nothing else includes it.
 */
#ifndef DATABACKUP_WORKER_INT_H
#define DATABACKUP_WORKER_INT_H

#include <stdint.h>

#include "gcp.h"
#include "log.h"
#include "msg.h"

/* A poll answer that fails for transient reasons is tried again this often. */
#define WORKER_POLL_ERRORS_MAX	20

struct worker {
	int		 fd;
	int		 slot;
	int		 shutdown;	/* master asked us to stop */
	int		 cancel;	/* master asked to cancel the export */
	struct msg_job	 job;
	int64_t		 job_id;
	struct msg_api_count calls[MSG_API_COUNTS];	/* this job's */
	struct gcp_client gcp;		/* easy handle and pacer wait */
	/* The operation waited on, seen DONE before this export. */
	char		 blocker_type[BLOCKER_TYPE_MAX];
	int64_t		 blocker_ms;
	int		 blocker_unseen; /* the look at it failed */
	union {
		struct msg_job	 job;
		struct msg_token token;
	}		 in;
};

/* A line about the worker's job, named like the master's job lines. */
#define worker_log(w, pri, ...)						\
	log_job((pri), (w)->job.project, (w)->job.instance,		\
	    (w)->job.database, (long long)(w)->job.run_id,		\
	    (int)(w)->job.attempt, __VA_ARGS__)

/* worker.c */
int64_t		 worker_now_ms(void);
void		 worker_title(struct worker *, const char *);
void		 worker_send(struct worker *, uint32_t, const void *, size_t);
uint32_t	 worker_wait(struct worker *, int);
void		 worker_failed(struct worker *, const struct gcp_error *, int,
		    int);
void		 worker_say(struct worker *, uint64_t, const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));

/* worker-restore.c */
void		 worker_restore(struct worker *);

/* worker-prune.c */
void		 worker_prune(struct worker *);

#endif
