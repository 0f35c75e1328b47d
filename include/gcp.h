/*
 * gcp.h: Google Cloud API requests and answers, for master and workers.
 *
 * The only place that knows URLs, the auth header, Google's JSON error
 * format and the mapping from an answer to a retry class.  Workers call the
 * blocking functions through their struct gcp_client (one easy handle
 * each); the master builds URLs with gcp_url_*() and parses answers with
 * gcp_parse_*() around http_multi.
 */
#ifndef DATABACKUP_GCP_H
#define DATABACKUP_GCP_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct http_easy;
struct http_request;

/* Google's limits on names (bytes, without the NUL). */
#define GCP_PROJECT_ID_MAX	30	/* Resource Manager: 6-30 chars */
#define GCP_INSTANCE_MAX	98	/* Cloud SQL: instance id */
#define GCP_DATABASE_MAX	128	/* SQL Server allows 128 */
#define GCP_FOLDER_MAX		64	/* "folders/" + up to 20 digits */
#define GCP_OPERATION_MAX	128	/* observed 36-char UUIDs */
#define GCP_BUCKET_MAX		222	/* GCS bucket name */
#define GCP_OBJECT_MAX		1024	/* GCS object name */
#define GCP_URI_MAX		(5 + GCP_BUCKET_MAX + 1 + GCP_OBJECT_MAX)
#define GCP_TOKEN_MAX		2048	/* access tokens are ~200-2048 bytes */
#define GCP_ENDPOINT_MAX	256
#define GCP_MESSAGE_MAX		512	/* error text we keep */
#define GCP_VERSION_MAX		48	/* databaseVersion */
#define GCP_REGION_MAX		64	/* "europe-west1"; Google's are < 32 */
#define GCP_WARNING_CODE_MAX	48	/* ApiWarning code */
#define GCP_JSON_DEPTH_MAX	64	/* deeper answers are refused */
#define GCP_OPS_PAGE_SIZE	50	/* operations.list maxResults */
#define GCP_BLOCKER_PAGE_SIZE	10	/* the newest, to find what holds it */
#define GCP_OPS_PAGES_MAX	3	/* pages searched for a lost export */
#define GCP_CRM_PAGE_SIZE	500	/* Resource Manager pageSize */
#define GCP_SQL_PAGE_SIZE	500	/* instances.list maxResults */

/* What the caller should do about an answer. */
enum gcp_status {
	GCP_OK = 0,
	GCP_RETRY,	/* 5xx, 429, 408, transport error, timeout, bad body */
	GCP_BUSY,	/* 409 operationInProgress: instance busy, wait */
	GCP_PERMANENT,	/* 400, 403, 404, 409 other: give up on this item */
	GCP_AUTH,	/* 401: refresh the token once, then permanent */
};

struct gcp_error {
	enum gcp_status	 st;
	long		 http;		/* HTTP status; 0 for transport errors */
	char		 status[32];	/* error.status, "PERMISSION_DENIED" */
	char		 reason[64];	/* error.errors[0].reason */
	char		 message[GCP_MESSAGE_MAX];
	char		 consumer[64];	/* ErrorInfo metadata.consumer, if any */
	char		 info_reason[64]; /* ErrorInfo reason, "SERVICE_DISABLED" */
	int64_t		 retry_after_ms; /* Retry-After, or -1 */
};

/*
 * Everything a request needs besides its own arguments.  Plain arrays, so
 * the master can hand it to a worker inside a job message.
 */
struct gcp_ctx {
	char		 sqladmin[GCP_ENDPOINT_MAX];	/* "https://sqladmin.googleapis.com" */
	char		 crm[GCP_ENDPOINT_MAX];		/* resource manager */
	char		 storage[GCP_ENDPOINT_MAX];
	char		 ca_file[GCP_ENDPOINT_MAX];	/* "" = system CAs */
	char		 quota_project[GCP_PROJECT_ID_MAX + 1]; /* x-goog-user-project */
	char		 token[GCP_TOKEN_MAX];		/* bearer token */
	int		 storage_anonymous;	/* STORAGE_EMULATOR_HOST: no token */
	uint32_t	 connect_timeout_ms;
	uint32_t	 timeout_ms;
};

