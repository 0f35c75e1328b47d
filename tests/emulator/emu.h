/*
 * emu.h: types and prototypes shared by the pieces of gcp-emulator, the
 * loopback stand-in for the Google APIs databackup talks to.
 *
 * The emulator's logic lives in libemulator.a so that check_emulator tests
 * it directly; gcp-emulator.c only adds main().  Types first, then
 * prototypes grouped by the file that defines them.
 */
#ifndef EMU_H
#define EMU_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

struct event_base;
struct evhttp;
struct event;

#define EMU_ERR_MAX		512
#define EMU_DEFAULT_PAGE_SIZE	50
#define EMU_SQL_PAGE_DEFAULT	500	/* Cloud SQL: maxResults default */
#define EMU_SQL_PAGE_MAX	1000	/* Cloud SQL: maxResults cap */
#define EMU_GCS_PAGE_MAX	1000	/* GCS: maxResults cap and default */
#define EMU_TOKEN_LIFETIME	3599
#define EMU_JWT_MAX_LIFETIME	3600	/* OAuth: assertion lives at most 1 h */
#define EMU_JWT_SKEW		300
#define EMU_BODY_MAX		(8 * 1024 * 1024)

/* HTTP statuses used by name. */
#define HTTP_OK			200
#define HTTP_NO_CONTENT		204
#define HTTP_BAD_REQUEST	400
#define HTTP_UNAUTHORIZED	401
#define HTTP_FORBIDDEN		403
#define HTTP_NOT_FOUND		404
#define HTTP_BAD_METHOD		405
#define HTTP_CONFLICT		409
#define HTTP_PRECONDITION	412
#define HTTP_TOO_MANY		429
#define HTTP_INTERNAL		500
#define HTTP_UNAVAILABLE	503

/* Every endpoint the emulator knows; names in emu_ep_name(). */
enum emu_ep {
	EP_NONE = 0,		/* no route: 404 */
	EP_METADATA_TOKEN,
	EP_METADATA_PROJECT_ID,
	EP_METADATA_NUMERIC_ID,
	EP_METADATA_EMAIL,
	EP_METADATA_OTHER,
	EP_OAUTH_TOKEN,
	EP_CRM_FOLDERS_LIST,
	EP_CRM_FOLDERS_GET,
	EP_CRM_PROJECTS_LIST,
	EP_CRM_PROJECTS_GET,
	EP_SQL_INSTANCES_LIST,
	EP_SQL_INSTANCES_GET,
	EP_SQL_DATABASES_LIST,
	EP_SQL_EXPORT,
	EP_SQL_IMPORT,
	EP_SQL_DATABASES_GET,
	EP_SQL_DATABASES_INSERT,
	EP_SQL_DATABASES_DELETE,
	EP_SQL_OPERATIONS_GET,
	EP_SQL_OPERATIONS_LIST,
	EP_SQL_OPERATIONS_CANCEL,
	EP_STORAGE_BUCKETS_GET,
	EP_STORAGE_BUCKETS_TEST,
	EP_STORAGE_OBJECTS_GET,
	EP_STORAGE_OBJECTS_LIST,
	EP_STORAGE_OBJECTS_DELETE,
	EP_STORAGE_OBJECTS_INSERT,
	EP_MONITORING_TS_LIST,
	EP_CTL_STATS,
	EP_CTL_OBJECTS,
	EP_CTL_OBJECTS_PLANT,
	EP_CTL_FAULTS,
	EP_CTL_BUSY,
	EP_COUNT
};

enum emu_method { M_OTHER, M_GET, M_POST, M_PUT, M_DELETE, M_PATCH };

/* What routing extracted from a path; strings are owned by the route. */
struct emu_route {
	enum emu_ep	 ep;
	int		 bad_method;	/* shape matched, method did not */
	int		 crm_version;	/* 1, 2 or 3 */
	const char	*sql_prefix;	/* "v1" or "sql/v1beta4" */
	char		*project;
	char		*instance;
	char		*operation;
	char		*database;
	char		*folder;
	char		*bucket;
	char		*object;
	char		*email;
};

struct emu_kv {
	char	*key;
	char	*val;
};

struct emu_query {
	struct emu_kv	*kv;
	size_t		 n;
};

