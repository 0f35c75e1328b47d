/*
 * replay.c: runs a libFuzzer harness over every file of its corpus
 * without libFuzzer, so that `make check` replays the seeds and every
 * input a campaign found (tests/fuzz/corpus-NAME/) under the ordinary
 * build, sanitizers included when configured.  FUZZ_CORPUS names the
 * directory under $top_srcdir.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The contents of path in a new buffer (caller frees), its size in *n. */
static uint8_t *
replay_slurp(const char *path, size_t *n)
{
	FILE		*f;
	struct stat	 st;
	uint8_t		*buf;

	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &st) == -1) {
		perror(path);
		exit(1);
	}
	*n = (size_t)st.st_size;
	if ((buf = malloc(*n + 1)) == NULL ||
	    fread(buf, 1, *n, f) != *n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	return (buf);
}

int
main(void)
{
	const char	*top = getenv("top_srcdir");
	DIR		*d;
	struct dirent	*de;
	char		 dir[4096], path[4096 + 256];
	uint8_t		*buf;
	size_t		 n;
	int		 count = 0;

	if (snprintf(dir, sizeof(dir), "%s/%s", top != NULL ? top : ".",
	    FUZZ_CORPUS) >= (int)sizeof(dir) || (d = opendir(dir)) == NULL) {
		perror(FUZZ_CORPUS);
		return (1);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		buf = replay_slurp(path, &n);
		LLVMFuzzerTestOneInput(buf, n);
		free(buf);
		count++;
	}
	closedir(d);
	printf("replayed %d inputs from %s\n", count, FUZZ_CORPUS);
	return (count > 0 ? 0 : 1);
}
