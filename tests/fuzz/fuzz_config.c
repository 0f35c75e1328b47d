/*
 * fuzz_config.c: libFuzzer harness for config_load().
 *
 * Each input is written to a temporary file and loaded; errors are
 * cleared, a loaded config is dumped and freed.  Not built by make; build
 * and run by hand from a configured tree:
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *	    -include autoconf.h -Iinclude \
 *	    $(pkg-config --cflags libbsd-overlay) \
 *	    tests/fuzz/fuzz_config.c src/config.c src/config-type.c \
 *	    src/config-check.c src/log.c src/xmalloc.c \
 *	    $(pkg-config --libs libbsd-overlay) -o fuzz_config
 *	mkdir -p corpus && cp etc/databackup.conf tests/data/good.conf corpus/
 *	./fuzz_config -max_total_time=60 corpus
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char		 path[] = "/tmp/fuzz_config.XXXXXX";
	static int		 fd = -1;
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg;
	FILE			*null;

	if (fd == -1 && (fd = mkstemp(path)) == -1)
		abort();
	if (ftruncate(fd, 0) == -1 || pwrite(fd, data, size, 0) !=
	    (ssize_t)size)
		abort();
	cfg = config_load(path, &errs);
	if (cfg != NULL) {
		if ((null = fopen("/dev/null", "w")) != NULL) {
			config_dump(cfg, null);
			fclose(null);
		}
		(void)config_exclude_match(cfg, "p", "i", "d");
		config_free(cfg);
	}
	config_errors_clear(&errs);
	return (0);
}