/* One request, independent of libevent. */
struct emu_req {
	enum emu_method	 method;
	const char	*uri;		/* raw request URI */
	struct emu_query q;
	const char	*authorization;
	const char	*flavor;	/* Metadata-Flavor */
	const char	*forwarded;	/* X-Forwarded-For */
	const char	*content_type;
	const char	*body;
	size_t		 bodylen;
};

/* One response, filled by handlers, sent by emu_server.c. */
struct emu_resp {
	int		 status;
	const char	*ctype;
	char		*body;		/* owned */
	size_t		 len;
	int		 retry_after;	/* seconds, 0 = no header */
	int		 flavor;	/* add Metadata-Flavor: Google */
	int		 www_auth;	/* add WWW-Authenticate */
};

/* --- fleet model --- */
struct emu_db {
	char		*name;
	double		 size_mb;
	char		*fail_code;	/* NULL: export succeeds */
	char		*fail_msg;
	char		*charset;	/* NULL: the engine's default */
	char		*collation;
};

struct emu_busy {
	double		 at;		/* emulated seconds after start */
	double		 dur;
	char		*type;		/* BACKUP_VOLUME, MAINTENANCE */
};

struct emu_project;

struct emu_instance {
	char		*name;
	char		*version;
	char		*state;
	char		*type;
	char		*master;
	char		*activation;
	char		*region;
	char		*tier;
	char		*availability;
	char		*suspension;
	int64_t		 disk_gb;
	int		 unreachable;	/* instances.list: its region warns */
	struct emu_db	*dbs;
	size_t		 ndbs;
	int		 dbs_shared;	/* a replica's: its primary's dbs */
	struct emu_busy	*busy;
	size_t		 nbusy;
	struct emu_project *project;	/* set after parsing */
};

struct emu_project {
	char		*id;
	char		*number;
	char		*display;
	char		*state;
	int		 sql_enabled;
	int		 monitoring;	/* caller may list its time series */
	char		*parent_type;	/* "folder" or "organization" */
	char		*parent_id;
	struct emu_instance *instances;
	size_t		 ninstances;
};

struct emu_folder {
	char		*id;
	char		*display;
	char		*state;
	char		*parent_type;
	char		*parent_id;
};

struct emu_fleet {
	double		 export_rate;	/* MB per emulated second */
	double		 startup;	/* emulated seconds before RUNNING */
	double		 offload_startup;
	int		 page_size;	/* CRM default pageSize */
	int		 sql_page_size;	/* instances/operations forced page */
	char		*organization;
	char		*user;		/* operation "user" */
	char		*quota_consumer;
	char		**buckets;
	size_t		 nbuckets;
	char		**bucket_denied;	/* storage.* the caller lacks */
	size_t		 nbucket_denied;
	struct emu_folder *folders;
	size_t		 nfolders;
	struct emu_project *projects;
	size_t		 nprojects;
};

/* --- operations --- */
enum emu_op_status { OP_PENDING, OP_RUNNING, OP_DONE };

struct emu_op {
	TAILQ_ENTRY(emu_op) entry;
	char		*name;
	char		*type;		/* EXPORT, BACKUP_VOLUME, ... */
	struct emu_project *project;
	struct emu_instance *instance;
	char		*database;
	char		*uri;
	char		*ctx;		/* export/importContext echo, JSON */
	int		 by_client;	/* asked for through the API */
	double		 size_mb;	/* data an export/import moves */
	double		 insert;	/* emulated epoch seconds */
	double		 start;
	double		 end;
	int		 done;		/* DONE reached, side effects applied */
	char		*err_code;	/* set at DONE on failure */
	char		*err_msg;
	char		*fail_code;	/* planned failure */
	char		*fail_msg;
	long		 conflicts;	/* requests refused 409 behind it */
};
TAILQ_HEAD(emu_ops, emu_op);

/* --- faults --- */
enum emu_fault_kind {
	F_LATENCY, F_STATUS, F_RATELIMIT, F_MALFORMED, F_TRUNCATED, F_HANG,
	F_OVERSIZED, F_OP_ERROR, F_KIND_COUNT
};

struct emu_fault {
	char		*endpoint;	/* endpoint name or "*" */
	char		*project;
	char		*instance;
	double		 rate;		/* probability, 1 = always */
	long		 count;		/* 0 = unlimited */
	long		 after;
	enum emu_fault_kind kind;
	long		 ms;		/* latency */
	int		 status;	/* status kind */
	int		 retry_after;	/* ratelimit kind */
	long		 seen;		/* matching requests so far */
	long		 fired;
};

