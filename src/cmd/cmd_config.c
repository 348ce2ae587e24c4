/*	SPDX-License-Identifier: ISC */
/*
 * cmd_config.c: "scepd config check": read the configuration as "serve"
 * would, report every problem with its file and line, then load every
 * CA and RA it names, so that a change can be checked before SIGHUP.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "server.h"

static void
config_usage(FILE *fp)
{
	fprintf(fp, "usage: scepd config check [-d DIR]\n\n"
	    "Reads DIR/scepd.conf, prints every error as FILE:LINE: what, "
	    "loads each CA,\nRA and OCSP signer it names, and exits 0 if all "
	    "is well, 1 otherwise.\n");
}

int
cmd_config(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*dir = CMD_DEFAULT_DIR;
	struct conf	*c;
	struct server	*srv;
	int		 ch;
	size_t		 np, nc;

	while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'h': config_usage(stdout); return 0;
		default: config_usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc || strcmp(argv[optind], "check") != 0) {
		config_usage(stderr);
		return 2;
	}
	if ((c = cmd_conf(dir)) == NULL)
		return 1;
	np = c->nprofiles;
	nc = c->ncas;
	/* No store: the keys and certificates are what is left to check. */
	if ((srv = server_new(c, NULL)) == NULL)
		return 1;
	server_free(srv);
	printf("%s/scepd.conf: ok, %zu profile(s), %zu CA(s)\n", dir, np, nc);
	return 0;
}
