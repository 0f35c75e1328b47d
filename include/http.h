/*
 * http.h: HTTP over libcurl.  Blocking calls for workers (easy handle),
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
struct http_multi;

/* http.c */
int		 http_global_init(void);
int		 http_fetch(const struct http_request *, struct http_response *);
void		 http_response_clear(struct http_response *);
struct http_multi *http_multi_new(struct event_base *);
void		 http_multi_free(struct http_multi *);
int		 http_multi_add(struct http_multi *, const struct http_request *,
		    http_cb, void *);
size_t		 http_multi_pending(const struct http_multi *);
int		 http_multi_add_easy(struct http_multi *, void *, http_cb,
		    void *);
void		 http_fetch_observe(http_observe_cb, void *);
void		 http_multi_observe(struct http_multi *, http_observe_cb,
		    void *);
char		*http_escape(const char *);

#endif
