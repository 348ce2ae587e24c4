/*	SPDX-License-Identifier: ISC */
/*
 * cmd_audit.c: "scepd audit list|verify" (issue #11 item 5): read the
 * audit log, and walk its hash chain.  verify exits 0 when every entry
 * is there, unchanged and linked to the one before, and 1 naming the
 * first entry that is not (docs/admin.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "cmd.h"
#include "log.h"
#include "util.h"

struct audit_opts {
	struct store_audit_filter	 f;
	int				 json;
};

static void
audit_usage(FILE *fp)
{
	fprintf(fp, "usage: scepd audit list [--since T] [--until T] "
	    "[--actor A] [--action X]\n"
	    "                        [--limit N] [--json] [-d DIR]\n"
	    "       scepd audit verify [-d DIR]\n\n"
	    "list: newest first, tab-separated seq, time (UTC), actor, "
	    "action, target,\n  outcome, source address or \"-\", details "
	    "(JSON); --json: one JSON object\n  a line.  T: Unix seconds, "
	    "2026-12-01, 2026-12-01T10:00:00Z, or an age (7d).\n"
	    "verify: recompute the hash chain; exit 0 if intact, 1 naming the "
	    "first\n  changed, missing or unlinked entry.\n");
}

static int
audit_print(const struct store_audit *a, void *arg)
{
	const struct audit_opts	*o = arg;
	char			 when[32], *j;

	if (o->json) {
		if ((j = action_audit_json(a)) == NULL)
			return -1;
		printf("%s\n", j);
		free(j);
		return 0;
	}
	cmd_time(a->at, when, sizeof(when));
	printf("%lld\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", (long long)a->seq, when,
	    a->actor, a->action, a->target, a->outcome, a->peer[0] ? a->peer :
	    "-", a->details);
	return 0;
}

static int
audit_verify(struct store *st)
{
	struct store_audit_check	c;
	char				head[2 * STORE_KID_LEN + 1];

	if (store_audit_verify(st, &c) == -1)
		return 1;
	if (c.broken != 0) {
		printf("audit log BROKEN at entry %lld: %s\n",
		    (long long)c.broken, c.why);
		return 1;
	}
	hex_lower(c.head, sizeof(c.head), head);
	printf("audit log intact: %lld entries, head %lld %s\n",
	    (long long)c.entries, (long long)c.head_seq, head);
	return 0;
}

static int
audit_getopt(int argc, char **argv, struct audit_opts *o, const char **dir)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "actor", required_argument, NULL, 'a' },
		{ "action", required_argument, NULL, 'x' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char	*end;
	int	 ch;

	while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': *dir = optarg; break;
		case 'a': o->f.actor = optarg; break;
		case 'x': o->f.action = optarg; break;
		case 'j': o->json = 1; break;
		case 's':
		case 'u':
			if (cmd_time_parse(optarg, ch == 's' ? &o->f.since :
			    &o->f.until) == -1) {
				log_warnx("\"%s\": Unix seconds, 2026-12-01, "
				    "2026-12-01T10:00:00Z or an age (7d)",
				    optarg);
				return 2;
			}
			break;
		case 'l':
			o->f.limit = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || o->f.limit < 1) {
				log_warnx("--limit: a positive number");
				return 2;
			}
			break;
		case 'h': audit_usage(stdout); return 0;
		default: audit_usage(stderr); return 2;
		}
	}
	return -1;
}

int
cmd_audit(int argc, char **argv)
{
	struct audit_opts	 o;
	const char		*dir = CMD_DEFAULT_DIR, *verb;
	struct cmd_env		 env;
	int			 rc;

	memset(&o, 0, sizeof(o));
	if ((rc = audit_getopt(argc, argv, &o, &dir)) != -1)
		return rc;
	verb = optind + 1 == argc ? argv[optind] : "";
	if (strcmp(verb, "list") != 0 && strcmp(verb, "verify") != 0) {
		audit_usage(stderr);
		return 2;
	}
	if (cmd_open(dir, 0, &env) == -1)
		return 1;
	if (verb[0] == 'v')
		rc = audit_verify(env.store);
	else
		rc = store_audit_list(env.store, &o.f, audit_print, &o) == -1;
	cmd_close(&env);
	return rc;
}
