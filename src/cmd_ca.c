/*	SPDX-License-Identifier: ISC */
/*
 * cmd_ca.c: "scepd ca ...": certificates the CA issues to scepd's own
 * services.  Today the delegated OCSP signer (RFC 6960 4.2.2.2), which
 * keeps the CA key out of the busiest signing path and lets a relying
 * party pin a short-lived responder certificate.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "util.h"

static void
ca_usage(FILE *fp)
{
	fprintf(fp, "usage: scepd ca ocsp-signer [--days N] [-d DIR]\n\n"
	    "ocsp-signer: issue a delegated OCSP signing certificate "
	    "(default 90 days)\n      into DIR/ocsp.pem and DIR/ocsp.key, "
	    "and print the settings that enable it.\n");
}

static int
ca_ocsp_signer(const char *dir, int days)
{
	struct cmd_env	 env;
	char		*cert = NULL, *key = NULL;
	int		 rc = 1;

	if (cmd_open(dir, 1, &env) == -1)
		return 1;
	if (asprintf(&cert, "%s/ocsp.pem", env.conf->dir) == -1 ||
	    asprintf(&key, "%s/ocsp.key", env.conf->dir) == -1) {
		log_warn("ca ocsp-signer");
		goto out;
	}
	if (ca_create_ocsp_signer(env.ca, cert, key, days) == -1)
		goto out;
	printf("wrote %s and %s\nadd to %s and restart scepd serve:\n"
	    "ocsp: {\n  signer_cert = \"ocsp.pem\";\n"
	    "  signer_key = \"ocsp.key\";\n};\n", cert, key, env.conf->path);
	rc = 0;
 out:
	free(cert);
	free(key);
	cmd_close(&env);
	return rc;
}

int
cmd_ca(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "days", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*dir = CMD_DEFAULT_DIR;
	char		*end;
	long		 days = 90;
	int		 ch;

	while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'n':
			days = strtol(optarg, &end, 10);
			if (*end != '\0' || days < 1 || days > 3650) {
				log_warnx("--days: want 1 to 3650");
				return 2;
			}
			break;
		case 'h':
			ca_usage(stdout);
			return 0;
		default:
			ca_usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc || strcmp(argv[optind], "ocsp-signer") != 0) {
		ca_usage(stderr);
		return 2;
	}
	return ca_ocsp_signer(dir, (int)days);
}
