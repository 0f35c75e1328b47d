/*
 * check_msg.c: the worker protocol framing (msg.c): round trips over an
 * evbuffer and a socketpair, partial messages, and every way a broken
 * peer can send garbage.
 */
#include <sys/socket.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "msg.h"

START_TEST(test_roundtrip_evbuffer)
{
	struct evbuffer	*b = evbuffer_new();
	struct msg_op	 op, got;
	struct msg_hdr	 hdr;

	memset(&op, 0, sizeof(op));
	strlcpy(op.operation, "abc-123", sizeof(op.operation));
	op.started_ms = 42;
	ck_assert_int_eq(msg_compose(b, MSG_JOB_OPERATION, 7, &op,
	    sizeof(op)), 0);
	ck_assert_int_eq(msg_compose(b, MSG_JOB_VERIFYING, 7, NULL, 0), 0);
	ck_assert_int_eq(msg_get(b, &hdr, &got, sizeof(got)), 1);
	ck_assert_int_eq(hdr.type, MSG_JOB_OPERATION);
	ck_assert_int_eq(hdr.job_id, 7);
	ck_assert_str_eq(got.operation, "abc-123");
	ck_assert_int_eq(got.started_ms, 42);
	ck_assert_int_eq(msg_get(b, &hdr, &got, sizeof(got)), 1);
	ck_assert_int_eq(hdr.type, MSG_JOB_VERIFYING);
	ck_assert_int_eq(msg_get(b, &hdr, &got, sizeof(got)), 0);
	/* A wrong size for the type is refused at the sender. */
	ck_assert_int_eq(msg_compose(b, MSG_JOB_OPERATION, 7, &op, 3), -1);
	evbuffer_free(b);
}
END_TEST

/* The watchdog's and cancel_stuck's messages: named, without payload. */
START_TEST(test_poll_and_cancel)
{
	struct evbuffer	*b = evbuffer_new();
	struct msg_hdr	 hdr;
	char		 p[8];

	ck_assert_str_eq(msg_type_name(MSG_JOB_POLLED), "JOB_POLLED");
	ck_assert_str_eq(msg_type_name(MSG_JOB_CANCEL), "JOB_CANCEL");
	ck_assert_int_eq(msg_compose(b, MSG_JOB_POLLED, 9, NULL, 0), 0);
	ck_assert_int_eq(msg_compose(b, MSG_JOB_CANCEL, 9, NULL, 0), 0);
	ck_assert_int_eq(msg_compose(b, MSG_JOB_CANCEL, 9, p, 1), -1);
	ck_assert_int_eq(msg_get(b, &hdr, p, sizeof(p)), 1);
	ck_assert_int_eq(hdr.type, MSG_JOB_POLLED);
	ck_assert_int_eq(hdr.job_id, 9);
	ck_assert_int_eq(msg_get(b, &hdr, p, sizeof(p)), 1);
	ck_assert_int_eq(hdr.type, MSG_JOB_CANCEL);
	ck_assert_int_eq(hdr.len, 0);
	evbuffer_free(b);
}
END_TEST

START_TEST(test_partial)
{
	struct evbuffer	*b = evbuffer_new(), *c = evbuffer_new();
	struct msg_done	 d, got;
	struct msg_hdr	 hdr;
	unsigned char	 byte;

	memset(&d, 0, sizeof(d));
	d.size = 99;
	strlcpy(d.crc32c, "AAAAAA==", sizeof(d.crc32c));
	msg_compose(c, MSG_JOB_DONE, 1, &d, sizeof(d));
	/* Fed one byte at a time, it parses only when whole. */
	while (evbuffer_get_length(c) > 0) {
		ck_assert_int_eq(msg_get(b, &hdr, &got, sizeof(got)), 0);
		evbuffer_remove(c, &byte, 1);
		evbuffer_add(b, &byte, 1);
	}
	ck_assert_int_eq(msg_get(b, &hdr, &got, sizeof(got)), 1);
	ck_assert_int_eq(got.size, 99);
	evbuffer_free(b);
	evbuffer_free(c);
}
END_TEST

