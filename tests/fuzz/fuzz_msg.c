/*
 * fuzz_msg.c: libFuzzer harness for the worker protocol's receiving side
 * (msg_get over an evbuffer, as the master reads a worker's socket) and
 * for trigger patterns (disc_pattern_parse/disc_pattern_match, as the
 * control socket reads them).  Built by `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "discovery.h"
#include "msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer		*b;
	struct msg_hdr		 hdr;
	struct disc_pattern	 pat;
	union {
		struct msg_job		j;
		struct msg_failed	f;
	}			 p;
	char			*s, err[256];
	int			 r, n = 0;

	b = evbuffer_new();
	evbuffer_add(b, data, size);
	while ((r = msg_get(b, &hdr, &p, sizeof(p))) == 1 && n++ < 1000)
		;
	evbuffer_free(b);

	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (disc_pattern_parse(s, &pat, err, sizeof(err)) == 0)
		(void)disc_pattern_match(&pat, 1, "proj-a", "inst-1", "db");
	free(s);
	return (0);
}