struct emu_fault_set {
	struct emu_fault *rules;
	size_t		 n;
};

/* --- issued tokens --- */
struct emu_token {
	LIST_ENTRY(emu_token) entry;
	char		*token;
	double		 expiry;	/* real epoch seconds */
};
LIST_HEAD(emu_tokens, emu_token);

struct emu_count {
	char		*key;
	long		 n;
};

struct emu_counts {
	struct emu_count *c;
	size_t		 n;
};

struct emu_stats {
	long		 by_ep[EP_COUNT];
	long		 by_status[600];
	long		 total;
	long		 auth_failures;
	struct emu_counts exports;
	struct emu_counts imports;
	long		 conflicts_client;
	long		 conflicts_busy;
	long		 quota_max;
	long		 quota_rejected;
	long		 faults[F_KIND_COUNT];
};

/* What an object says about itself: the header of an emulator dump. */
struct emu_dump {
	char		*engine;	/* MYSQL, POSTGRES, SQLSERVER */
	char		*project;
	char		*instance;
	char		*database;	/* "*" for a whole-instance dump */
	double		 size_mb;	/* the data it holds */
	int		 corrupt;	/* not a dump at all */
};

struct emu_rng {
	uint64_t	 s;
};

/* The whole emulator state, passed to every handler. */
struct emu {
	struct emu_fleet *fleet;
	double		 scale;
	double		 wall0;		/* real epoch at start */
	double		 mono0;		/* monotonic at start */
	double		 now_override;	/* tests: >0 fixes emulated time */
	struct emu_rng	 rng;
	char		*bucket_dir;
	char		*base_url;
	char		**static_tokens;
	size_t		 nstatic;
	void		**pubkeys;	/* EVP_PKEY * */
	size_t		 npubkeys;
	char		**refresh_tokens;
	size_t		 nrefresh;
	int		 token_lifetime;
	long		 quota;
	long		 latency_ms;
	FILE		*log;
	struct emu_tokens tokens;
	struct emu_token *meta_token;
	struct emu_ops	 ops;
	struct emu_fault_set faults;
	struct emu_stats stats;
	long		 quota_window;
	long		 quota_count;
	uint64_t	 opseq;
};

/* emu_util.c */
double		 emu_mono(void);
double		 emu_wall(void);
double		 emu_now(struct emu *);
double		 emu_real_of(struct emu *, double);
char		*emu_rfc3339(double);
int		 emu_parse_duration(const char *, double *);
void		 emu_rng_seed(struct emu_rng *, uint64_t);
uint64_t	 emu_rng_next(struct emu_rng *);
double		 emu_rng_unit(struct emu_rng *);
char		*emu_pct_decode(const char *, size_t, int);
char		*emu_pct_encode(const char *);
void		 emu_query_parse(struct emu_query *, const char *, size_t);
void		 emu_query_free(struct emu_query *);
const char	*emu_query_get(const struct emu_query *, const char *);
char		*emu_b64(const unsigned char *, size_t, int);
unsigned char	*emu_b64url_decode(const char *, size_t, size_t *);
uint32_t	 emu_crc32c(uint32_t, const void *, size_t);
void		 emu_counts_add(struct emu_counts *, const char *);
void		 emu_counts_free(struct emu_counts *);
char		*emu_read_file(const char *, size_t *);
int		 emu_write_file(const char *, const void *, size_t);
int		 emu_mkdirs(const char *);
char		*emu_page_token(long);
int		 emu_page_offset(const char *, long *);
int		 emu_parse_int(const char *, long, long, long *);
int		 emu_parse_rfc3339(const char *, double *);

/* emu_fleet.c */
struct emu_fleet *fleet_parse(const char *, size_t, const char *, char *,
		    size_t);
struct emu_fleet *fleet_load(const char *, char *, size_t);
void		 fleet_free(struct emu_fleet *);
struct emu_project *fleet_project(struct emu_fleet *, const char *);
struct emu_instance *fleet_instance(struct emu_project *, const char *);
struct emu_folder *fleet_folder(struct emu_fleet *, const char *);
int		 fleet_bucket(struct emu_fleet *, const char *);
int		 fleet_running(const struct emu_instance *);

