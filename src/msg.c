/*
 * msg.c: framing of the master <-> worker protocol (include/msg.h).
 *
 * The master composes into and parses from libevent buffers (its sockets
 * are non-blocking and driven by the loop); the worker uses the blocking
 * send/receive calls.  Nothing else reads or writes a socketpair.  This
 * file knows the framing and the payload sizes, not what a message means.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "log.h"
#include "msg.h"

/* Expected payload size of each type; SIZE_MAX: unknown type. */
static size_t
msg_payload_size(uint32_t type)
{
	switch (type) {
	case MSG_JOB_START:
		return (sizeof(struct msg_job));
	case MSG_TOKEN:
		return (sizeof(struct msg_token));
	case MSG_JOB_OPERATION:
		return (sizeof(struct msg_op));
	case MSG_JOB_DONE:
		return (sizeof(struct msg_done));
	case MSG_JOB_FAILED:
		return (sizeof(struct msg_failed));
	case MSG_RESTORE_STEP:
		return (sizeof(struct msg_step));
	case MSG_SURVEYED:
		return (sizeof(struct msg_survey));
	case MSG_JOB_OP_ACK:
	case MSG_SHUTDOWN:
	case MSG_JOB_CANCEL:
	case MSG_JOB_VERIFYING:
	case MSG_WORKER_READY:
	case MSG_JOB_POLLED:
		return (0);
	}
	return ((size_t)-1);
}

const char *
msg_type_name(uint32_t type)
{
	switch (type) {
	case MSG_JOB_START:
		return ("JOB_START");
	case MSG_JOB_OP_ACK:
		return ("JOB_OP_ACK");
	case MSG_TOKEN:
		return ("TOKEN");
	case MSG_SHUTDOWN:
		return ("SHUTDOWN");
	case MSG_JOB_CANCEL:
		return ("JOB_CANCEL");
	case MSG_JOB_OPERATION:
		return ("JOB_OPERATION");
	case MSG_JOB_VERIFYING:
		return ("JOB_VERIFYING");
	case MSG_JOB_DONE:
		return ("JOB_DONE");
	case MSG_JOB_FAILED:
		return ("JOB_FAILED");
	case MSG_WORKER_READY:
		return ("WORKER_READY");
	case MSG_JOB_POLLED:
		return ("JOB_POLLED");
	case MSG_RESTORE_STEP:
		return ("RESTORE_STEP");
	case MSG_SURVEYED:
		return ("SURVEYED");
	}
	return ("unknown");
}

/* Queue one message on an output buffer.  Returns 0, or -1 on a bad size. */
int
msg_compose(struct evbuffer *out, uint32_t type, int64_t job_id,
    const void *payload, size_t len)
{
	struct msg_hdr	hdr;

	if (len != msg_payload_size(type) || len > MSG_PAYLOAD_MAX) {
		log_warnx("msg_compose: %s with %zu bytes", msg_type_name(type),
		    len);
		return (-1);
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = (uint32_t)len;
	hdr.job_id = job_id;
	if (evbuffer_add(out, &hdr, sizeof(hdr)) == -1)
		return (-1);
	if (len > 0 && evbuffer_add(out, payload, len) == -1)
		return (-1);
	return (0);
}

/* Does each string of the payload end inside its array? */
static int
msg_str_ok(const char *s, size_t size)
{
	return (memchr(s, '\0', size) != NULL);
}

#define STR_OK(s)	msg_str_ok((s), sizeof(s))

static int
msg_calls_ok(const struct msg_api_count *c)
{
	int	i;

	for (i = 0; i < MSG_API_COUNTS; i++)
		if (!STR_OK(c[i].api))
			return (0);
	return (1);
}

/*
 * Check a received payload: its size was checked against the type; here
 * every string must carry its NUL.  Returns 0 or -1.
 */
int
msg_check_payload(const struct msg_hdr *hdr, const void *payload)
{
	const struct msg_job	*j;
	const struct msg_token	*t;
	const struct msg_op	*o;
	const struct msg_done	*d;
	const struct msg_failed	*f;
	const struct msg_step	*s;
	const struct msg_survey	*v;
	int			 i;

	switch (hdr->type) {
	case MSG_JOB_START:
		j = payload;
		if (!STR_OK(j->ctx.sqladmin) || !STR_OK(j->ctx.crm) ||
		    !STR_OK(j->ctx.storage) || !STR_OK(j->ctx.ca_file) ||
		    !STR_OK(j->ctx.quota_project) || !STR_OK(j->ctx.token) ||
		    !STR_OK(j->project) || !STR_OK(j->instance) ||
		    !STR_OK(j->via) || !STR_OK(j->database) ||
		    !STR_OK(j->bucket) || !STR_OK(j->object) ||
		    !STR_OK(j->file_type) || !STR_OK(j->operation) ||
		    !STR_OK(j->version) || !STR_OK(j->source_db) ||
		    !STR_OK(j->blocker))
			return (-1);
		for (i = 0; i < MSG_SCRATCH_MAX; i++)
			if (!STR_OK(j->scratch[i]))
				return (-1);
		return (0);
	case MSG_TOKEN:
		t = payload;
		return (STR_OK(t->token) ? 0 : -1);
	case MSG_JOB_OPERATION:
		o = payload;
		return (STR_OK(o->operation) && o->operation[0] != '\0' &&
		    STR_OK(o->blocker_type) ? 0 : -1);
	case MSG_JOB_DONE:
		d = payload;
		return (STR_OK(d->crc32c) && msg_calls_ok(d->calls) ? 0 : -1);
	case MSG_JOB_FAILED:
		f = payload;
		if (!STR_OK(f->reason) || !STR_OK(f->message) ||
		    !msg_calls_ok(f->calls) || !STR_OK(f->blocker) ||
		    !STR_OK(f->blocker_type) || !STR_OK(f->ended_type))
			return (-1);
		if (f->status > GCP_AUTH)
			return (-1);
		return (0);
	case MSG_RESTORE_STEP:
		s = payload;
		return (STR_OK(s->text) && STR_OK(s->project) &&
		    STR_OK(s->instance) && STR_OK(s->database) ? 0 : -1);
	case MSG_SURVEYED:
		v = payload;
		return (STR_OK(v->type) && (v->type[0] == '\0' ||
		    v->end_ms > v->start_ms) ? 0 : -1);
	case MSG_JOB_OP_ACK:
	case MSG_SHUTDOWN:
	case MSG_JOB_CANCEL:
	case MSG_JOB_VERIFYING:
	case MSG_WORKER_READY:
	case MSG_JOB_POLLED:
		return (0);
	}
	return (-1);
}

/*
 * Take one whole message off an input buffer into hdr and payload (of
 * size max).  Returns 1 with a message, 0 when more bytes are needed, -1
 * on a protocol error (unknown type, wrong length, missing NUL): the peer
 * is broken and must be dropped.
 */
int
msg_get(struct evbuffer *in, struct msg_hdr *hdr, void *payload, size_t max)
{
	size_t	 want;

	if (evbuffer_get_length(in) < sizeof(*hdr))
		return (0);
	if (evbuffer_copyout(in, hdr, sizeof(*hdr)) != sizeof(*hdr))
		return (-1);
	want = msg_payload_size(hdr->type);
	if (want == (size_t)-1 || hdr->len != want || want > max)
		return (-1);
	if (evbuffer_get_length(in) < sizeof(*hdr) + want)
		return (0);
	evbuffer_drain(in, sizeof(*hdr));
	if (want > 0 && evbuffer_remove(in, payload, want) != (int)want)
		return (-1);
	return (msg_check_payload(hdr, payload) == 0 ? 1 : -1);
}

static int
msg_write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= n;
	}
	return (0);
}