START_TEST(test_garbage)
{
	struct evbuffer		*b = evbuffer_new();
	struct msg_hdr		 hdr;
	struct msg_failed	 f, got;

	/* Unknown type. */
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = 12345;
	evbuffer_add(b, &hdr, sizeof(hdr));
	ck_assert_int_eq(msg_get(b, &hdr, &got, sizeof(got)), -1);
	evbuffer_drain(b, evbuffer_get_length(b));

	/* Known type, lying length. */
	hdr.type = MSG_JOB_FAILED;
	hdr.len = 1 << 30;
	evbuffer_add(b, &hdr, sizeof(hdr));
	ck_assert_int_eq(msg_get(b, &hdr, &got, sizeof(got)), -1);
	evbuffer_drain(b, evbuffer_get_length(b));

	/* A string without its NUL. */
	memset(&f, 'x', sizeof(f));
	f.status = GCP_RETRY;
	hdr.type = MSG_JOB_FAILED;
	hdr.len = sizeof(f);
	evbuffer_add(b, &hdr, sizeof(hdr));
	evbuffer_add(b, &f, sizeof(f));
	ck_assert_int_eq(msg_get(b, &hdr, &got, sizeof(got)), -1);
	evbuffer_drain(b, evbuffer_get_length(b));

	/* A status out of range. */
	memset(&f, 0, sizeof(f));
	f.status = 77;
	msg_compose(b, MSG_JOB_FAILED, 1, &f, sizeof(f));
	ck_assert_int_eq(msg_get(b, &hdr, &got, sizeof(got)), -1);
	evbuffer_free(b);
}
END_TEST

/* A survey's answer: a type with a span that ends after it starts, or none. */
START_TEST(test_survey)
{
	struct evbuffer		*b = evbuffer_new();
	struct msg_hdr		 hdr;
	struct msg_survey	 v, got;

	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(msg_compose(b, MSG_SURVEYED, 0, &v, sizeof(v)), 0);
	ck_assert_int_eq(msg_get(b, &hdr, &got, sizeof(got)), 1);
	ck_assert_str_eq(got.type, "");
	snprintf(v.type, sizeof(v.type), "BACKUP_VOLUME");
	v.start_ms = 1000;
	v.end_ms = 61000;
	msg_compose(b, MSG_SURVEYED, 0, &v, sizeof(v));
	ck_assert_int_eq(msg_get(b, &hdr, &got, sizeof(got)), 1);
	ck_assert_str_eq(got.type, "BACKUP_VOLUME");
	ck_assert_int_eq(got.end_ms - got.start_ms, 60000);
	v.end_ms = v.start_ms;		/* a type, and no span */
	msg_compose(b, MSG_SURVEYED, 0, &v, sizeof(v));
	ck_assert_int_eq(msg_get(b, &hdr, &got, sizeof(got)), -1);
	evbuffer_drain(b, evbuffer_get_length(b));
	memset(&v, 'x', sizeof(v));	/* no NUL */
	msg_compose(b, MSG_SURVEYED, 0, &v, sizeof(v));
	ck_assert_int_eq(msg_get(b, &hdr, &got, sizeof(got)), -1);
	evbuffer_free(b);
}
END_TEST

START_TEST(test_blocking)
{
	int		 sv[2];
	struct msg_token t, got;
	struct msg_hdr	 hdr;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(&t, 0, sizeof(t));
	strlcpy(t.token, "tok", sizeof(t.token));
	ck_assert_int_eq(msg_send_blocking(sv[0], MSG_TOKEN, 3, &t,
	    sizeof(t)), 0);
	ck_assert_int_eq(msg_recv_blocking(sv[1], &hdr, &got, sizeof(got),
	    1000), 1);
	ck_assert_str_eq(got.token, "tok");
	/* Nothing pending: a timeout, not an error. */
	ck_assert_int_eq(msg_recv_blocking(sv[1], &hdr, &got, sizeof(got), 10),
	    0);
	/* The peer goes away: EOF. */
	close(sv[0]);
	ck_assert_int_eq(msg_recv_blocking(sv[1], &hdr, &got, sizeof(got),
	    1000), -1);
	close(sv[1]);
}
END_TEST

static Suite *
msg_suite(void)
{
	Suite	*s = suite_create("msg");
	TCase	*tc = tcase_create("framing");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_roundtrip_evbuffer);
	tcase_add_test(tc, test_partial);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_survey);
	tcase_add_test(tc, test_blocking);
	tcase_add_test(tc, test_poll_and_cancel);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(msg_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
