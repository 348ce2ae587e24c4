/*	SPDX-License-Identifier: ISC */
/*
 * cmd_intune.c: "scepd intune check|sync --profile P": an admin's first
 * troubleshooting step for challenge.mode intune (docs/intune.md).
 * "check" gets a token and discovers the services, saying in plain
 * words which step failed and what usually causes it; "sync" works the
 * revocation queue once, as the server does every
 * intune.revocation_interval.  Exits 0 on success, 1 on failure.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "intune.h"
#include "intune_sync.h"
#include "log.h"
#include "webhook.h"

static void
intune_usage(FILE *fp)
{
	fprintf(fp, "usage: scepd intune check --profile P [-d DIR]\n"
	    "       scepd intune sync --profile P [-d DIR]\n\n"
	    "check: get a token from Entra ID and ask Microsoft Graph where "
	    "Intune's\n       SCEP services are, as profile P's intune "
	    "settings say; report each step.\n"
	    "sync:  fetch Intune's revocation requests once, revoke what "
	    "profile P issued,\n       and upload the results.\n");
}

/* What usually lies behind a refused token (Entra's AADSTS codes). */
static const char *
intune_token_hint(const struct intune_result *r)
{
	if (strstr(r->desc, "AADSTS7000215") != NULL ||
	    strstr(r->desc, "AADSTS7000222") != NULL)
		return "the client secret is wrong or has expired: make a new "
		    "one in the app registration and put it in "
		    "intune.secret_file";
	if (strstr(r->desc, "AADSTS700016") != NULL)
		return "no application with intune.app_id in this tenant";
	if (strstr(r->desc, "AADSTS90002") != NULL ||
	    strstr(r->desc, "AADSTS900023") != NULL)
		return "intune.tenant names no tenant: use the directory "
		    "(tenant) ID or a verified domain";
	if (strcmp(r->code, "invalid_client") == 0)
		return "Entra ID refused the application's credentials: wrong "
		    "secret, expired secret, or a certificate it does not "
		    "know";
	if (r->http == 0)
		return "Entra ID could not be reached: check intune.authority, "
		    "intune.proxy, DNS and the firewall";
	return "Entra ID refused to issue a token";
}

/* Plain words for the step that failed. */
static void
intune_explain(const struct intune_result *r)
{
	switch (r->step) {
	case INTUNE_STEP_TOKEN:
		printf("token:     FAILED: %s\n", intune_token_hint(r));
		break;
	case INTUNE_STEP_DISCOVERY:
		printf("token:     ok\n");
		if (r->http == 403)
			printf("discovery: FAILED: Microsoft Graph refused "
			    "(HTTP 403): the app lacks the Graph permission "
			    "Application.Read.All, or an administrator has "
			    "not granted admin consent\n");
		else
			printf("discovery: FAILED: Microsoft Graph did not "
			    "list Intune's services (%s)\n", r->http == 0 ?
			    "not reachable: check intune.graph and "
			    "intune.proxy" : "see below");
		break;
	case INTUNE_STEP_NOSERVICE:
		printf("token:     ok\ndiscovery: FAILED: the tenant lists no "
		    "%s: the app lacks the Intune permission "
		    "scep_challenge_provider (with admin consent), or the "
		    "tenant has no Intune licence\n", INTUNE_SCEP_SERVICE);
		break;
	default:
		printf("FAILED\n");
		break;
	}
	printf("details:   %s%s%s (HTTP %ld)\n", r->code, *r->code ? ": " :
	    "", r->desc, r->http);
}

static int
intune_check(const struct conf_profile *pc)
{
	struct intune_result	 r;
	char			 scep[INTUNE_URI_MAX], pki[INTUNE_URI_MAX];

	printf("profile:   %s (tenant %s, app %s)\n", pc->name,
	    pc->intune.tenant, pc->intune.app_id);
	if (intune_probe(&pc->intune, &r, scep, pki) != INTUNE_OK) {
		intune_explain(&r);
		return 1;
	}
	printf("token:     ok\ndiscovery: ok\n");
	printf("%s: %s\n", INTUNE_SCEP_SERVICE, scep);
	if (*pki != '\0')
		printf("%s: %s\n", INTUNE_PKI_SERVICE, pki);
	else
		printf("%s: not listed: the revocation queue cannot be "
		    "fetched\n", INTUNE_PKI_SERVICE);
	return 0;
}

static int
intune_sync_once(const char *dir, const struct conf_profile *pc)
{
	struct cmd_env			 env;
	struct intune_sync_counts	 n;
	char				 holder[160], host[128];
	int				 skipped, rc = 1;

	if (cmd_open(dir, 0, &env) == -1)
		return 1;
	/* A holder of its own: a serving node's lease is respected. */
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "scepd");
	host[sizeof(host) - 1] = '\0';
	snprintf(holder, sizeof(holder), "%s:%ld", host, (long)getpid());
	if (intune_sync_profile(env.store, NULL, pc, holder, &n,
	    &skipped) == 0) {
		if (skipped)
			printf("another node holds the lease of profile %s's "
			    "revocation queue; try again later\n", pc->name);
		else
			printf("%zu requests: %zu revoked, %zu revoked already, "
			    "%zu not found, %zu failed\n", n.requests,
			    n.revoked, n.already, n.unknown, n.failed);
		rc = skipped || n.failed > 0;
	}
	cmd_close(&env);
	return rc;
}

int
cmd_intune(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "profile", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct conf_profile	*pc;
	const char			*dir = CMD_DEFAULT_DIR, *what;
	const char			*profile = NULL;
	struct conf			*c;
	int				 ch, rc;

	if (argc < 2 || (strcmp(argv[1], "check") && strcmp(argv[1],
	    "sync"))) {
		intune_usage(argc > 1 && !strcmp(argv[1], "--help") ? stdout :
		    stderr);
		return argc > 1 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	what = argv[1];
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "d:p:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'p': profile = optarg; break;
		case 'h': intune_usage(stdout); return 0;
		default: intune_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		intune_usage(stderr);
		return 2;
	}
	if ((c = cmd_conf(dir)) == NULL)
		return 1;
	if ((pc = conf_profile_find(c, profile)) == NULL ||
	    pc->policy.challenge_mode != CONF_CHALLENGE_INTUNE) {
		fprintf(stderr, "scepd intune: %s \"%s\" has no challenge."
		    "mode intune\n", pc == NULL ? "no profile" : "profile",
		    profile != NULL ? profile : CONF_DEFAULT);
		conf_free(c);
		return 1;
	}
	if (webhook_global_init() == -1) {
		conf_free(c);
		return 1;
	}
	rc = strcmp(what, "check") == 0 ? intune_check(pc) :
	    intune_sync_once(dir, pc);
	webhook_global_cleanup();
	conf_free(c);
	return rc;
}
