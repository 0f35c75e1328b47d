/*
 * notify.h: telling people.  Each alert change goes out by email (SMTP),
 * webhook (generic JSON, Microsoft Teams or Google Chat) and Pub/Sub; each
 * finished run goes to Pub/Sub, and a successful one pings the dead man's
 * switch URL.  Every delivery runs on the master's curl multi handle and
 * is retried with backoff on its own: a failing channel never blocks the
 * loop or another channel.
 */
#ifndef DATABACKUP_NOTIFY_H
#define DATABACKUP_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "metrics.h"

struct auth;
struct config;
struct event_base;
struct http_multi;
struct journal_run;

#define NOTIFY_ATTEMPTS_MAX	10
#define NOTIFY_RETRY_BASE_MS	2000
#define NOTIFY_RETRY_CAP_MS	(10 * 60 * 1000)
#define NOTIFY_QUEUE_MAX	256	/* deliveries pending, all channels */
#define NOTIFY_TARGETS_LISTED	50	/* databases in a message body */
#define NOTIFY_BACKOFF_ENV	"DATABACKUP_TEST_NOTIFY_BACKOFF_MS"

struct notify;

/* notify.c */
struct notify	*notify_new(struct event_base *, struct http_multi *,
		    struct auth *, struct metrics *);
void		 notify_free(struct notify *);
void		 notify_alert(struct notify *, const struct config *,
		    const struct alert *, const struct alert_target *, size_t);
void		 notify_run(struct notify *, const struct config *,
		    const struct journal_run *, int);
size_t		 notify_pending(const struct notify *);
int64_t		 notify_failing_since(const struct notify *,
		    enum metrics_channel);
char		*notify_alert_json(const struct config *, const char *,
		    const struct alert *, const struct alert_target *, size_t);
char		*notify_alert_text(const struct config *, const char *,
		    const struct alert *, const struct alert_target *, size_t);
char		*notify_alert_subject(const struct config *,
		    const struct alert *);
char		*notify_webhook_body(const struct config *, const char *,
		    const struct alert *, const struct alert_target *, size_t);

#endif
