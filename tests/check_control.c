/*
 * check_control.c: the control socket's access by role (control-role.c),
 * as a table of peers, configured groups and commands with the decision
 * and the refusal expected, and the role each command needs; who gets the
 * connection reserved beyond [control] max_connections; and the
 * request parser (control-parse.c): lines, limits, JSON, version, command.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>

#include "control.h"

#define TEST_TIMEOUT	10

#define SELF	990		/* the daemon's uid */
#define OPS	1001		/* [control] operators = dbops */
#define MON	1002		/* [control] readers = monitoring */
#define OTHER	1003

enum acl_kind { ACL_NONE, ACL_BOTH, ACL_OPS, ACL_READERS };

struct role_case {
	enum acl_kind	 acl;
	uid_t		 uid;
	gid_t		 gids[3];
	size_t		 ngids;
	const char	*cmd;
	const char	*refusal;	/* NULL: allowed */
};

static const struct role_case role_cases[] = {
	/* No roles configured: whoever can open the socket, as before. */
	{ ACL_NONE, 5000, { OTHER }, 1, "trigger", NULL },
	{ ACL_NONE, 5000, { OTHER }, 1, "reload", NULL },
	/* Root and the daemon's user: everything. */
	{ ACL_BOTH, 0, { 0 }, 1, "trigger", NULL },
	{ ACL_BOTH, SELF, { OTHER }, 1, "reload", NULL },
	{ ACL_BOTH, SELF, { OTHER }, 1, "clock", NULL },
	/* Operators: trigger, reload, and what readers may. */
	{ ACL_BOTH, 5000, { OTHER, OPS }, 2, "trigger", NULL },
	{ ACL_BOTH, 5000, { OPS }, 1, "reload", NULL },
	{ ACL_BOTH, 5000, { OTHER, OPS }, 2, "status", NULL },
	{ ACL_BOTH, 5000, { OPS }, 1, "metrics", NULL },
	{ ACL_BOTH, 5000, { OPS }, 1, "clock",
	    "permission denied: clock needs root or the daemon's user" },
	/* Readers: read only. */
	{ ACL_BOTH, 5000, { OTHER, MON }, 2, "status", NULL },
	{ ACL_BOTH, 5000, { MON }, 1, "jobs", NULL },
	{ ACL_BOTH, 5000, { MON }, 1, "history", NULL },
	{ ACL_BOTH, 5000, { MON }, 1, "plan", NULL },
	{ ACL_BOTH, 5000, { MON }, 1, "check", NULL },
	{ ACL_BOTH, 5000, { MON }, 1, "coverage", NULL },
	{ ACL_BOTH, 5000, { MON }, 1, "metrics", NULL },
	{ ACL_BOTH, 5000, { OTHER, MON }, 2, "trigger",
	    "permission denied: trigger needs membership of group 'dbops' "
	    "(operators)" },
	{ ACL_BOTH, 5000, { MON }, 1, "reload",
	    "permission denied: reload needs membership of group 'dbops' "
	    "(operators)" },
	/* A member of both groups is an operator. */
	{ ACL_BOTH, 5000, { MON, OPS }, 2, "trigger", NULL },
	/* Anyone else: nothing, told which groups would do. */
	{ ACL_BOTH, 5000, { OTHER }, 1, "status",
	    "permission denied: status needs membership of group "
	    "'monitoring' (readers) or 'dbops' (operators)" },
	{ ACL_BOTH, 5000, { 0 }, 0, "check",
	    "permission denied: check needs membership of group "
	    "'monitoring' (readers) or 'dbops' (operators)" },
	/* Only one of the keys set. */
	{ ACL_OPS, 5000, { OTHER }, 1, "status",
	    "permission denied: status needs membership of group 'dbops' "
	    "(operators)" },
	{ ACL_OPS, 5000, { OPS }, 1, "trigger", NULL },
	{ ACL_READERS, 5000, { MON }, 1, "status", NULL },
	{ ACL_READERS, 5000, { MON }, 1, "trigger",
	    "permission denied: trigger needs root or the daemon's user "
	    "([control] operators is not set)" },
	{ ACL_READERS, SELF, { OTHER }, 1, "trigger", NULL },
	{ ACL_READERS, 5000, { OTHER }, 1, "metrics",
	    "permission denied: metrics needs membership of group "
	    "'monitoring' (readers)" },
};
#define NROLE_CASES	(sizeof(role_cases) / sizeof(role_cases[0]))

