/*	SPDX-License-Identifier: ISC */
/*
 * cmd_common.c: what the admin commands share: opening a data
 * directory's configuration, store and (when signing) CA, and printing
 * times the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "action.h"
#include "cmd.h"
#include "log.h"
#include "server.h"

struct conf *
cmd_conf(const char *dir)
{
	struct conf	*c;
	char		*path;

	if ((path = conf_path(dir)) == NULL)
		return NULL;
	c = conf_load(path);
	free(path);
	return c;
}

int
cmd_open(const char *dir, int need_ca, struct cmd_env *env)
{
	memset(env, 0, sizeof(*env));
	if ((env->conf = cmd_conf(dir)) == NULL ||
	    (env->store = store_open(&env->conf->store, 0)) == NULL)
		goto err;
	/* server_new() owns the configuration from here, even on error. */
	if (need_ca && (env->srv = server_new(env->conf, env->store)) ==
	    NULL) {
		env->conf = NULL;
		goto err;
	}
	return 0;
 err:
	cmd_close(env);
	return -1;
}

void
cmd_close(struct cmd_env *env)
{
	if (env->srv != NULL)
		server_free(env->srv);		/* and the configuration */
	else
		conf_free(env->conf);
	store_close(env->store);
	memset(env, 0, sizeof(*env));
}

void
cmd_time(int64_t t, char *buf, size_t sz)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	gmtime_r(&tt, &tm);
	strftime(buf, sz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
cmd_time_parse(const char *s, int64_t *out)
{
	struct tm	 tm;
	const char	*e;
	char		*end;
	long long	 n;
	long		 ago;

	if ((ago = action_duration(s, 3650L * 86400)) > 0 &&
	    strspn(s, "0123456789") != strlen(s)) {
		*out = (int64_t)time(NULL) - ago;
		return 0;
	}
	if (strspn(s, "0123456789") == strlen(s) && *s != '\0') {
		n = strtoll(s, &end, 10);
		*out = n;
		return n > 0 ? 0 : -1;
	}
	memset(&tm, 0, sizeof(tm));
	if ((e = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL) {
		memset(&tm, 0, sizeof(tm));
		e = strptime(s, "%Y-%m-%d", &tm);
	}
	if (e == NULL || *e != '\0')
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}
