/*
 * ctl-complete.c: what shell completion offers, read from the command
 * table that --help prints, so the two cannot drift apart.
 *
 * "databackupctl --complete" prints one line per command: its name, then
 * each option its usage string names.  An option that takes a value is
 * printed with a trailing '=' (every command option taking a value also
 * accepts --opt=VALUE).  The first line, named "-", holds the global
 * options.  etc/bash-completion/databackupctl reads this; the format is not
 * for people and is not in --help.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

#define CTL_COMPLETE_GLOBAL	"-"

/*
 * Prints the options named in usage ("[--days N] [--failed]",
 * "[--limit N | --all]"), each after a space.  An option whose next
 * word is a metavariable (starts with an upper-case letter) takes a value.
 */
static void
ctl_complete_usage(const char *usage, FILE *fp)
{
	const char	*p = usage, *opt, *next;
	size_t		 len;

	while (*p != '\0') {
		while (*p == ' ' || *p == '[' || *p == '|')
			p++;
		if (strncmp(p, "--", 2) != 0) {
			p += strcspn(p, " ");
			continue;
		}
		opt = p;
		len = strcspn(p, " =]|");
		p += strcspn(p, " ");
		next = p;
		while (*next == ' ' || *next == '=')
			next++;
		if (opt[len] == '=' || (opt[len] == ' ' &&
		    isupper((unsigned char)*next))) {
			fprintf(fp, " %.*s=", (int)len, opt);
			if (opt[len] == ' ')
				p = next + strcspn(next, " ");
		} else
			fprintf(fp, " %.*s", (int)len, opt);
	}
}

/*
 * Prints the completion table: the global options (globals, a string of
 * space-separated options in the same form), then every command of
 * ctl_cmds with its options.
 */
void
ctl_complete_print(const char *globals, FILE *fp)
{
	const struct ctl_cmd	**c;

	fprintf(fp, "%s %s\n", CTL_COMPLETE_GLOBAL, globals);
	for (c = ctl_cmds; *c != NULL; c++) {
		fputs((*c)->name, fp);
		ctl_complete_usage((*c)->usage, fp);
		fputc('\n', fp);
	}
}
