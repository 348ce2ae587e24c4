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

#include "cmd.h"
#include "issue.h"
#include "log.h"
#include "pki.h"
#include "server.h"
#include "x509.h"
#include "util.h"

/* Serial collisions tolerated before approve gives up. */
#define REQ_SERIAL_TRIES	4

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

/* Issue the stored CSR and mark the request issued, atomically. */
static int
req_approve(struct cmd_env *env, const struct store_request *r)
{
	const struct server_profile *sp;
	struct issue_ctx	 ic = { .txid = r->txid, .peer = r->peer,
	    .profile = r->profile, .renewed_from = "" };
	struct csr_info		 ci;
	struct store_cert	 rec = { 0 };
	struct x509_st		*x = NULL;
	enum store_put		 p = STORE_PUT_DUP_SERIAL;
	int			 i;

	if ((sp = server_profile(env->srv, r->profile, strlen(r->profile))) ==
	    NULL) {
		log_warnx("request %lld: profile \"%s\" is not configured any "
		    "more", (long long)r->id, r->profile);
		return 1;
	}
	ic.ca = sp->sca->conf->name;
	if (csr_parse(r->csr, r->csrsz, &ci) != SCEP_OK) {
		log_warnx("request %lld: stored CSR unusable: %s",
		    (long long)r->id, ci.why);
		csr_info_clear(&ci);
		return 1;
	}
	for (i = 0; i < REQ_SERIAL_TRIES && p == STORE_PUT_DUP_SERIAL; i++) {
		x509_free(x);
		store_cert_clear(&rec);
		if ((x = issue_sign(sp->sca->ca, &sp->conf->cert, &ci, &ic,
		    &rec)) == NULL)
			break;
		p = store_request_issue(env->store, r->id, &rec);
	}
	if (x != NULL && p == STORE_PUT_OK) {
		log_info("request %lld: issued serial %s to \"%s\" (approved)",
		    (long long)r->id, rec.serial, rec.subject);
		printf("issued %s\n", rec.serial);
	} else if (p == STORE_PUT_STALE)
		log_warnx("request %lld is not pending any more",
		    (long long)r->id);
	x509_free(x);
	store_cert_clear(&rec);
	csr_info_clear(&ci);
	return x != NULL && p == STORE_PUT_OK ? 0 : 1;
}

static int
req_reject(struct cmd_env *env, const struct store_request *r,
    const char *reason)
{
	switch (store_request_reject(env->store, r->id, reason,
	    (int64_t)time(NULL))) {
	case STORE_PUT_OK:
		log_info("request %lld: rejected%s%s", (long long)r->id,
		    reason ? ": " : "", reason ? reason : "");
		printf("rejected %lld\n", (long long)r->id);
		return 0;
	case STORE_PUT_STALE:
		log_warnx("request %lld is not pending", (long long)r->id);
		return 1;
	default:
		return 1;
	}
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
	if (store_request_get(env->store, id, &r, &found) == -1)
		return 1;
	if (!found) {
		log_warnx("no request %lld", id);
		return 1;
	}
	if (strcmp(verb, "show") == 0) {
		req_show(&r, now);
		rc = 0;
	} else if (strcmp(req_status(&r, now), "pending") != 0)
		log_warnx("request %lld is %s, not pending", id,
		    req_status(&r, now));
	else if (strcmp(verb, "approve") == 0)
		rc = req_approve(env, &r);
	else
		rc = req_reject(env, &r, reason);
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