static void
acl_make(enum acl_kind k, struct control_acl *acl)
{
	memset(acl, 0, sizeof(*acl));
	acl->self = SELF;
	if (k == ACL_BOTH || k == ACL_OPS) {
		acl->operators = (char *)"dbops";
		acl->operators_gid = OPS;
	}
	if (k == ACL_BOTH || k == ACL_READERS) {
		acl->readers = (char *)"monitoring";
		acl->readers_gid = MON;
	}
}

START_TEST(test_role_table)
{
	const struct role_case	*rc = &role_cases[_i];
	struct control_acl	 acl;
	enum control_role	 have, need;
	char			 err[256] = "";
	int			 r;

	acl_make(rc->acl, &acl);
	ck_assert_int_eq(control_cmd_need(rc->cmd, &need), 0);
	have = control_role(&acl, rc->uid, rc->gids, rc->ngids);
	r = control_allow(&acl, have, need, rc->cmd, err, sizeof(err));
	if (rc->refusal == NULL)
		ck_assert_msg(r == 0, "case %d: %s refused: %s", _i, rc->cmd,
		    err);
	else {
		ck_assert_msg(r == -1, "case %d: %s allowed as %s", _i,
		    rc->cmd, control_role_name(have));
		ck_assert_str_eq(err, rc->refusal);
	}
}
END_TEST

/* Exactly the commands that only read are open to readers. */
START_TEST(test_cmd_needs)
{
	static const char *const readers[] = { "status", "jobs", "history",
	    "plan", "check", "coverage", "metrics" };
	static const char *const operators[] = { "trigger", "reload" };
	enum control_role	 need;
	size_t			 i;

	for (i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
		ck_assert_int_eq(control_cmd_need(readers[i], &need), 0);
		ck_assert_int_eq(need, CONTROL_ROLE_READER);
	}
	for (i = 0; i < sizeof(operators) / sizeof(operators[0]); i++) {
		ck_assert_int_eq(control_cmd_need(operators[i], &need), 0);
		ck_assert_int_eq(need, CONTROL_ROLE_OPERATOR);
	}
	ck_assert_int_eq(control_cmd_need("clock", &need), 0);
	ck_assert_int_eq(need, CONTROL_ROLE_ADMIN);
	ck_assert_int_eq(control_cmd_need("rm -rf", &need), -1);
}
END_TEST

/* Roles are ordered: each may do what those before it may. */
START_TEST(test_role_order)
{
	struct control_acl	acl;
	char			err[256];

	acl_make(ACL_BOTH, &acl);
	ck_assert_int_eq(control_allow(&acl, CONTROL_ROLE_ADMIN,
	    CONTROL_ROLE_OPERATOR, "trigger", err, sizeof(err)), 0);
	ck_assert_int_eq(control_allow(&acl, CONTROL_ROLE_OPERATOR,
	    CONTROL_ROLE_READER, "status", err, sizeof(err)), 0);
	ck_assert_int_eq(control_allow(&acl, CONTROL_ROLE_NONE,
	    CONTROL_ROLE_READER, "status", err, sizeof(err)), -1);
	ck_assert_str_eq(control_role_name(CONTROL_ROLE_READER), "reader");
}
END_TEST

/*
 * The reserved connection is root's and the daemon's user's alone, roles
 * or none, and SO_PEERCRED tells: the peer of a socketpair is ourselves.
 */
START_TEST(test_privileged)
{
	struct control_acl	acl;
	int			sv[2];

	acl_make(ACL_BOTH, &acl);
	ck_assert(control_privileged(&acl, 0));
	ck_assert(control_privileged(&acl, SELF));
	ck_assert(!control_privileged(&acl, 5000));
	acl_make(ACL_NONE, &acl);
	ck_assert(!control_privileged(&acl, 5000));

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	acl.self = geteuid();
	ck_assert(control_peer_privileged(&acl, sv[0]));
	acl.self = geteuid() == SELF ? SELF + 1 : SELF;
	ck_assert_int_eq(control_peer_privileged(&acl, sv[0]),
	    geteuid() == 0);
	close(sv[0]);
	close(sv[1]);
	/* Credentials that cannot be read give no privilege. */
	ck_assert(!control_peer_privileged(&acl, -1));
}
END_TEST

struct parse_case {
	const char	*line;
	const char	*cmd;		/* NULL: refused */
	const char	*err;
};

