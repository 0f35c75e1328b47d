/*
 * Report health for a monitoring system: one line per alert, exit 0/1/2/3.
 */
#include <stdio.h>

#include "ctl.h"

static void	ctl_check_render(const cJSON *, FILE *);
static int	ctl_check_exit_status(const cJSON *, const cJSON *);

const struct ctl_cmd ctl_check_entry = {
	.name = "check",
	.usage = "",
	.description = "health for monitoring: exit 0/1/2, 3 unknown",
	.monitoring = 1,
	.parse = ctl_no_args,
	.render = ctl_check_render,
	.exit_status = ctl_check_exit_status,
};

static void
ctl_check_render(const cJSON *reply, FILE *fp)
{
	const cJSON	*l;

	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(reply,
	    "lines")) {
		if (cJSON_IsString(l))
			fprintf(fp, "%s\n", l->valuestring);
	}
}

/* The daemon's status, if it is one a monitoring system knows. */
static int
ctl_check_exit_status(const cJSON *req, const cJSON *reply)
{
	long long	s = ctl_int(reply, "status", CTL_EXIT_UNKNOWN);

	(void)req;
	if (s < CTL_EXIT_OK || s > CTL_EXIT_UNKNOWN)
		return (CTL_EXIT_UNKNOWN);
	return ((int)s);
}