/* Blocking send, for workers.  Returns 0 or -1 (errno set). */
int
msg_send_blocking(int fd, uint32_t type, int64_t job_id, const void *payload,
    size_t len)
{
	struct msg_hdr	hdr;

	if (len != msg_payload_size(type)) {
		errno = EINVAL;
		return (-1);
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = (uint32_t)len;
	hdr.job_id = job_id;
	if (msg_write_all(fd, &hdr, sizeof(hdr)) == -1)
		return (-1);
	if (len > 0 && msg_write_all(fd, payload, len) == -1)
		return (-1);
	return (0);
}

static int64_t
msg_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * Read exactly len bytes before the monotonic deadline (-1: none).
 * Returns 1 done, 0 timeout with nothing read, -1 error or EOF (errno 0).
 */
static int
msg_read_full(int fd, void *buf, size_t len, int64_t deadline, int started)
{
	struct pollfd	 pfd;
	char		*p = buf;
	ssize_t		 n;
	int		 wait, r;

	while (len > 0) {
		if (deadline >= 0 && !started) {
			wait = (int)(deadline - msg_now_ms());
			if (wait < 0)
				wait = 0;
		} else
			wait = -1;
		pfd.fd = fd;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, wait);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (r == 0)
			return (0);
		n = read(fd, p, len);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return (-1);
		}
		if (n == 0) {
			errno = 0;
			return (-1);
		}
		started = 1;
		p += n;
		len -= n;
	}
	return (1);
}

/*
 * Blocking receive, for workers: wait up to timeout_ms (-1: forever) for
 * one message.  Returns 1 with a message, 0 on timeout, -1 on EOF (errno
 * 0), error or protocol violation (errno EPROTO).  Once a header has begun
 * to arrive the rest is awaited without timeout: the master writes whole
 * messages.
 */
int
msg_recv_blocking(int fd, struct msg_hdr *hdr, void *payload, size_t max,
    int timeout_ms)
{
	int64_t	 deadline;
	size_t	 want;
	int	 r;

	deadline = timeout_ms < 0 ? -1 : msg_now_ms() + timeout_ms;
	r = msg_read_full(fd, hdr, sizeof(*hdr), deadline, 0);
	if (r <= 0)
		return (r);
	want = msg_payload_size(hdr->type);
	if (want == (size_t)-1 || hdr->len != want || want > max) {
		errno = EPROTO;
		return (-1);
	}
	if (want > 0 && msg_read_full(fd, payload, want, -1, 1) != 1)
		return (-1);
	if (msg_check_payload(hdr, payload) == -1) {
		errno = EPROTO;
		return (-1);
	}
	return (1);
}
