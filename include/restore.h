/*
 * restore.h: a restore (an export imported back into Cloud SQL) as the
 * master holds it, and its pure rules: the names a request gives, and the
 * steps an engine needs (delete, create, import) or why it is refused.
 * No I/O: master-restore.c asks the journal, worker-restore.c asks Google.
 */
#ifndef DATABACKUP_RESTORE_H
#define DATABACKUP_RESTORE_H

#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>

#include "gcp.h"

enum restore_state {
	RESTORE_QUEUED = 0,	/* waiting for an idle worker */
	RESTORE_RUNNING,
	RESTORE_SUCCEEDED,
	RESTORE_FAILED,
};

/* What the import needs done to the target database first, and then. */
#define RESTORE_STEP_DELETE	0x1	/* databases.delete (--replace) */
#define RESTORE_STEP_CREATE	0x2	/* databases.insert */
#define RESTORE_STEP_IMPORT	0x4	/* instances.import */

#define RESTORE_LABEL_MAX	(GCP_PROJECT_ID_MAX + GCP_INSTANCE_MAX + \
				    GCP_DATABASE_MAX + 3)
#define RESTORE_TEXT_MAX	GCP_MESSAGE_MAX

struct restore {
	int64_t		 id;		/* journal row id */
	enum restore_state state;
	int		 dry_run;
	int		 replace;
	int		 worker;	/* slot, or -1 */
	int64_t		 drill;		/* the drill it is part of; 0: none */
	char		 source[RESTORE_LABEL_MAX];	/* P/I/D exported */
	char		 source_db[GCP_DATABASE_MAX + 1];	/* its D */
	char		 version[GCP_VERSION_MAX];	/* of that export */
	char		 uri[GCP_URI_MAX + 1];		/* gs://B/O */
	char		 project[GCP_PROJECT_ID_MAX + 1];	/* target */
	char		 instance[GCP_INSTANCE_MAX + 1];
	char		 database[GCP_DATABASE_MAX + 1];
	int64_t		 exported_ms;	/* when the export ended; 0 unknown */
	char		 step[RESTORE_TEXT_MAX];	/* the latest, or result */
	char		 error[RESTORE_TEXT_MAX];	/* "" unless failed */
	char		*plan;		/* every step said, one per line */
	uint64_t	 size;		/* object bytes, once seen */
	int64_t		 requested_ms;
	int64_t		 started_ms;
	int64_t		 ended_ms;
	TAILQ_ENTRY(restore) entry;
};
TAILQ_HEAD(restore_list, restore);

/* restore.c */
const char	*restore_state_name(enum restore_state);
int		 restore_split(const char *, int, char *, size_t, char *,
		    size_t, char *, size_t);
int		 restore_same_engine(const char *, const char *);
int		 restore_steps(const char *, int, int, char *, size_t);
int		 restore_parse_uri(const char *, char *, size_t, char *,
		    size_t);
void		 restore_add_plan(struct restore *, const char *);
int		 restore_name_ok(const char *, const char *, const char *,
		    char *, size_t);

#endif