/* Instance facts the scheduler uses. */
struct gcp_instance {
	char		 name[GCP_INSTANCE_MAX + 1];
	char		 version[GCP_VERSION_MAX];	/* "POSTGRES_15" */
	char		 state[32];			/* "RUNNABLE" */
	char		 instance_type[32];		/* "CLOUD_SQL_INSTANCE" */
	char		 activation_policy[32];		/* "ALWAYS", "NEVER" */
	char		 backend_type[32];		/* "SECOND_GEN" */
	char		 service_account[128];	/* writes the export object */
	int64_t		 data_disk_gb;
	int		 is_replica;	/* READ_REPLICA_INSTANCE or masterInstanceName */
	/* A replica's primary, from masterInstanceName "[project:]name". */
	char		 primary_project[GCP_PROJECT_ID_MAX + 1]; /* "": same */
	char		 primary[GCP_INSTANCE_MAX + 1];
};

/*
 * An ApiWarning of a list answer (Cloud SQL instances.list): the list may
 * be incomplete, REGION_UNREACHABLE naming the region whose instances are
 * missing.  Google's text, cut to fit and cleaned of control characters.
 */
struct gcp_warning {
	char		 code[GCP_WARNING_CODE_MAX];	/* REGION_UNREACHABLE */
	char		 region[GCP_REGION_MAX];	/* "" if none */
	char		 message[GCP_MESSAGE_MAX];
};

enum gcp_op_status {
	GCP_OP_UNKNOWN = 0,
	GCP_OP_PENDING,
	GCP_OP_RUNNING,
	GCP_OP_DONE,
};

struct gcp_op {
	char		 name[GCP_OPERATION_MAX + 1];
	char		 type[32];			/* "EXPORT" */
	enum gcp_op_status status;
	char		 uri[GCP_URI_MAX + 1];		/* exportContext.uri */
	int		 has_error;
	char		 error_code[64];		/* error.errors[0].code */
	char		 error_message[GCP_MESSAGE_MAX];
	int64_t		 insert_ms, start_ms, end_ms;	/* unix ms; 0 unset */
};

struct gcp_object {
	uint64_t	 size;
	char		 crc32c[16];	/* base64, as GCS gives it */
	char		 md5[32];
	char		 generation[32];
};

struct gcp_export {
	const char	*project;
	const char	*instance;
	const char	*database;
	const char	*uri;		/* gs://bucket/object */
	const char	*file_type;	/* "SQL" or "BAK" */
	int		 offload;
};

/*
 * One page of a Cloud Storage objects.list: each object to cb (its name,
 * size and generation, borrowed), the next page's token into next.
 */
typedef void	(*gcp_object_cb)(const char *, uint64_t, const char *, void *);
struct gcp_object_page {
	gcp_object_cb	 cb;
	void		*arg;
	char		*next;		/* caller frees; NULL: last page */
};
#define GCP_OBJECTS_PAGE_SIZE	1000	/* Storage's maximum */

/* Cloud Storage buckets.get: what bears on keeping the exports. */
struct gcp_bucket {
	char		 location[GCP_REGION_MAX];
	char		 storage_class[32];
	int		 lifecycle_rules;	/* lifecycle.rule[] */
	int		 lifecycle_deletes;	/* of them, action Delete */
	int64_t		 retention_sec;	/* retentionPolicy; 0: none */
	int		 retention_locked;
};

/* buckets.testIamPermissions: the names asked, the bits granted. */
#define GCP_PERMS_MAX		16
struct gcp_perms {
	const char	*asked[GCP_PERMS_MAX];	/* NULL after the last */
	uint32_t	 granted;		/* bit i: asked[i] */
};

/*
 * One page of an operations.list search: the newest export to uri; with
 * uri NULL the operation not DONE; with survey set, the longest DONE
 * operation that ended at or after since_ms and is not an export to
 * own (a "gs://bucket/" prefix).  oldest_ms: the page's oldest insertTime.
 */
struct gcp_op_search {
	const char	*uri;		/* NULL: the operation not DONE */
	int		 survey;
	int64_t		 since_ms;
	const char	*own;
	struct gcp_op	*best;		/* kept across pages */
	int64_t		 oldest_ms;
	char		*next;		/* next page's token; caller frees */
};

