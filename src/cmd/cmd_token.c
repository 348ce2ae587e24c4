/*	SPDX-License-Identifier: ISC */
/*
 * cmd_token.c: "scepd token create|list|revoke": the admin API's bearer
 * tokens (issue #11 item 3, docs/admin.md).  A new token is printed
 * once, alone on the last line of stdout; the store keeps its SHA-256
 * only.  Creating and revoking go through admin/action.c and are
 * audited as cli:<user>.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "action.h"
#include "cmd.h"
#include "log.h"
#include "util.h"

/* The longest lifetime a token may be given: ten years. */
#define TOKEN_EXPIRES_MAX	(3650L * 86400)

static void
token_usage(FILE *fp)
{
	fprintf(fp, "usage: scepd token create NAME --role viewer|operator|"
	    "auditor|admin\n"
	    "                   [--profiles P1,P2] [--expires 90d] "
	    "[--cert SHA256HEX] [-d DIR]\n"
	    "       scepd token list [-d DIR]\n"
	    "       scepd token revoke NAME [-d DIR]\n\n"
	    "create: prints the new token alone on the last line; it is shown "
	    "only once.\n  --profiles limits it to those profiles; --expires "
	    "is a lifetime (s, m, h, d;\n  default: never); --cert binds a "
	    "client certificate (its SHA-256) to it.\n"
	    "list: tab-separated name, role, profiles (\"*\": all), created, "
	    "expires\n  (\"never\"), state (active, expired, revoked), client "
	    "certificate or \"-\".\n");
}

static int
token_list_one(const struct store_token *t, void *arg)
{
	int64_t	now = *(const int64_t *)arg;
	char	created[32], expires[32], cert[2 * STORE_KID_LEN + 1];

	cmd_time(t->created_at, created, sizeof(created));
	if (t->expires_at != 0)
		cmd_time(t->expires_at, expires, sizeof(expires));
	else
		snprintf(expires, sizeof(expires), "never");
	hex_lower(t->cert, sizeof(t->cert), cert);
	printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t->name, t->role,
	    t->profiles[0] ? t->profiles : "*", created, expires,
	    t->revoked_at ? "revoked" : t->expires_at != 0 &&
	    t->expires_at <= now ? "expired" : "active",
	    t->has_cert ? cert : "-");
	return 0;
}

static int
token_create(struct cmd_env *env, const char *name, const char *role,
    const char *profiles, long expires, const char *cert)
{
	struct action_ctx	x;
	char			tok[ACTION_TOKEN_LEN + 1];
	enum action_rc		rc;

	action_ctx_cli(&x, env->store, NULL);
	if ((rc = action_token_create(&x, name, role, profiles, expires, cert,
	    tok)) != ACTION_OK) {
		log_warnx("token %s: %s", name, x.why);
		return rc == ACTION_INVALID ? 2 : 1;
	}
	printf("token %s (%s%s%s) created; it is shown this once:\n%s\n",
	    name, role, profiles != NULL ? ", profiles " : "",
	    profiles != NULL ? profiles : "", tok);
	explicit_bzero(tok, sizeof(tok));
	return 0;
}

static int
token_revoke(struct cmd_env *env, const char *name)
{
	struct action_ctx	x;
	enum action_rc		rc;

	action_ctx_cli(&x, env->store, NULL);
	if ((rc = action_token_revoke(&x, name)) != ACTION_OK) {
		log_warnx("token %s: %s", name, x.why);
		return rc == ACTION_INVALID ? 2 : 1;
	}
	printf("revoked %s\n", name);
	return 0;
}

int
cmd_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "role", required_argument, NULL, 'r' },
		{ "profiles", required_argument, NULL, 'p' },
		{ "expires", required_argument, NULL, 'e' },
		{ "cert", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*dir = CMD_DEFAULT_DIR, *role = NULL, *profiles = NULL;
	const char	*cert = NULL, *verb;
	struct cmd_env	 env;
	int64_t		 now = (int64_t)time(NULL);
	long		 expires = 0;
	int		 ch, rc, nargs;

	while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'r': role = optarg; break;
		case 'p': profiles = optarg; break;
		case 'c': cert = optarg; break;
		case 'e':
			if ((expires = action_duration(optarg,
			    TOKEN_EXPIRES_MAX)) == -1) {
				log_warnx("--expires \"%s\": a lifetime such "
				    "as 3600, 12h or 90d, up to 3650d", optarg);
				return 2;
			}
			break;
		case 'h': token_usage(stdout); return 0;
		default: token_usage(stderr); return 2;
		}
	}
	nargs = argc - optind;
	verb = nargs > 0 ? argv[optind] : "";
	if (!((strcmp(verb, "list") == 0 && nargs == 1) ||
	    (strcmp(verb, "create") == 0 && nargs == 2 && role != NULL) ||
	    (strcmp(verb, "revoke") == 0 && nargs == 2))) {
		token_usage(stderr);
		return 2;
	}
	if (cmd_open(dir, 0, &env) == -1)
		return 1;
	if (verb[0] == 'l')
		rc = store_token_list(env.store, token_list_one, &now) == -1;
	else if (verb[0] == 'c')
		rc = token_create(&env, argv[optind + 1], role, profiles,
		    expires, cert);
	else
		rc = token_revoke(&env, argv[optind + 1]);
	cmd_close(&env);
	return rc;
}
