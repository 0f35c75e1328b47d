/*
 * http.h: HTTP over libcurl.  Blocking calls for workers (struct http_easy),
 * non-blocking ones for the master (multi handle driven by libevent).
 * No Google knowledge here: gcp.c builds requests and reads answers.
 */
#ifndef DATABACKUP_HTTP_H
#define DATABACKUP_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct event_base;

#define HTTP_BODY_MAX		(8 * 1024 * 1024)	/* largest answer we read */
#define HTTP_HEADERS_MAX	4

/* The statuses some code decides on (RFC 9110). */
#define HTTP_STATUS_OK			200
#define HTTP_STATUS_BAD_REQUEST		400
#define HTTP_STATUS_UNAUTHORIZED	401
#define HTTP_STATUS_FORBIDDEN		403
#define HTTP_STATUS_NOT_FOUND		404
#define HTTP_STATUS_TIMEOUT		408
#define HTTP_STATUS_CONFLICT		409
#define HTTP_STATUS_PRECONDITION	412
#define HTTP_STATUS_TOO_MANY		429
#define HTTP_STATUS_SERVER_ERROR	500
#define HTTP_STATUS_NOT_IMPLEMENTED	501
#define HTTP_STATUS_UNAVAILABLE		503
#define HTTP_STATUS_IS_SUCCESS(s)	((s) >= 200 && (s) < 300)	/* 2xx */
#define HTTP_STATUS_IS_SERVER_ERROR(s)	((s) >= 500 && (s) < 600)	/* 5xx */

struct http_request {
	const char	*method;	/* "GET", "POST", "DELETE" */
	const char	*url;
	const char	*body;		/* NULL: none */
	const char	*content_type;	/* with body */
	const char	*bearer;	/* NULL: no Authorization header */
	const char	*headers[HTTP_HEADERS_MAX + 1]; /* extra, NULL-ended */
	const char	*ca_file;	/* NULL or "": system CAs */
	uint32_t	 connect_timeout_ms;
	uint32_t	 timeout_ms;
	size_t		 max_body;	/* 0: HTTP_BODY_MAX */
	/*
	 * Storage for one header line built by the caller (gcp_request_init
	 * puts "x-goog-user-project: P" here and points headers[] at it), so
	 * the request owns it.  A copied struct still points at the original.
	 */
	char		 hdrbuf[128];
};

struct http_response {
	long		 status;	/* 0 when no HTTP answer arrived */
	char		*body;		/* NUL-terminated; may be NULL */
	size_t		 len;
	int		 curl_code;	/* CURLcode; 0 = ok */
	char		 error[256];	/* transport error text */
	char		 retry_after[64]; /* Retry-After header value, or "" */
	int		 too_large;	/* body exceeded max_body */
};

typedef void	(*http_cb)(struct http_response *, void *);
/* Sees every finished transfer of a multi handle (metrics). */
typedef void	(*http_observe_cb)(const char *, long, int, void *);
struct http_easy;
struct http_multi;

/* http.c */
int		 http_global_init(void);
struct http_easy *http_easy_new(void);
void		 http_easy_free(struct http_easy *);
void		 http_easy_observe(struct http_easy *, http_observe_cb, void *);
int		 http_fetch(struct http_easy *, const struct http_request *,
		    struct http_response *);
void		 http_response_clear(struct http_response *);
struct http_multi *http_multi_new(struct event_base *);
void		 http_multi_free(struct http_multi *);
int		 http_multi_add(struct http_multi *, const struct http_request *,
		    http_cb, void *);
size_t		 http_multi_pending(const struct http_multi *);
int		 http_multi_add_easy(struct http_multi *, void *, http_cb,
		    void *);
void		 http_multi_observe(struct http_multi *, http_observe_cb,
		    void *);
char		*http_escape(const char *);

#endif