/* emu_gen.c */
struct gen_params {
	long	projects;
	long	instances;
	long	databases;
	long	folders;
	long	depth;
	double	busy_frac;
	double	busy_min;	/* window length, emulated seconds */
	double	busy_max;
	double	busy_within;	/* windows start in [0, busy_within) */
	double	rate;		/* export_rate_mb_per_s */
	double	max_mb;		/* largest database */
	int	chain;		/* one long instance, big empty disks */
};
int		 gen_preset(const char *, struct gen_params *);
char		*gen_fleet(const struct gen_params *, uint64_t);

/* emu_route.c */
const char	*emu_ep_name(enum emu_ep);
enum emu_method	 emu_method_parse(const char *);
int		 emu_route(enum emu_method, const char *, struct emu_route *);
void		 emu_route_free(struct emu_route *);
void		 emu_resp_json(struct emu_resp *, int, cJSON *);
void		 emu_resp_text(struct emu_resp *, int, const char *,
		    const char *);
void		 emu_gerror(struct emu_resp *, int, const char *, const char *,
		    const char *, const char *, cJSON *);
void		 emu_gcs_error(struct emu_resp *, int, const char *,
		    const char *);
void		 emu_resp_free(struct emu_resp *);
void		 emu_handle(struct emu *, struct emu_req *, struct emu_route *,
		    struct emu_resp *, struct emu_fault **);
cJSON		*emu_stats_json(struct emu *);

/* emu_auth.c */
int		 auth_load_pubkey(struct emu *, const char *, char *, size_t);
int		 auth_jwt_verify(struct emu *, const char *, double, char *,
		    size_t, char *, size_t);
void		 auth_handle_token(struct emu *, struct emu_req *,
		    struct emu_resp *);
void		 auth_handle_metadata(struct emu *, struct emu_req *,
		    struct emu_route *, struct emu_resp *);
int		 auth_check(struct emu *, struct emu_req *);
char		*auth_issue(struct emu *, double *);
void		 auth_free(struct emu *);

/* emu_crm.c */
struct crm_filter;
struct crm_filter *crm_filter_parse(const char *, char *, size_t);
int		 crm_filter_match(const struct crm_filter *,
		    const struct emu_project *);
void		 crm_filter_free(struct crm_filter *);
void		 crm_handle(struct emu *, struct emu_req *, struct emu_route *,
		    struct emu_resp *);

/* emu_sql.c */
void		 sql_handle(struct emu *, struct emu_req *, struct emu_route *,
		    struct emu_resp *, int);
void		 sql_tick(struct emu *);
struct emu_op	*sql_busy_start(struct emu *, struct emu_instance *, double,
		    double, const char *);
void		 sql_ops_free(struct emu *);
enum emu_op_status sql_op_status(struct emu *, struct emu_op *);
const char	*sql_op_status_name(enum emu_op_status);

/* emu_monitoring.c */
void		 mon_handle(struct emu *, struct emu_req *, struct emu_route *,
		    struct emu_resp *);

/* emu_storage.c */
void		 gcs_handle(struct emu *, struct emu_req *, struct emu_route *,
		    struct emu_resp *);
int		 gcs_object_path(struct emu *, const char *, const char *,
		    char **);
int		 gcs_valid_name(const char *);
int		 gcs_write_export(struct emu *, const char *,
		    const struct emu_dump *, size_t);
int		 gcs_read_dump(struct emu *, const char *, const char *,
		    struct emu_dump *);
void		 gcs_dump_free(struct emu_dump *);
cJSON		*gcs_objects_json(struct emu *);
void		 gcs_ctl_object(struct emu *, struct emu_req *,
		    struct emu_resp *);

/* emu_server.c */
int		 emu_server_run(struct emu *, const char *, const char *);
struct emu	*emu_new(struct emu_fleet *, double, uint64_t);
void		 emu_free(struct emu *);

/* emu_fault.c */
int		 fault_parse(const char *, size_t, struct emu_fault_set *,
		    char *, size_t);
void		 fault_set_free(struct emu_fault_set *);
struct emu_fault *fault_pick(struct emu *, enum emu_ep, const char *,
		    const char *);
const char	*fault_kind_name(enum emu_fault_kind);
void		 fault_body(struct emu_fault *, struct emu_resp *);

#endif
