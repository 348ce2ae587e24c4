/*	SPDX-License-Identifier: ISC */
/*
 * cmd.h: the subcommands main() dispatches to.  Each takes the argv
 * that follows its name and returns the process exit status.
 */
#ifndef SCEPD_CMD_H
#define SCEPD_CMD_H

#define CMD_DEFAULT_DIR		"./scepd-data"

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "store.h"

int	cmd_init(int, char **);		/* cmd_init.c */
int	cmd_info(int, char **);		/* cmd_init.c */
int	cmd_serve(int, char **);	/* cmd_serve.c */
int	cmd_cert(int, char **);		/* cmd_cert.c */
int	cmd_request(int, char **);	/* cmd_request.c */
int	cmd_crl(int, char **);		/* cmd_request.c */
int	cmd_ca(int, char **);		/* cmd_ca.c */
int	cmd_mobileconfig(int, char **);	/* cmd_mobileconfig.c */
int	cmd_challenge(int, char **);	/* cmd_challenge.c */
int	cmd_config(int, char **);	/* cmd_config.c */
int	cmd_store(int, char **);	/* cmd_store.c */
int	cmd_token(int, char **);	/* cmd_token.c */
int	cmd_audit(int, char **);	/* cmd_audit.c */
int	cmd_txlog(int, char **);	/* cmd_txlog.c */
int	cmd_intune(int, char **);	/* cmd_intune.c */

struct server;

/* What an admin command works on (cmd_common.c). */
struct cmd_env {
	struct conf	*conf;		/* owned by srv once there is one */
	struct store	*store;
	struct server	*srv;		/* every CA loaded: only when asked */
};

/* Load DIR's configuration, or NULL (logged). */
struct conf	*cmd_conf(const char *dir);
/*
 * Configuration, store and, if "need_ca", every CA and profile as
 * "scepd serve" would load them; -1 logged.
 */
int		 cmd_open(const char *dir, int need_ca, struct cmd_env *);
void		 cmd_close(struct cmd_env *);
/* ISO 8601 UTC. */
void		 cmd_time(int64_t, char *, size_t);
/*
 * A time as given on the command line: Unix seconds, ISO 8601 UTC
 * ("2026-12-01", "2026-12-01T10:00:00Z") or an age ("7d": 7 days ago).
 */
int		 cmd_time_parse(const char *, int64_t *);

#endif