/*
 * Cloud Monitoring projects.timeSeries.list of an instance's disk bytes
 * used (cloudsql.googleapis.com/database/disk/bytes_used), one series per
 * instance.  Each series' newest point goes to cb (project and instance
 * from resource.labels.database_id "P:I", both borrowed; bytes).  A
 * series the parser cannot read is counted in malformed and left out,
 * the others still count.  executionErrors (Monitoring could not read
 * part of the data) are counted, the first one's message kept.
 */
#define GCP_MONITORING_WINDOW_SEC	600	/* see gcp_url_disk_used */
#define GCP_DISK_USED_METRIC \
	"cloudsql.googleapis.com/database/disk/bytes_used"
typedef void	(*gcp_disk_used_cb)(const char *, const char *, int64_t,
		    void *);
struct gcp_series_page {
	gcp_disk_used_cb cb;
	void		*arg;
	char		*next;		/* next page's token; caller frees */
	int		 malformed;	/* series left out */
	int		 exec_errors;	/* executionErrors[] entries */
	char		 exec_error[GCP_MESSAGE_MAX];	/* the first's text */
};

/* Waits for a slot of api's budget; args: enum pacer_api, pacer_class. */
typedef void	(*gcp_pace_fn)(int, int, void *);

/*
 * What a process's blocking calls run on: its easy handle, and the wait
 * for a slot of the Cloud SQL Admin budget before each request (NULL: no
 * pacing).  The worker owns it; every field is borrowed.
 */
struct gcp_client {
	struct http_easy	*http;
	gcp_pace_fn		 pace;
	void			*pace_arg;
};

/* gcp.c */
const char	*gcp_engine_file_type(const char *);
const char	*gcp_engine_ext(const char *);
int		 gcp_is_system_database(const char *, const char *);

struct config;
void		 gcp_ctx_init(struct gcp_ctx *, const struct config *,
		    const char *);
void		 gcp_request_init(struct http_request *, const struct gcp_ctx *,
		    const char *, const char *, int);
char		*gcp_url_folders_list(const struct gcp_ctx *, const char *,
		    const char *);
char		*gcp_url_projects_list(const struct gcp_ctx *, const char *,
		    const char *);
char		*gcp_url_project_get(const struct gcp_ctx *, const char *);
char		*gcp_url_instances_list(const struct gcp_ctx *, const char *,
		    const char *);
char		*gcp_url_databases_list(const struct gcp_ctx *, const char *,
		    const char *);
char		*gcp_url_disk_used(const char *, const char *, int64_t,
		    const char *);

enum gcp_status	 gcp_export_start(struct gcp_client *,
		    const struct gcp_ctx *, const struct gcp_export *,
		    struct gcp_op *, struct gcp_error *);
enum gcp_status	 gcp_operation_get(struct gcp_client *,
		    const struct gcp_ctx *, const char *, const char *,
		    struct gcp_op *, struct gcp_error *);
enum gcp_status	 gcp_operation_cancel(struct gcp_client *,
		    const struct gcp_ctx *, const char *, const char *,
		    struct gcp_error *);
enum gcp_status	 gcp_operation_blocker(struct gcp_client *,
		    const struct gcp_ctx *, const char *, const char *,
		    struct gcp_op *, struct gcp_error *);
enum gcp_status	 gcp_operation_find_export(struct gcp_client *,
		    const struct gcp_ctx *, const char *, const char *,
		    const char *, struct gcp_op *, struct gcp_error *);
enum gcp_status	 gcp_operation_survey(struct gcp_client *,
		    const struct gcp_ctx *, const char *, const char *,
		    int64_t, const char *, struct gcp_op *, struct gcp_error *);
enum gcp_status	 gcp_object_get(struct gcp_client *,
		    const struct gcp_ctx *, const char *, const char *,
		    struct gcp_object *, struct gcp_error *);
enum gcp_status	 gcp_object_delete(struct gcp_client *,
		    const struct gcp_ctx *, const char *, const char *,
		    const char *, struct gcp_error *);
enum gcp_status	 gcp_bucket_get(struct gcp_client *, const struct gcp_ctx *,
		    const char *, struct gcp_bucket *, struct gcp_error *);
