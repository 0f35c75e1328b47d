/*
 * gcp-parse-int.h: what the readers of Google's answers share
 * (gcp-parse.c, gcp-parse-storage.c): the JSON helpers that turn a bad
 * body into GCP_RETRY, never a partial truth.
 */
#ifndef DATABACKUP_GCP_PARSE_INT_H
#define DATABACKUP_GCP_PARSE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "gcp.h"

#define API_SQLADMIN	"sqladmin"
#define API_CRM		"cloudresourcemanager"
#define API_STORAGE	"storage"
#define API_MONITORING	"monitoring"

/* The warnings of one list page. */
struct gcp_warnings {
	struct gcp_warning	*v;
	size_t			 n;
};

/* Reads one JSON object into out, or checks it for arg (types by name). */
typedef int	(*gcp_from_json_fn)(const cJSON *, void *, struct gcp_error *);

/* gcp-parse.c */
int		 gcp_copy(char *, size_t, const char *);
cJSON		*gcp_json_parse(const char *, size_t, const char *,
		    struct gcp_error *);
int		 gcp_parse_one(const char *, size_t, const char *,
		    gcp_from_json_fn, void *, struct gcp_error *);
int		 gcp_take(char *, size_t, const cJSON *, const char *, int,
		    const char *, struct gcp_error *);
int		 gcp_next_token(const cJSON *, char **, const char *,
		    struct gcp_error *);
int		 gcp_array(const cJSON *, const char *, const char *,
		    const cJSON **, struct gcp_error *);
cJSON		*gcp_parse_page(const char *, size_t, const char *,
		    const char *, gcp_from_json_fn, void *, const cJSON **,
		    char **, struct gcp_warnings *, struct gcp_error *);
int		 gcp_int64(const cJSON *, const char *, int64_t *);

#endif
