/*
 * xmalloc.h: allocation that never fails for the caller (fatal on OOM).
 * Sizes controlled by a remote peer must be bounded before they get here.
 */
#ifndef DATABACKUP_XMALLOC_H
#define DATABACKUP_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));

#endif