static const struct parse_case parse_cases[] = {
	{ "{\"version\": 1, \"command\": \"status\"}", "status", NULL },
	{ "{\"command\": \"trigger\", \"patterns\": [\"a\"]}", "trigger",
	    NULL },
	{ " {\"command\":\"check\"} ", "check", NULL },
	{ "", NULL, "request is not a JSON object" },
	{ "[\"status\"]", NULL, "request is not a JSON object" },
	{ "\"status\"", NULL, "request is not a JSON object" },
	{ "{\"command\": \"status\"", NULL, "request is not a JSON object" },
	{ "{\"version\": 2, \"command\": \"status\"}", NULL,
	    "unsupported protocol version (this daemon speaks 1)" },
	{ "{\"version\": 1.5, \"command\": \"status\"}", NULL,
	    "unsupported protocol version (this daemon speaks 1)" },
	{ "{\"version\": \"1\", \"command\": \"status\"}", NULL,
	    "unsupported protocol version (this daemon speaks 1)" },
	{ "{\"version\": 1}", NULL, "request has no \"command\"" },
	{ "{\"command\": 7}", NULL, "request has no \"command\"" },
	{ "{\"command\": \"Status\"}", NULL, "unknown command \"Status\"" },
};
#define NPARSE_CASES	(sizeof(parse_cases) / sizeof(parse_cases[0]))

START_TEST(test_parse_table)
{
	const struct parse_case	*pc = &parse_cases[_i];
	struct cJSON		*req;
	const char		*name = NULL;
	char			 err[256] = "";

	req = control_parse(pc->line, &name, err, sizeof(err));
	if (pc->cmd != NULL) {
		ck_assert_msg(req != NULL, "case %d: %s", _i, err);
		ck_assert_str_eq(name, pc->cmd);
	} else {
		ck_assert_msg(req == NULL, "case %d accepted", _i);
		ck_assert_str_eq(err, pc->err);
	}
	cJSON_Delete(req);
}
END_TEST

/* A line comes whole, in pieces or not at all; a long one is refused. */
START_TEST(test_readline)
{
	struct evbuffer	*b = evbuffer_new();
	char		*line, err[64], *big;

	evbuffer_add_printf(b, "{\"command\":");
	ck_assert_int_eq(control_readline(b, &line, err, sizeof(err)), 0);
	evbuffer_add_printf(b, " \"status\"}\n{\"ignored\"");
	ck_assert_int_eq(control_readline(b, &line, err, sizeof(err)), 1);
	ck_assert_str_eq(line, "{\"command\": \"status\"}");
	free(line);
	evbuffer_drain(b, evbuffer_get_length(b));

	big = malloc(CONTROL_REQUEST_MAX + 2);
	memset(big, 'x', CONTROL_REQUEST_MAX + 1);
	big[CONTROL_REQUEST_MAX + 1] = '\n';
	/* Exactly the limit, ended: a line. */
	evbuffer_add(b, big + 1, CONTROL_REQUEST_MAX + 1);
	ck_assert_int_eq(control_readline(b, &line, err, sizeof(err)), 1);
	free(line);
	/* One byte over, ended or not: refused, and the input dropped. */
	evbuffer_add(b, big, CONTROL_REQUEST_MAX + 2);
	ck_assert_int_eq(control_readline(b, &line, err, sizeof(err)), -1);
	ck_assert_ptr_null(line);
	ck_assert_str_eq(err, "request longer than 65536 bytes");
	evbuffer_drain(b, evbuffer_get_length(b));
	evbuffer_add(b, big, CONTROL_REQUEST_MAX + 1);
	ck_assert_int_eq(control_readline(b, &line, err, sizeof(err)), -1);
	ck_assert_uint_eq(evbuffer_get_length(b), 0);
	free(big);
	evbuffer_free(b);
}
END_TEST

static Suite *
control_suite(void)
{
	Suite	*s = suite_create("control");
	TCase	*tc;

	tc = tcase_create("roles");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_loop_test(tc, test_role_table, 0, (int)NROLE_CASES);
	tcase_add_test(tc, test_cmd_needs);
	tcase_add_test(tc, test_role_order);
	tcase_add_test(tc, test_privileged);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_loop_test(tc, test_parse_table, 0, (int)NPARSE_CASES);
	tcase_add_test(tc, test_readline);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(control_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
