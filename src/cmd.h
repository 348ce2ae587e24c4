/*	SPDX-License-Identifier: ISC */
/*
 * cmd.h: the subcommands main() dispatches to.  Each takes the argv
 * that follows its name and returns the process exit status.
 */
#ifndef SCEPD_CMD_H
#define SCEPD_CMD_H

#define CMD_DEFAULT_DIR		"./scepd-data"
#define CMD_DEFAULT_LISTEN	"127.0.0.1:8080"

int	cmd_init(int, char **);		/* cmd_init.c */
int	cmd_info(int, char **);		/* cmd_init.c */
int	cmd_serve(int, char **);	/* cmd_serve.c */
int	cmd_cert(int, char **);		/* cmd_cert.c */

/* cmd_init.c: load DIR's configuration, or NULL (logged). */
struct conf;
struct conf	*cmd_conf(const char *dir);

#endif
