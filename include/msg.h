/*
 * msg.h: the only definition of the master <-> worker protocol.
 *
 * A message is a fixed header, then a payload that is one of the structs
 * below (len == sizeof).  Strings are NUL-terminated char arrays sized by
 * Google's limits; the receiver checks the length and every NUL before use.
 * Data goes down once, in the job message; results come up once: the
 * operation, then done or failed.  Besides, a worker says each poll it
 * made (the master's progress watchdog hears it), and the master may ask
 * it to cancel a stuck export.  Only msg.c reads and writes the
 * socketpairs.
 */
#ifndef DATABACKUP_MSG_H
#define DATABACKUP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "blocker.h"
#include "gcp.h"

#define MSG_PAYLOAD_MAX		(16 * 1024)
#define MSG_SCRATCH_MAX		4	/* [drill] scratch instances */

struct msg_hdr {
	uint32_t	 type;
	uint32_t	 len;		/* payload bytes after the header */
	int64_t		 job_id;
};

enum msg_type {
	MSG_JOB_START = 100,	/* m->w: struct msg_job */
	MSG_JOB_OP_ACK,		/* m->w: op is in the journal, poll it */
	MSG_TOKEN,		/* m->w: struct msg_token, a fresh token */
	MSG_SHUTDOWN,		/* m->w: stop at the next safe point */
	MSG_JOB_CANCEL,		/* m->w: the export is stuck: cancel it */
	MSG_JOB_OPERATION = 200,/* w->m: struct msg_op; master journals, acks */
	MSG_JOB_VERIFYING,	/* w->m: operation DONE, checking the object */
	MSG_JOB_DONE,		/* w->m: struct msg_done */
	MSG_JOB_FAILED,		/* w->m: struct msg_failed */
	MSG_WORKER_READY,	/* w->m: no payload, idle after start */
	MSG_JOB_POLLED,		/* w->m: a poll of the operation answered */
	MSG_RESTORE_STEP,	/* w->m: struct msg_step, a restore's step */
	MSG_SURVEYED,		/* w->m: struct msg_survey */
};

/* Everything a job needs; the worker never asks for more. */
struct msg_job {
	struct gcp_ctx	 ctx;
	char		 project[GCP_PROJECT_ID_MAX + 1];
	char		 instance[GCP_INSTANCE_MAX + 1];
	char		 via[GCP_INSTANCE_MAX + 1];	/* "": the instance */
	char		 database[GCP_DATABASE_MAX + 1];
	char		 bucket[GCP_BUCKET_MAX + 1];
	char		 object[GCP_OBJECT_MAX + 1];
	char		 file_type[8];		/* "SQL", "BAK" */
	char		 operation[GCP_OPERATION_MAX + 1]; /* resume: set */
	/* Another operation held the instance: look at it first. */
	char		 blocker[GCP_OPERATION_MAX + 1];
	uint8_t		 offload;
	uint8_t		 adopt;		/* outcome of an earlier export unknown */
	int64_t		 run_id;	/* for log lines */
	uint32_t	 attempt;
	uint32_t	 poll_initial_ms;
	uint32_t	 poll_max_ms;
	int64_t		 predicted_ms;	/* export duration prediction */
	uint32_t	 sleep_max_ms;	/* longest sleep towards its end */
	int64_t		 started_ms;	/* when the operation began, if known */
	int64_t		 deadline_ms;	/* wall clock: give up polling after */
	/* A restore (job_id < 0): object imported into database. */
	uint8_t		 restore;
	uint8_t		 replace;	/* delete the database if it exists */
	uint8_t		 dry_run;	/* only look, and say what it would do */
	char		 version[GCP_VERSION_MAX]; /* of the export, "" unknown */
	char		 source_db[GCP_DATABASE_MAX + 1]; /* the export's */
	uint8_t		 drill;		/* target: a scratch of its engine */
	/* Retention (job_id 0): object is the template, dry_run applies. */
	uint8_t		 prune;
	uint32_t	 keep_daily, keep_weekly, keep_monthly;
	int64_t		 now_ms;
	/* A survey (job_id 0): what held instance since since_ms. */
	uint8_t		 survey;
	int64_t		 since_ms;
	char		 scratch[MSG_SCRATCH_MAX][GCP_PROJECT_ID_MAX +
			    GCP_INSTANCE_MAX + 2];	/* "P/I", "" after */
};

/* API calls a worker made for a job (metrics), by API and HTTP status. */
#define MSG_API_COUNTS	8
struct msg_api_count {
	char		 api[16];	/* gcp_api_name(); "" ends the list */
	uint32_t	 status;	/* HTTP status, 0 for transport errors */
	uint32_t	 n;
};

struct msg_token {
	char		 token[GCP_TOKEN_MAX];
};

struct msg_op {
	char		 operation[GCP_OPERATION_MAX + 1];
	uint8_t		 adopted;	/* found among the instance's operations */
	int64_t		 started_ms;
	/* The operation it waited on, seen DONE: its type and duration. */
	char		 blocker_type[BLOCKER_TYPE_MAX];
	int64_t		 blocker_ms;
};

struct msg_done {
	uint64_t	 size;
	char		 crc32c[16];
	int64_t		 op_start_ms;
	int64_t		 op_end_ms;
	uint32_t	 polls;
	struct msg_api_count calls[MSG_API_COUNTS];
};

struct msg_failed {
	uint32_t	 status;	/* enum gcp_status */
	uint8_t		 outcome_unknown; /* export may have started */
	uint8_t		 op_failed;	/* the operation itself ended in error */
	int64_t		 retry_after_ms;
	long		 http;
	char		 reason[64];
	char		 message[GCP_MESSAGE_MAX];
	struct msg_api_count calls[MSG_API_COUNTS];
	/* Busy: the operation holding the instance, if one was seen. */
	char		 blocker[GCP_OPERATION_MAX + 1];
	char		 blocker_type[BLOCKER_TYPE_MAX];
	int64_t		 blocker_start_ms;	/* Google's clock */
	int64_t		 blocker_seen_ms;	/* this host's, when looked at */
	/*
	 * The operation waited on before this attempt, seen DONE: its type
	 * and duration, learnt even though the attempt then failed.
	 */
	char		 ended_type[BLOCKER_TYPE_MAX];
	int64_t		 ended_ms;
};

/* A survey's answer: the longest hold since, type "" if none. */
struct msg_survey {
	char		 type[BLOCKER_TYPE_MAX];
	int64_t		 start_ms;	/* Google's clock */
	int64_t		 end_ms;
};

/* A restore's step, said or (dry run) that would be done. */
struct msg_step {
	char		 text[GCP_MESSAGE_MAX];
	uint64_t	 size;		/* the object's bytes, once known */
	/* A drill's target, once chosen; "" otherwise. */
	char		 project[GCP_PROJECT_ID_MAX + 1];
	char		 instance[GCP_INSTANCE_MAX + 1];
	char		 database[GCP_DATABASE_MAX + 1];
};

struct evbuffer;

/* msg.c */
const char	*msg_type_name(uint32_t);
int		 msg_compose(struct evbuffer *, uint32_t, int64_t, const void *,
		    size_t);
int		 msg_get(struct evbuffer *, struct msg_hdr *, void *, size_t);
int		 msg_send_blocking(int, uint32_t, int64_t, const void *, size_t);
int		 msg_recv_blocking(int, struct msg_hdr *, void *, size_t, int);
int		 msg_check_payload(const struct msg_hdr *, const void *);

#endif
