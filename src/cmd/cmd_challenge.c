/*	SPDX-License-Identifier: ISC */
/*
 * cmd_challenge.c: "scepd challenge new|list": one-time challenges of
 * dynamic profiles, minted from the command line (an MDM may fetch them
 * from the NDES-style page instead).  Works beside a running server and
 * on any node of a shared store: the store is the only state.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "challenge.h"
#include "action.h"
#include "cmd.h"
#include "log.h"
#include "util.h"

static void
chal_usage(FILE *fp)
{
	fprintf(fp, "usage: scepd challenge new --profile P [--ttl DURATION] "
	    "[--subject PATTERN] [-d DIR]\n"
	    "       scepd challenge list [-d DIR]\n"
	    "       scepd challenge revoke ID [-d DIR]\n\n"
	    "new: print a one-time challenge for dynamic profile P, valid for "
	    "DURATION\n     (seconds, or with a suffix s, m, h, d; default the "
	    "profile's challenge.ttl),\n     usable only by a request whose "
	    "subject matches PATTERN (POSIX ERE)\n     if given.  Only its "
	    "SHA-256 is stored.\n"
	    "list: tab-separated profile, created, expires (UTC), state "
	    "(open, used,\n     expired), subject pattern or \"-\", ID (the "
	    "challenge's SHA-256).\nrevoke: make open challenge ID "
	    "unusable.\n");
}

static int
chal_list_one(const struct store_challenge *ch, void *arg)
{
	const time_t	*now = arg;
	char		 created[32], expires[32], id[2 * STORE_KID_LEN + 1];

	cmd_time(ch->created_at, created, sizeof(created));
	cmd_time(ch->expires_at, expires, sizeof(expires));
	hex_lower(ch->hash, sizeof(ch->hash), id);
	printf("%s\t%s\t%s\t%s\t%s\t%s\n", ch->profile, created, expires,
	    ch->used_at != 0 ? "used" : ch->expires_at <= (int64_t)*now ?
	    "expired" : "open", ch->subject[0] ? ch->subject : "-", id);
	return 0;
}

/* new and revoke: admin/action.c's, audited as cli:<user>. */
static int
chal_new(struct cmd_env *env, const char *profile, long ttl,
    const char *subject)
{
	struct action_ctx	 x;
	char			 token[CHALLENGE_HEX + 1], when[32];
	char			 id[2 * STORE_KID_LEN + 1];
	int64_t			 exp;
	enum action_rc		 rc;

	action_ctx_cli(&x, env->store, NULL);
	x.conf = env->conf;
	if ((rc = action_challenge_mint(&x, profile, ttl, subject, token, id,
	    &exp)) != ACTION_OK) {
		log_warnx("profile %s: %s", profile, x.why);
		return rc == ACTION_INVALID ? 2 : 1;
	}
	cmd_time(exp, when, sizeof(when));
	printf("%s\n", token);
	log_info("profile %s: one-time challenge valid until %s%s%s",
	    profile, when, subject ? " for subjects matching " : "",
	    subject ? subject : "");
	explicit_bzero(token, sizeof(token));
	return 0;
}

static int
chal_revoke(struct cmd_env *env, const char *id)
{
	struct action_ctx	x;
	enum action_rc		rc;

	action_ctx_cli(&x, env->store, NULL);
	if ((rc = action_challenge_revoke(&x, id)) != ACTION_OK) {
		log_warnx("challenge %s: %s", id, x.why);
		return rc == ACTION_INVALID ? 2 : 1;
	}
	printf("revoked %s\n", id);
	return 0;
}

int
cmd_challenge(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "profile", required_argument, NULL, 'p' },
		{ "ttl", required_argument, NULL, 't' },
		{ "subject", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*dir = CMD_DEFAULT_DIR, *profile = NULL, *subject = NULL;
	const char	*verb;
	struct cmd_env	 env;
	time_t		 now = time(NULL);
	long		 ttl = 0;
	int		 ch, rc;

	while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'p': profile = optarg; break;
		case 's': subject = optarg; break;
		case 't':
			if ((ttl = action_duration(optarg, 366L * 86400)) ==
			    -1) {
				log_warnx("--ttl \"%s\": want seconds, or a "
				    "number with s, m, h or d, up to 366d",
				    optarg);
				return 2;
			}
			break;
		case 'h': chal_usage(stdout); return 0;
		default: chal_usage(stderr); return 2;
		}
	}
	verb = optind < argc ? argv[optind] : "";
	if (!(optind + 2 == argc && strcmp(verb, "revoke") == 0) &&
	    (optind + 1 != argc || (strcmp(verb, "new") != 0 &&
	    strcmp(verb, "list") != 0) || (verb[0] == 'n' && profile == NULL))) {
		chal_usage(stderr);
		return 2;
	}
	if (cmd_open(dir, 0, &env) == -1)
		return 1;
	if (verb[0] == 'n')
		rc = chal_new(&env, profile, ttl, subject);
	else if (verb[0] == 'r')
		rc = chal_revoke(&env, argv[optind + 1]);
	else
		rc = store_challenge_list(env.store, chal_list_one, &now) == -1;
	cmd_close(&env);
	return rc;
}
