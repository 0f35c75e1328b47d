/*
 * fuzz_fleet.c: libFuzzer harness for the emulator's fleet parser and its
 * request router, both of which take untrusted text.  Built by
 * `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emu.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct emu_fleet	*f;
	struct emu_route	 rt;
	char			*s, err[512];

	f = fleet_parse((const char *)data, size, "fuzz.json", err,
	    sizeof(err));
	fleet_free(f);

	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&rt, 0, sizeof(rt));
	if (emu_route(emu_method_parse("GET"), s, &rt) == 0)
		emu_route_free(&rt);
	free(s);
	return (0);
}
