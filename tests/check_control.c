/*
 * check_control.c: the control socket's access by role (control-role.c),
 * as a table of peers, configured groups and commands with the decision
 * and the refusal expected, and the role each command needs.
 */
#include <sys/types.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

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
