/*
 * config-int.h: what the files of the configuration module share.
 *
 * The key table's row, the value types, the state of one load and the
 * functions config.c, config-type.c and config-check.c call across; only
 * those three include it.  The public interface is config.h.
 */
#ifndef DATABACKUP_CONFIG_INT_H
#define DATABACKUP_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define CONFIG_ERR_LEN		512

#define MS_PER_S		1000ULL
#define MS_PER_M		(60 * MS_PER_S)
#define MS_PER_H		(60 * MS_PER_M)
#define MS_PER_DAY		(24 * MS_PER_H)

/* Flags beyond the public CFG_REPEAT and CFG_RESTART. */
#define CFG_REQUIRED		0x10	/* must be set to a non-empty value */
#define CFG_NOSLASH		0x20	/* URL: drop trailing '/' */

enum config_type {
	CFG_DUR,	/* uint64_t ms; "1h30m" */
	CFG_BOOL,	/* int 0/1 */
	CFG_INT,	/* int in [min, max] */
	CFG_STR,	/* char *, NULL when empty */
	CFG_LIST,	/* char **, size_t; space-separated, repeatable */
	CFG_GLOB,	/* struct config_exclude *, size_t */
	CFG_TIME,	/* int minutes after midnight; "HH:MM" */
	CFG_URL,	/* char *, http:// or https:// */
};

struct config_key;
/* Checks (and may shorten in place) one value; fills err on failure. */
typedef int (*config_check_fn)(const struct config_key *, char *, char *,
    size_t);

struct config_key {
	const char	*section;
	const char	*key;
	enum config_type type;
	const char	*def;	/* parsed like a value from the file */
	int		 flags;
	size_t		 off;	/* offsetof(struct config, field) */
	size_t		 noff;	/* LIST, GLOB: offset of the count */
	uint64_t	 min;	/* INT: range; DUR: range in ms */
	uint64_t	 max;
	config_check_fn	 check;	/* STR, URL, LIST items: extra rules */
};

/* One error while loading; sorted by line before they are handed out. */
struct config_err {
	int		 line;	/* 0: about the file as a whole */
	char		*msg;
};

/* What one load knows about one key of the table. */
struct config_keystate {
	int		 line;		/* first line setting the key, or 0 */
	int		 bad;		/* the key had a bad value */
	char		*def_err;	/* why the default fails, or NULL */
};

struct config_parse {
	const char	*file;
	struct config	*cfg;
	const char	*section;	/* current section, or NULL */
	int		 bad_section;	/* inside an unknown section */
	struct config_keystate *key;	/* one per row of the key table */
	struct config_err *errs;
	size_t		 nerrs;
	int		 dropped;	/* errors past CONFIG_ERRORS_MAX */
};

/* config.c */
void		 config_error(struct config_parse *, int, const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));

/* config-type.c */
void		*config_field(const struct config *, size_t);
const char	*config_type_name(enum config_type);
int		 config_type_set(struct config_parse *,
		    const struct config_key *, char *, int, char *, size_t);
char		*config_type_format(const struct config *,
		    const struct config_key *);
void		 config_type_free(struct config *, const struct config_key *);
char		*config_format_duration(uint64_t);

/* config-check.c */
int		 config_has_space(const char *);
int		 config_has_cntrl(const char *);
int		 config_check_object(const struct config_key *, char *, char *,
		    size_t);
int		 config_check_folder(const struct config_key *, char *, char *,
		    size_t);
int		 config_check_project(const struct config_key *, char *, char *,
		    size_t);
int		 config_check_bucket(const struct config_key *, char *, char *,
		    size_t);
int		 config_check_socket(const struct config_key *, char *, char *,
		    size_t);
int		 config_check_group(const struct config_key *, char *, char *,
		    size_t);
int		 config_check_listen(const struct config_key *, char *, char *,
		    size_t);
int		 config_check_email(const struct config_key *, char *, char *,
		    size_t);
int		 config_check_smtp(const struct config_key *, char *, char *,
		    size_t);
int		 config_check_topic(const struct config_key *, char *, char *,
		    size_t);
int		 config_check_readable(const struct config_key *, char *,
		    char *, size_t);
int		 config_check_secret(const struct config_key *, char *, char *,
		    size_t);
int		 config_check_stuck(const struct config_key *, char *, char *,
		    size_t);
int		 config_check_scratch(const struct config_key *, char *, char *,
		    size_t);
int		 config_check_weekly(const struct config_key *, char *, char *,
		    size_t);
int		 config_check_word(const struct config_key *, char *, char *,
		    size_t);
int		 config_check_url(const struct config_key *, char *, char *,
		    size_t);
int		 config_glob_check(const char *, const char **);

#endif
