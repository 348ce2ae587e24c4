/*	SPDX-License-Identifier: ISC */
/*
 * cmd_request.c: "scepd request list|show|approve|reject" for requests
 * waiting under approval.manual (RFC 8894 2.5, 4.4), and "scepd crl".
 * They work on the store directly, beside a running server: the device
 * learns the decision at its next CertPoll.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "action.h"
#include "cmd.h"
#include "events.h"
#include "log.h"
#include "pki.h"
#include "server.h"
#include "x509.h"
#include "util.h"

static void
req_usage(FILE *fp)
{
	fprintf(fp, "usage: scepd request list [-d DIR]\n"
	    "       scepd request show ID [-d DIR]\n"
	    "       scepd request approve ID [-d DIR]\n"
	    "       scepd request reject ID [--reason TEXT] [-d DIR]\n\n"
	    "list: tab-separated id, transactionID, subject, status "
	    "(pending, issued,\n      rejected, expired), created (UTC), "
	    "serial or \"-\".\n");
}

static const char *
req_status(const struct store_request *r, int64_t now)
{
	switch (r->status) {
	case STORE_TXN_ISSUED:
		return "issued";
	case STORE_TXN_REJECTED:
		return "rejected";
	default:
		return r->expires_at <= now ? "expired" : "pending";
	}
}

static int
req_list_one(const struct store_request *r, void *arg)
{
	char when[32];

	cmd_time(r->created_at, when, sizeof(when));
	printf("%lld\t%s\t%s\t%s\t%s\t%s\n", (long long)r->id, r->txid,
	    r->subject, req_status(r, *(int64_t *)arg), when,
	    r->serial[0] ? r->serial : "-");
	return 0;
}

static void
req_show(const struct store_request *r, int64_t now)
{
	char	created[32], expires[32], kid[2 * STORE_KID_LEN + 1];

	cmd_time(r->created_at, created, sizeof(created));
	cmd_time(r->expires_at, expires, sizeof(expires));
	hex_encode(r->signer_kid, STORE_KID_LEN, kid);
	printf("id: %lld\ntransaction: %s\nsubject: %s\nstatus: %s\n"
	    "profile: %s\nrequester: %s\ncreated: %s\nexpires: %s\n"
	    "signer-key-sha256: %s\n", (long long)r->id, r->txid,
	    r->subject, req_status(r, now), r->profile, r->peer, created,
	    expires, kid);
	if (r->serial[0])
		printf("serial: %s\n", r->serial);
	if (r->reason[0])
		printf("reason: %s\n", r->reason);
	pem_print(stdout, "CERTIFICATE REQUEST", r->csr, r->csrsz);
}

/* approve and reject: admin/action.c's, audited as cli:<user>. */
static int
req_decide(struct cmd_env *env, const char *verb, int64_t id,
    const char *reason)
{
	struct action_ctx	x;
	char			serial[STORE_SERIAL_MAX + 1];
	enum action_rc		rc;

	action_ctx_cli(&x, env->store, env->srv);
	x.events = events_start(&env->conf->events, 4);
	if (strcmp(verb, "approve") == 0)
		rc = action_request_approve(&x, id, serial);
	else
		rc = action_request_reject(&x, id, reason);
	events_stop(x.events);
	if (rc != ACTION_OK) {
		log_warnx("request %lld: %s", (long long)id, x.why);
		return rc == ACTION_INVALID ? 2 : 1;
	}
	if (strcmp(verb, "approve") == 0)
		printf("issued %s\n", serial);
	else
		printf("rejected %lld\n", (long long)id);
	return 0;
}

/* show, approve, reject: one request by id. */
static int
req_one(struct cmd_env *env, const char *verb, const char *idarg,
    const char *reason)
{
	struct store_request	 r;
	int64_t			 now = (int64_t)time(NULL);
	long long		 id;
	char			*end;
	int			 found, rc = 1;

	id = strtoll(idarg, &end, 10);
	if (*idarg == '\0' || *end != '\0' || id <= 0) {
		log_warnx("\"%s\" is not a request id", idarg);
		return 2;
	}
	if (strcmp(verb, "show") != 0)
		return req_decide(env, verb, id, reason);
	if (store_request_get(env->store, id, &r, &found) == -1)
		return 1;
	if (!found) {
		log_warnx("no request %lld", id);
		return 1;
	}
	req_show(&r, now);
	rc = 0;
	store_request_clear(&r);
	return rc;
}

int
cmd_request(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "reason", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*dir = CMD_DEFAULT_DIR, *reason = NULL, *verb;
	struct cmd_env	 env;
	int64_t		 now = (int64_t)time(NULL);
	int		 ch, rc, nargs, list;

	while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'r': reason = optarg; break;
		case 'h': req_usage(stdout); return 0;
		default: req_usage(stderr); return 2;
		}
	}
	nargs = argc - optind;
	verb = nargs > 0 ? argv[optind] : "";
	list = strcmp(verb, "list") == 0;
	if (!(list && nargs == 1) && !(nargs == 2 &&
	    (strcmp(verb, "show") == 0 || strcmp(verb, "approve") == 0 ||
	    strcmp(verb, "reject") == 0))) {
		req_usage(stderr);
		return 2;
	}
	if (cmd_open(dir, strcmp(verb, "approve") == 0, &env) == -1)
		return 1;
	if (list)
		rc = store_request_list(env.store, req_list_one, &now) == -1;
	else
		rc = req_one(&env, verb, argv[optind + 1], reason);
	cmd_close(&env);
	return rc;
}

/* "scepd crl": the current CRL, rebuilt if stale, written as DER. */
int
cmd_crl(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "ca", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*dir = CMD_DEFAULT_DIR, *outpath = NULL, *ca = NULL;
	const struct server_ca *sca;
	struct cmd_env	 env;
	unsigned char	*der = NULL;
	char		*def = NULL;
	size_t		 len;
	FILE		*fp;
	int		 ch, rc = 1;

	while ((ch = getopt_long(argc, argv, "d:o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'o': outpath = optarg; break;
		case 'a': ca = optarg; break;
		case 'h':
			printf("usage: scepd crl [--ca NAME] [-d DIR] "
			    "[-o FILE]\nWrites the current CRL (DER) of the CA "
			    "(default: the default CA) to\nFILE, default "
			    "DIR/crl.der (DIR/crl-NAME.der for another CA).\n");
			return 0;
		default:
			fprintf(stderr, "usage: scepd crl [--ca NAME] [-d DIR] "
			    "[-o FILE]\n");
			return 2;
		}
	}
	if (cmd_open(dir, 1, &env) == -1)
		return 1;
	sca = ca == NULL ? &env.srv->cas[0] : server_ca(env.srv, ca,
	    strlen(ca));
	if (sca == NULL) {
		log_warnx("no CA named \"%s\"", ca);
		cmd_close(&env);
		return 1;
	}
	if (outpath == NULL && (ca == NULL ? asprintf(&def, "%s/crl.der",
	    dir) : asprintf(&def, "%s/crl-%s.der", dir, ca)) != -1)
		outpath = def;
	if (outpath != NULL && pki_crl_current(env.srv, sca, &der, &len) ==
	    0) {
		if ((fp = fopen(outpath, "w")) != NULL &&
		    fwrite(der, 1, len, fp) == len && fclose(fp) == 0) {
			printf("%s\n", outpath);
			rc = 0;
		} else
			log_warn("%s", outpath);
	}
	free(der);
	free(def);
	cmd_close(&env);
	return rc;
}
