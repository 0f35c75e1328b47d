/*
 * arena.h: strings that are made one by one and freed all at once.  A
 * walk of a large fleet names thousands of projects, instances and
 * databases; one malloc each would add a header and rounding to every
 * short name.  An arena copies them into large chunks instead, and frees
 * the chunks together.  A string cannot be freed on its own.
 */
#ifndef DATABACKUP_ARENA_H
#define DATABACKUP_ARENA_H

#include <stddef.h>

#define ARENA_CHUNK	(16 * 1024)	/* bytes per chunk of short strings */

struct arena;

/* arena.c */
struct arena	*arena_new(void);
void		 arena_free(struct arena *);
const char	*arena_strdup(struct arena *, const char *);
size_t		 arena_size(const struct arena *);

#endif