extern const char *const gcp_bucket_perms[];
void		 gcp_bucket_perms_ask(struct gcp_perms *, int);
char		*gcp_url_bucket_test(const struct gcp_ctx *, const char *,
		    const char *const *);
enum gcp_status	 gcp_bucket_test(struct gcp_client *, const struct gcp_ctx *,
		    const char *, struct gcp_perms *, struct gcp_error *);
void		 gcp_bucket_problem(const struct gcp_perms *, const char *,
		    const char *, char *, size_t);
enum gcp_status	 gcp_get(struct gcp_client *, const struct gcp_ctx *, char *,
		    struct gcp_error *);
enum gcp_status	 gcp_instance_get(struct gcp_client *,
		    const struct gcp_ctx *, const char *, const char *,
		    struct gcp_instance *, struct gcp_error *);
enum gcp_status	 gcp_objects_list(struct gcp_client *,
		    const struct gcp_ctx *, const char *, const char *,
		    const char *, struct gcp_object_page *, struct gcp_error *);
enum gcp_status	 gcp_import_start(struct gcp_client *,
		    const struct gcp_ctx *, const char *, const char *,
		    const char *, const char *, const char *, struct gcp_op *,
		    struct gcp_error *);
enum gcp_status	 gcp_database_get(struct gcp_client *, const struct gcp_ctx *,
		    const char *, const char *, const char *,
		    struct gcp_error *);
enum gcp_status	 gcp_database_insert(struct gcp_client *,
		    const struct gcp_ctx *, const char *, const char *,
		    const char *, struct gcp_op *, struct gcp_error *);
enum gcp_status	 gcp_database_delete(struct gcp_client *,
		    const struct gcp_ctx *, const char *, const char *,
		    const char *, struct gcp_op *, struct gcp_error *);
const char	*gcp_api_name(const char *);

/* gcp-error.c */
const char	*gcp_status_name(enum gcp_status);
void		 gcp_clean_message(char *);
void		 gcp_error_set(struct gcp_error *, enum gcp_status, const char *,
		    ...) __attribute__((__format__(printf, 3, 4)));
void		 gcp_error_reset(struct gcp_error *);
enum gcp_status	 gcp_classify(long, const char *, size_t, const char *, int,
		    const char *, struct gcp_error *);
int		 gcp_error_api_disabled(const struct gcp_error *);
int		 gcp_bucket_denied(const char *);
int		 gcp_op_object_exists(const struct gcp_op *);

/* gcp-parse.c */
const char	*gcp_op_status_name(enum gcp_op_status);
int		 gcp_json_depth_ok(const char *, size_t);
const char	*gcp_json_str(const struct cJSON *, const char *);
int		 gcp_parse_folders(const char *, size_t,
		    void (*)(const char *, const char *, void *), void *,
		    char **, struct gcp_error *);
int		 gcp_parse_projects(const char *, size_t,
		    void (*)(const char *, const char *, void *), void *,
		    char **, struct gcp_error *);
int		 gcp_parse_project(const char *, size_t, char *, size_t,
		    char *, size_t, struct gcp_error *);
int		 gcp_parse_instances(const char *, size_t,
		    void (*)(const struct gcp_instance *, void *),
		    void (*)(const struct gcp_warning *, void *), void *,
		    char **, struct gcp_error *);
int		 gcp_parse_databases(const char *, size_t,
		    void (*)(const char *, void *), void *, struct gcp_error *);
int		 gcp_parse_operation(const char *, size_t, struct gcp_op *,
		    struct gcp_error *);

int		 gcp_parse_op_search(const char *, size_t,
		    struct gcp_op_search *, struct gcp_error *);
int		 gcp_parse_instance(const char *, size_t, struct gcp_instance *,
		    struct gcp_error *);
int		 gcp_parse_bucket(const char *, size_t, struct gcp_bucket *,
		    struct gcp_error *);
int		 gcp_parse_perms(const char *, size_t, struct gcp_perms *,
		    struct gcp_error *);
int		 gcp_parse_objects(const char *, size_t,
		    struct gcp_object_page *, struct gcp_error *);
int		 gcp_parse_object(const char *, size_t, struct gcp_object *,
		    struct gcp_error *);
int		 gcp_parse_disk_used(const char *, size_t,
		    struct gcp_series_page *, struct gcp_error *);

#endif
