/*	SPDX-License-Identifier: ISC */
/*
 * cmd_cert.c: "scepd cert list" and "scepd cert show SERIAL": read the
 * store directly, so they work beside a running server.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "action.h"
#include "cmd.h"
#include "conf.h"
#include "events.h"
#include "log.h"
#include "store.h"
#include "util.h"

static void
cert_usage(FILE *fp)
{
	fprintf(fp, "usage: scepd cert list [-d DIR]\n"
	    "       scepd cert show SERIAL [-d DIR]\n"
	    "       scepd cert revoke SERIAL [--reason REASON] [-d DIR]\n\n"
	    "list: one line per issued certificate, tab-separated: serial, "
	    "subject,\n      not-after (UTC), status, the serial it renewed "
	    "or \"-\".\nshow: the certificate as PEM.\n"
	    "revoke: REASON is an RFC 5280 name: unspecified, keyCompromise, "
	    "cACompromise,\n      affiliationChanged, superseded, "
	    "cessationOfOperation, certificateHold,\n      "
	    "privilegeWithdrawn, aACompromise.\n");
}

static const char *
cert_status(const struct store_cert *c, time_t now)
{
	if (c->status == STORE_CERT_REVOKED)
		return "revoked";
	return c->not_after < (int64_t)now ? "expired" : "valid";
}

static int
cert_list_one(const struct store_cert *c, void *arg)
{
	const time_t	*now = arg;
	char		 when[32];

	cmd_time(c->not_after, when, sizeof(when));
	printf("%s\t%s\t%s\t%s\t%s\n", c->serial, c->subject, when,
	    cert_status(c, *now), c->renewed_from[0] ? c->renewed_from : "-");
	return 0;
}

static int
cert_show(struct store *st, const char *arg)
{
	struct store_cert	c;
	char			serial[STORE_SERIAL_MAX + 1];
	int			found, rc = 1;

	if (action_serial_norm(arg, serial, sizeof(serial)) == -1) {
		log_warnx("\"%s\" is not a serial number in hex", arg);
		return 2;
	}
	if (store_cert_get(st, serial, &c, &found) == -1)
		return 1;
	if (!found) {
		log_warnx("no certificate with serial %s", serial);
		return 1;
	}
	if (pem_print(stdout, "CERTIFICATE", c.der, c.dersz) == 0)
		rc = 0;
	store_cert_clear(&c);
	return rc;
}

/*
 * RFC 5280 5.3.1: mark revoked; the next CRL and OCSP answer show it.
 * admin/action.c's, audited as cli:<user>.
 */
static int
cert_revoke(struct cmd_env *env, const char *arg, const char *reason_name)
{
	struct action_ctx	x;
	enum action_rc		rc;
	char			serial[STORE_SERIAL_MAX + 1];

	action_ctx_cli(&x, env->store, NULL);
	/* The events webhook hears of it, as from the API (bounded wait). */
	x.events = events_start(&env->conf->events, 4);
	rc = action_cert_revoke(&x, arg, reason_name);
	events_stop(x.events);
	if (rc != ACTION_OK) {
		log_warnx("%s: %s", arg, x.why);
		return rc == ACTION_INVALID ? 2 : 1;
	}
	if (action_serial_norm(arg, serial, sizeof(serial)) == 0)
		printf("revoked %s\n", serial);
	return 0;
}

int
cmd_cert(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "reason", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*dir = CMD_DEFAULT_DIR, *verb, *reason = NULL;
	struct cmd_env	 env;
	time_t		 now = time(NULL);
	int		 ch, rc, nargs;

	/* getopt_long permutes: options may follow the words. */
	while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'r': reason = optarg; break;
		case 'h': cert_usage(stdout); return 0;
		default: cert_usage(stderr); return 2;
		}
	}
	nargs = argc - optind;
	verb = nargs > 0 ? argv[optind] : "";
	if (!((strcmp(verb, "list") == 0 && nargs == 1) ||
	    (strcmp(verb, "show") == 0 && nargs == 2) ||
	    (strcmp(verb, "revoke") == 0 && nargs == 2))) {
		cert_usage(stderr);
		return 2;
	}
	if (cmd_open(dir, 0, &env) == -1)
		return 1;
	if (strcmp(verb, "list") == 0)
		rc = store_cert_list(env.store, cert_list_one, &now) == -1 ?
		    1 : 0;
	else if (strcmp(verb, "show") == 0)
		rc = cert_show(env.store, argv[optind + 1]);
	else
		rc = cert_revoke(&env, argv[optind + 1], reason);
	cmd_close(&env);
	return rc;
}
