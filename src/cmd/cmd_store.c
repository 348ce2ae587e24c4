/*	SPDX-License-Identifier: ISC */
/*
 * cmd_store.c: "scepd store migrate --from sqlite:PATH --to URL": copy a
 * store into an empty one (SQLite to PostgreSQL when one node grows into
 * several) as one transaction of the target, then compare what both
 * hold.  It works on stores, not on a data directory; the nodes writing
 * to the source should be stopped first, or the counts will differ.
 */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "action.h"
#include "cmd.h"
#include "log.h"
#include "store.h"

/* The rows "scepd store migrate" compares, in the order it prints them. */
static const struct {
	const char	*name;
	size_t		 off;
} store_rows[] = {
	{ "certificates", offsetof(struct store_counts, certs) },
	{ "  revoked", offsetof(struct store_counts, revoked) },
	{ "  renewals", offsetof(struct store_counts, renewals) },
	{ "transactions", offsetof(struct store_counts, txns) },
	{ "requests", offsetof(struct store_counts, requests) },
	{ "  pending", offsetof(struct store_counts, pending) },
	{ "crls", offsetof(struct store_counts, crls) },
	{ "challenges", offsetof(struct store_counts, challenges) },
	{ "tokens", offsetof(struct store_counts, tokens) },
	{ "audit", offsetof(struct store_counts, audit) },
	{ "txlog", offsetof(struct store_counts, txlog) },
	{ "revision", offsetof(struct store_counts, revision) },
};

static void
store_usage(FILE *fp)
{
	fprintf(fp, "usage: scepd store migrate --from STORE --to STORE\n\n"
	    "Copies every certificate (with its revocation state and renewal "
	    "link),\ntransaction, request, CRL and one-time challenge, and the "
	    "revision, into a\nstore that must be empty, as one transaction; "
	    "then prints the counts of both\nand fails if they differ.\n"
	    "STORE is sqlite:PATH, a PostgreSQL URL (postgresql://...) or\n"
	    "postgresql:CONNINFO (\"host=... dbname=...\").\n");
}

/*
 * "spec" as a store: sqlite:PATH, postgresql://... (postgres://...) or
 * postgresql:CONNINFO.  "cs" points into "spec".
 */
static int
store_spec(const char *spec, struct conf_store *cs)
{
	memset(cs, 0, sizeof(*cs));
	cs->conns = 1;
	if (strncmp(spec, "sqlite:", 7) == 0 && spec[7] != '\0') {
		cs->backend = (char *)"sqlite";
		cs->path = (char *)spec + 7;
	} else if (strncmp(spec, "postgresql://", 13) == 0 ||
	    strncmp(spec, "postgres://", 11) == 0) {
		cs->backend = (char *)"postgresql";
		cs->url = (char *)spec;
	} else if (strncmp(spec, "postgresql:", 11) == 0 && spec[11] != '\0') {
		cs->backend = (char *)"postgresql";
		cs->url = (char *)spec + 11;
	} else
		return -1;
	return 0;
}

/* Print both columns; 0 if every row is the same. */
static int
store_compare(const struct store_counts *from, const struct store_counts *to)
{
	int64_t	 a, b;
	size_t	 i;
	int	 rc = 0;

	printf("%-14s %12s %12s\n", "", "source", "target");
	for (i = 0; i < sizeof(store_rows) / sizeof(store_rows[0]); i++) {
		a = *(const int64_t *)((const char *)from + store_rows[i].off);
		b = *(const int64_t *)((const char *)to + store_rows[i].off);
		printf("%-14s %12lld %12lld%s\n", store_rows[i].name,
		    (long long)a, (long long)b, a == b ? "" : "  DIFFERS");
		if (a != b)
			rc = -1;
	}
	return rc;
}

static int
store_migrate(const char *from, const char *to)
{
	struct conf_store	 fs, ts;
	struct store		*src = NULL, *dst = NULL;
	struct store_counts	 before, copied, after;
	struct action_ctx	 x;
	char			 details[160];
	int			 rc = 1;

	/* Neither spec is echoed: a URL may carry a password. */
	if (store_spec(from, &fs) == -1 || store_spec(to, &ts) == -1) {
		log_warnx("--from and --to: want sqlite:PATH or "
		    "postgresql://...");
		return 2;
	}
	if (strcmp(from, to) == 0) {
		log_warnx("--from and --to name the same store");
		return 2;
	}
	if ((src = store_open(&fs, 0)) == NULL ||
	    (dst = store_open(&ts, 1)) == NULL ||
	    store_counts(src, &before) == -1)
		goto out;
	if (store_import(dst, src, &copied) == -1) {
		log_warnx("nothing was copied");
		goto out;
	}
	if (store_counts(dst, &after) == -1)
		goto out;
	if (store_compare(&before, &after) == -1) {
		log_warnx("the counts differ: was the source written to during "
		    "the copy?");
		goto out;
	}
	action_ctx_cli(&x, dst, NULL);
	snprintf(details, sizeof(details), "{\"certs\":%lld,\"requests\":"
	    "%lld,\"txns\":%lld,\"audit\":%lld}", (long long)copied.certs,
	    (long long)copied.requests, (long long)copied.txns,
	    (long long)copied.audit);
	/* The source is not named: its URL may carry a password. */
	if (action_note(&x, "store.migrate", "store", details, "ok") !=
	    ACTION_OK)
		log_warnx("store migrate: %s", x.why);
	log_info("store migrate: %lld certificates, %lld requests, %lld "
	    "transactions, %lld CRLs copied; counts verified",
	    (long long)copied.certs, (long long)copied.requests,
	    (long long)copied.txns, (long long)copied.crls);
	rc = 0;
 out:
	store_close(dst);
	store_close(src);
	return rc;
}

int
cmd_store(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*from = NULL, *to = NULL;
	int		 ch;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'h': store_usage(stdout); return 0;
		default: store_usage(stderr); return 2;
		}
	}
	if (argc - optind != 1 || strcmp(argv[optind], "migrate") != 0 ||
	    from == NULL || to == NULL) {
		store_usage(stderr);
		return 2;
	}
	return store_migrate(from, to);
}
