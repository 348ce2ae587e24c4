/*	SPDX-License-Identifier: ISC */
/*
 * conf_value.h: how conf.c stores one setting.  A struct conf_key names
 * a setting, its type and where it goes (an offset into a struct whose
 * base the caller gives); CONF_FN settings are parsed by a function of
 * conf_value.c.  Private to conf.c and conf_value.c.
 */
#ifndef SCEPD_CONF_VALUE_H
#define SCEPD_CONF_VALUE_H

#include <stddef.h>

#include <libconfig.h>

#include "conf.h"

enum conf_type {
	CONF_STR,	/* a string */
	CONF_PATH,	/* a string naming a file, relative to the conf dir */
	CONF_INT,	/* an integer within [min, max] */
	CONF_BOOL,	/* true or false, stored as int */
	CONF_SIZE,	/* an integer within [min, max], as size_t */
	CONF_FN,	/* parsed by "fn" */
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
};

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
