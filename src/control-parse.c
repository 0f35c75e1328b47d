/*
 * control-parse.c: the control socket's request, from bytes to a command
 * (docs/control.md): one line ended by '\n', at most CONTROL_REQUEST_MAX
 * bytes, holding a JSON object with a "command" string and, if present,
 * "version" 1.  No I/O and no state here, so that a fuzzer can drive it
 * (tests/fuzz/fuzz_control.c); control.c reads the socket and runs the
 * command.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>

#include "control.h"
#include "control-int.h"

/*
 * Take the request line from in.  Returns 1 with a new string in *line
 * (caller frees), 0 while the line is incomplete, or -1 with err filled
 * when it is too long (what was read is dropped).
 */
int
control_readline(struct evbuffer *in, char **line, char *err, size_t errlen)
{
	size_t	n;

	if ((*line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF)) == NULL) {
		if (evbuffer_get_length(in) <= CONTROL_REQUEST_MAX)
			return (0);
		evbuffer_drain(in, evbuffer_get_length(in));
	} else if (n <= CONTROL_REQUEST_MAX)
		return (1);
	free(*line);
	*line = NULL;
	snprintf(err, errlen, "request longer than %d bytes",
	    CONTROL_REQUEST_MAX);
	return (-1);
}

/*
 * Parse a request line.  Returns the request (caller frees with
 * cJSON_Delete) and its command's name in *name (borrowed from the
 * command table), or NULL with err filled.
 */
cJSON *
control_parse(const char *line, const char **name, char *err,
    size_t errlen)
{
	const struct control_cmd	*cc;
	cJSON				*req;
	const cJSON			*cmd, *ver;

	if ((req = cJSON_Parse(line)) == NULL || !cJSON_IsObject(req)) {
		snprintf(err, errlen, "request is not a JSON object");
		goto fail;
	}
	ver = cJSON_GetObjectItemCaseSensitive(req, "version");
	if (ver != NULL && (!cJSON_IsNumber(ver) ||
	    ver->valuedouble != CONTROL_VERSION)) {
		snprintf(err, errlen, "unsupported protocol version (this "
		    "daemon speaks %d)", CONTROL_VERSION);
		goto fail;
	}
	cmd = cJSON_GetObjectItemCaseSensitive(req, "command");
	if (!cJSON_IsString(cmd)) {
		snprintf(err, errlen, "request has no \"command\"");
		goto fail;
	}
	if ((cc = control_cmd_find(cmd->valuestring)) == NULL) {
		snprintf(err, errlen, "unknown command \"%.64s\"",
		    cmd->valuestring);
		goto fail;
	}
	*name = cc->name;
	return (req);
fail:
	cJSON_Delete(req);
	return (NULL);
}
