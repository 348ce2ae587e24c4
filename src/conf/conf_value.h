/*	SPDX-License-Identifier: ISC */
/*
 * conf_value.h: how conf.c stores one setting.  A struct conf_key names
 * a setting, its type, its range and its default, and where it goes (an
 * offset into a struct whose base the caller gives); the CONF_FN types
 * are parsed by a function of conf_value.c.  Private to conf.c and
 * conf_value.c.
 */
#ifndef SCEPD_CONF_VALUE_H
#define SCEPD_CONF_VALUE_H

#include <stddef.h>

#include <libconfig.h>

#include "conf.h"

/* What a setting's value is, and so which default of its row applies. */
enum conf_type {
	CONF_STR,	/* a string; default "sdef" (NULL: unset) */
	CONF_PATH,	/* a string naming a file, relative to the conf dir;
			 * never a default: a file is required or optional */
	CONF_INT,	/* an integer within [min, max]; default "def" */
	CONF_BOOL,	/* true or false, stored as int; default "def" */
	CONF_SIZE,	/* an integer within [min, max], as size_t; "def" */
	CONF_FN_INT,	/* parsed by "fn" into an int; default "def" */
	CONF_FN_STR,	/* parsed by "fn" into a string; default "sdef" */
	CONF_FN,	/* parsed by "fn" into anything else; starts zeroed,
			 * which is "none" for a pattern or a list */
};

struct conf_key;

/* Parse "s" into "field"; -1 (logged with file and line) if wrong. */
typedef int	(*conf_fn)(const struct conf *, const struct conf_key *,
		    config_setting_t *s, void *field);

struct conf_key {
	const char	*name;	/* dotted, relative to its table's group */
	enum conf_type	 type;
	size_t		 off;	/* into the table's struct */
	long long	 min, max;
	conf_fn		 fn;
	long long	 def;	/* default of the int and size types */
	const char	*sdef;	/* default of the string types, or NULL */
};

/*
 * The rows of a settings table, one macro per type, so that each row
 * reads as name, field, range where there is one, and default (the
 * shape of Redis's createIntConfig() and friends).
 */
#define CONF_K_STR(n, f, d)	{ n, CONF_STR, f, 0, 0, NULL, 0, d }
#define CONF_K_PATH(n, f)	{ n, CONF_PATH, f, 0, 0, NULL, 0, NULL }
#define CONF_K_INT(n, f, lo, hi, d) \
				{ n, CONF_INT, f, lo, hi, NULL, d, NULL }
#define CONF_K_BOOL(n, f, d)	{ n, CONF_BOOL, f, 0, 0, NULL, d, NULL }
#define CONF_K_SIZE(n, f, lo, hi, d) \
				{ n, CONF_SIZE, f, lo, hi, NULL, d, NULL }
#define CONF_K_FN_INT(n, f, fn, d) \
				{ n, CONF_FN_INT, f, 0, 0, fn, d, NULL }
#define CONF_K_FN_STR(n, f, fn, d) \
				{ n, CONF_FN_STR, f, 0, 0, fn, 0, d }
#define CONF_K_FN(n, f, fn)	{ n, CONF_FN, f, 0, 0, fn, 0, NULL }
#define CONF_K_END		{ NULL, 0, 0, 0, 0, NULL, 0, NULL }

/*
 * Give every setting of "tab" its row's default in the zeroed struct at
 * "base", before the file is read; -1 if out of memory.
 */
int	conf_defaults(const struct conf_key *tab, void *base);

/* Store setting "s" as "k" says, into the struct at "base". */
int	conf_set(const struct conf *, const struct conf_key *,
	    config_setting_t *s, void *base);
/* "path" relative to the configuration's directory (caller frees). */
char	*conf_resolve(const struct conf *, const char *path);

/* The CONF_FN parsers; each says in a comment what it accepts. */
int	cv_getcacert(const struct conf *, const struct conf_key *,
	    config_setting_t *, void *);
int	cv_challenge_mode(const struct conf *, const struct conf_key *,
	    config_setting_t *, void *);
int	cv_key_usage(const struct conf *, const struct conf_key *,
	    config_setting_t *, void *);
int	cv_eku(const struct conf *, const struct conf_key *,
	    config_setting_t *, void *);
int	cv_digest(const struct conf *, const struct conf_key *,
	    config_setting_t *, void *);
int	cv_subject_mode(const struct conf *, const struct conf_key *,
	    config_setting_t *, void *);
int	cv_regex(const struct conf *, const struct conf_key *,
	    config_setting_t *, void *);
int	cv_san_types(const struct conf *, const struct conf_key *,
	    config_setting_t *, void *);
int	cv_key_types(const struct conf *, const struct conf_key *,
	    config_setting_t *, void *);
int	cv_curves(const struct conf *, const struct conf_key *,
	    config_setting_t *, void *);
int	cv_networks(const struct conf *, const struct conf_key *,
	    config_setting_t *, void *);
int	cv_otherwise(const struct conf *, const struct conf_key *,
	    config_setting_t *, void *);

void	cv_regex_free(struct conf_re *);	/* NULL ok */

#endif
