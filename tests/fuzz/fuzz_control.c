/*
 * fuzz_control.c: libFuzzer harness for the control socket's request
 * parser, as the daemon reads a connection: the input goes into an
 * evbuffer in two pieces, the request lines are taken out
 * (control_readline) and each is parsed into a command (control_parse),
 * and the role decision is asked of the command found.  Built by
 * `make fuzz`; its corpus (tests/fuzz/corpus-control) is replayed by
 * `make check` through tests/fuzz/replay.c.
 */
#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>

#include "control.h"

#define FUZZ_LINES_MAX	64

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char		 ops[] = "ops", mon[] = "mon";
	struct control_acl	 acl = { 1, ops, 2, mon, 3 };
	struct evbuffer		*b;
	struct cJSON		*req;
	enum control_role	 need;
	const char		*name;
	char			*line, err[256];
	size_t			 half = size / 2;
	int			 r, n = 0;

	b = evbuffer_new();
	evbuffer_add(b, data, half);
	while (n++ < FUZZ_LINES_MAX) {
		r = control_readline(b, &line, err, sizeof(err));
		if (r == 0 && half < size) {
			evbuffer_add(b, data + half, size - half);
			half = size;
			continue;
		}
		if (r != 1)
			break;
		req = control_parse(line, &name, err, sizeof(err));
		if (req != NULL) {
			if (control_cmd_need(name, &need) == -1)
				abort();	/* parsed, so it exists */
			(void)control_allow(&acl, CONTROL_ROLE_READER, need,
			    name, err, sizeof(err));
		}
		cJSON_Delete(req);
		free(line);
	}
	evbuffer_free(b);
	return (0);
}
