/*	SPDX-License-Identifier: ISC */
/*
 * cmd_txlog.c: "scepd txlog list|prune": the transaction log, one row
 * per PKIOperation answered (issue #11 item 4).  The server prunes it
 * hourly by itself (log.transactions_days); prune does it now, for a
 * cron job on nodes that rarely serve, or after lowering the setting.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "log.h"

static void
txlog_usage(FILE *fp)
{
	fprintf(fp, "usage: scepd txlog list [--transaction-id ID] [--peer "
	    "ADDR] [--profile P]\n"
	    "                        [--outcome O] [--limit N] [-d DIR]\n"
	    "       scepd txlog prune [--days N] [-d DIR]\n\n"
	    "list: newest first, tab-separated time (UTC), profile, "
	    "transactionID, message\n  type, outcome, failInfo or \"-\", "
	    "subject, requester, serial or \"-\", ms,\n  reason.\n"
	    "prune: delete rows older than N days (default "
	    "log.transactions_days).\n");
}

static int
txlog_print(const struct store_txlog *t, void *arg)
{
	char when[32];

	cmd_time(t->at, when, sizeof(when));
	printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", when,
	    t->profile, t->txid, t->msgtype, t->outcome, t->fail_info[0] ?
	    t->fail_info : "-", t->subject, t->peer, t->serial[0] ? t->serial :
	    "-", t->duration_ms, t->reason);
	return 0;
}

static int
txlog_prune(struct cmd_env *env, long days)
{
	int64_t n;

	if (days == 0)
		days = env->conf->log.transactions_days;
	if (store_txlog_prune(env->store, (int64_t)time(NULL) - days * 86400,
	    &n) == -1)
		return 1;
	printf("pruned %lld rows older than %ld days\n", (long long)n, days);
	return 0;
}

int
cmd_txlog(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "days", required_argument, NULL, 'n' },
		{ "transaction-id", required_argument, NULL, 't' },
		{ "peer", required_argument, NULL, 'p' },
		{ "profile", required_argument, NULL, 'P' },
		{ "outcome", required_argument, NULL, 'o' },
		{ "limit", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_txlog_filter f = { .limit = 100 };
	const char	*dir = CMD_DEFAULT_DIR, *verb;
	struct cmd_env	 env;
	char		*end;
	long		 days = 0, v;
	int		 ch, rc;

	while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 't': f.txid = optarg; break;
		case 'p': f.peer = optarg; break;
		case 'P': f.profile = optarg; break;
		case 'o': f.outcome = optarg; break;
		case 'n':
		case 'l':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > 3650) {
				log_warnx("--%s: 1 to 3650", ch == 'n' ?
				    "days" : "limit");
				return 2;
			}
			if (ch == 'l')
				f.limit = (int)v;
			else
				days = v;
			break;
		case 'h': txlog_usage(stdout); return 0;
		default: txlog_usage(stderr); return 2;
		}
	}
	verb = optind + 1 == argc ? argv[optind] : "";
	if (strcmp(verb, "list") != 0 && strcmp(verb, "prune") != 0) {
		txlog_usage(stderr);
		return 2;
	}
	if (cmd_open(dir, 0, &env) == -1)
		return 1;
	if (verb[0] == 'p')
		rc = txlog_prune(&env, days);
	else
		rc = store_txlog_list(env.store, &f, txlog_print, NULL) == -1;
	cmd_close(&env);
	return rc;
}
