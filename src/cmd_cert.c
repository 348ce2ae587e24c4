/*	SPDX-License-Identifier: ISC */
/*
 * cmd_cert.c: "scepd cert list" and "scepd cert show SERIAL": read the
 * store directly, so they work beside a running server.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "store.h"
#include "util.h"

static void
cert_usage(FILE *fp)
{
	fprintf(fp, "usage: scepd cert list [-d DIR]\n"
	    "       scepd cert show SERIAL [-d DIR]\n\n"
	    "list: one line per issued certificate, tab-separated: serial, "
	    "subject,\n      not-after (UTC), status.  show: the "
	    "certificate as PEM.\n");
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
	time_t		 t = (time_t)c->not_after;
	struct tm	 tm;
	char		 when[32];

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s\t%s\t%s\t%s\n", c->serial, c->subject, when,
	    cert_status(c, *now));
	return 0;
}

/* Serials as people paste them: any case, colons, a 0x prefix. */
static int
cert_serial_norm(const char *in, char *out, size_t sz)
{
	size_t n = 0;

	if (strncasecmp(in, "0x", 2) == 0)
		in += 2;
	for (; *in != '\0'; in++) {
		if (*in == ':')
			continue;
		if (!isxdigit((unsigned char)*in) || n + 1 >= sz)
			return -1;
		out[n++] = (char)toupper((unsigned char)*in);
	}
	out[n] = '\0';
	return n == 0 ? -1 : 0;
}

static int
cert_show(struct store *st, const char *arg)
{
	struct store_cert	c;
	char			serial[STORE_SERIAL_MAX + 1];
	int			found, rc = 1;

	if (cert_serial_norm(arg, serial, sizeof(serial)) == -1) {
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

int
cmd_cert(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*dir = CMD_DEFAULT_DIR, *verb;
	struct conf	*c;
	struct store	*st;
	time_t		 now = time(NULL);
	int		 ch, rc, nargs;

	/* getopt_long permutes: options may follow the words. */
	while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'h': cert_usage(stdout); return 0;
		default: cert_usage(stderr); return 2;
		}
	}
	nargs = argc - optind;
	verb = nargs > 0 ? argv[optind] : "";
	if (!((strcmp(verb, "list") == 0 && nargs == 1) ||
	    (strcmp(verb, "show") == 0 && nargs == 2))) {
		cert_usage(stderr);
		return 2;
	}
	if ((c = cmd_conf(dir)) == NULL)
		return 1;
	if ((st = store_open(&c->store, 0)) == NULL) {
		conf_free(c);
		return 1;
	}
	if (strcmp(verb, "list") == 0)
		rc = store_cert_list(st, cert_list_one, &now) == -1 ? 1 : 0;
	else
		rc = cert_show(st, argv[optind + 1]);
	store_close(st);
	conf_free(c);
	return rc;
}
