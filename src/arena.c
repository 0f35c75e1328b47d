/*
 * arena.c: string arenas.  Strings are copied end to end into chunks of
 * ARENA_CHUNK bytes; a string too big to share a chunk gets one of its
 * own, so it does not waste the rest of the current one.  Nothing here
 * knows what the strings are.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "xmalloc.h"

#define ARENA_OWN	(ARENA_CHUNK / 4)	/* from here: a chunk each */

struct arena_chunk {
	struct arena_chunk	*next;
	size_t			 size, used;
	char			 buf[];
};

struct arena {
	struct arena_chunk	*head;		/* the one being filled first */
	size_t			 bytes;		/* chunk space, for tests */
};

/* A new empty arena; caller frees with arena_free(). */
struct arena *
arena_new(void)
{
	return (xcalloc(1, sizeof(struct arena)));
}

/* Free the arena and every string in it; NULL is a no-op. */
void
arena_free(struct arena *a)
{
	struct arena_chunk	*c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

/* Room for len bytes, in the current chunk or a new one. */
static char *
arena_alloc(struct arena *a, size_t len)
{
	struct arena_chunk	*c;
	char			*p;

	if (len >= ARENA_OWN) {
		c = xmalloc(sizeof(*c) + len);
		c->size = c->used = len;
		a->bytes += len;
		/* Behind the head, which keeps its free space. */
		if (a->head != NULL) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = NULL;
			a->head = c;
		}
		return (c->buf);
	}
	if (a->head == NULL || a->head->size - a->head->used < len) {
		c = xmalloc(sizeof(*c) + ARENA_CHUNK);
		c->size = ARENA_CHUNK;
		c->used = 0;
		c->next = a->head;
		a->head = c;
		a->bytes += ARENA_CHUNK;
	}
	p = a->head->buf + a->head->used;
	a->head->used += len;
	return (p);
}

/* A copy of s that lives as long as the arena. */
const char *
arena_strdup(struct arena *a, const char *s)
{
	size_t	 len = strlen(s) + 1;
	char	*p;

	p = arena_alloc(a, len);
	memcpy(p, s, len);
	return (p);
}

/* Bytes of chunk space the arena holds. */
size_t
arena_size(const struct arena *a)
{
	return (a->bytes);
}
