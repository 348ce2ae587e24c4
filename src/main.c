/*	SPDX-License-Identifier: ISC */
/*
 * main.c: argv -> subcommand.  Start reading scepd here: each command
 * lives in cmd_<name>.c, the server in cmd_serve.c -> http.c ->
 * engine.c.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"

static const struct {
	const char	*name;
	int		 (*fn)(int, char **);
	const char	*what;
} cmds[] = {
	{ "init", cmd_init, "create a data directory: config, CA, store" },
	{ "serve", cmd_serve, "serve SCEP until SIGINT or SIGTERM" },
	{ "cert", cmd_cert, "list, show or revoke issued certificates" },
	{ "request", cmd_request, "list, show, approve or reject pending "
	    "requests" },
	{ "crl", cmd_crl, "write the current CRL" },
	{ "store", cmd_store, "copy a store into an empty one (SQLite to "
	    "PostgreSQL)" },
	{ "challenge", cmd_challenge, "mint, list or revoke one-time "
	    "challenges" },
	{ "token", cmd_token, "create, list or revoke admin API tokens" },
	{ "audit", cmd_audit, "list the audit log or verify its hash chain" },
	{ "txlog", cmd_txlog, "list or prune the transaction log" },
	{ "config", cmd_config, "check the configuration file" },
	{ "mobileconfig", cmd_mobileconfig, "write an Apple .mobileconfig (CA and "
	    "SCEP payloads)" },
	{ "ca", cmd_ca, "create, import or list CAs; issue RA and OCSP signers" },
	{ "info", cmd_info, "print the SCEP URL, challenge and CA "
	    "fingerprint" },
	{ "intune", cmd_intune, "check an intune profile's tenant; work its "
	    "revocation queue once" },
};

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: scepd COMMAND [options]   (scepd COMMAND "
	    "--help for each)\n\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(fp, "  %-13s %s\n", cmds[i].name, cmds[i].what);
	fprintf(fp, "\n  --version  print the version\n");
}

int
main(int argc, char *argv[])
{
	size_t i;

	log_init(LOG_LVL_INFO);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("scepd %s\n", SCEPD_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "scepd: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
