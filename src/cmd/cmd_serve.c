/*	SPDX-License-Identifier: ISC */
/*
 * cmd_serve.c: "scepd serve": load the configuration and CA, open the
 * store, bind, then wait for signals in the main thread while
 * libmicrohttpd's workers serve.  SIGINT/SIGTERM drain and exit 0.
 * Files it creates are private (umask 077).  Like the store, the Intune
 * cache (tokens, service URLs) and the thread of Intune's revocation
 * queue (intune_sync.c) live as long as the process, across SIGHUP.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "conf.h"
#include "http.h"
#include "intune.h"
#include "intune_sync.h"
#include "log.h"
#include "server.h"
#include "store.h"
#include "webhook.h"

static void
serve_usage(FILE *fp)
{
	fprintf(fp, "usage: scepd serve [-d DIR] [--listen HOST:PORT] "
	    "[--port-file FILE] [-v]\n\n"
	    "Serves SCEP from DIR (default %s) until SIGINT or SIGTERM.\n"
	    "  --listen     address, default from the config (%s); port 0 "
	    "picks one\n"
	    "  --port-file  write the bound port there once listening\n"
	    "  -v           debug logging\n", CMD_DEFAULT_DIR,
	    CONF_LISTEN_DEFAULT);
}

/* Write the port via a temporary file, so readers never see half. */
static int
serve_port_file(const char *path, int port)
{
	char	*tmp;
	FILE	*fp;
	int	 rc = -1;

	if (asprintf(&tmp, "%s.tmp", path) == -1)
		return -1;
	if ((fp = fopen(tmp, "w")) != NULL) {
		fprintf(fp, "%d\n", port);
		if (fclose(fp) == 0 && rename(tmp, path) == 0)
			rc = 0;
	}
	if (rc == -1)
		log_warn("%s", path);
	free(tmp);
	return rc;
}

/* Warn when the SQLite store may be read by others (its WAL then too). */
static void
serve_private(const struct conf_store *cs)
{
	struct stat sb;

	if (strcmp(cs->backend, "sqlite") != 0 || cs->path == NULL ||
	    stat(cs->path, &sb) == -1 || (sb.st_mode & 077) == 0)
		return;
	log_warnx("%s: mode %04o lets others read the store, and SQLite "
	    "gives its -wal and -shm files the same; chmod 600 it",
	    cs->path, (unsigned int)(sb.st_mode & 07777));
}

/* What lives as long as the process, besides the HTTP listener. */
struct serve_state {
	struct store		*st;
	struct intune_cache	*intune;	/* shared by every server */
	struct intune_sync	*sync;		/* Intune's revocation queue */
};

/*
 * SIGHUP: read the configuration again and load every CA and profile
 * into a new server; requests in flight finish on the old one.  The
 * store and the HTTP listener stay: their settings need a restart.
 * The revocation queue's thread gets a configuration of its own.
 */
static void
serve_reload(struct http *h, const char *dir, struct serve_state *ss)
{
	struct conf	*c;
	struct server	*srv;

	log_info("SIGHUP: reloading %s", dir);
	if ((c = cmd_conf(dir)) == NULL ||
	    (srv = server_new(c, ss->st)) == NULL) {
		log_warnx("reload failed: still serving the previous "
		    "configuration");
		return;
	}
	srv->intune = ss->intune;
	if (http_reload(h, srv) == 0)
		log_info("reloaded: %zu profile(s), %zu CA(s)",
		    srv->nprofiles, srv->ncas);
	if ((c = cmd_conf(dir)) != NULL)
		intune_sync_reload(ss->sync, c);
}

/* Block until a signal that ends the server; reload on SIGHUP. */
static void
serve_wait(const sigset_t *set, struct http *h, const char *dir,
    struct serve_state *ss)
{
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			serve_reload(h, dir, ss);
			continue;
		}
		log_info("signal %d: finishing requests in flight", sig);
		return;
	}
}

/* The process-long Intune cache and revocation thread; -1 logged. */
static int
serve_intune(struct serve_state *ss, const char *dir)
{
	struct conf	*c;

	if ((ss->intune = intune_cache_new()) == NULL ||
	    (c = cmd_conf(dir)) == NULL ||
	    (ss->sync = intune_sync_start(ss->st, ss->intune, c)) == NULL)
		return -1;
	return 0;
}

static void
serve_intune_stop(struct serve_state *ss)
{
	intune_sync_stop(ss->sync);
	intune_cache_free(ss->intune);
}

static int
serve_run(struct conf *c, const char *dir, const char *listen,
    const char *portfile)
{
	struct serve_state	 ss = { 0 };
	struct server		*srv;
	struct store		*st;
	struct http		*h;
	sigset_t		 set;
	int			 port;

	/* Workers inherit this mask, so only sigwait() sees the signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (webhook_global_init() == -1 ||
	    (st = store_open(&c->store, 0)) == NULL) {
		conf_free(c);
		return 1;
	}
	ss.st = st;
	if (serve_intune(&ss, dir) == -1) {
		serve_intune_stop(&ss);
		conf_free(c);
		store_close(st);
		return 1;
	}
	/* From here the server owns the configuration, the HTTP the server. */
	if ((srv = server_new(c, st)) == NULL) {
		serve_intune_stop(&ss);
		store_close(st);
		return 1;
	}
	srv->intune = ss.intune;
	if ((h = http_start(srv, listen, &port)) == NULL) {
		serve_intune_stop(&ss);
		store_close(st);
		return 1;
	}
	log_info("scepd %s serving SCEP on %s (port %d)", SCEPD_VERSION,
	    listen, port);
	/* From now on a flood of bad requests must not flood the log. */
	log_limit(1);
	if (portfile != NULL && serve_port_file(portfile, port) == -1) {
		http_stop(h);
		serve_intune_stop(&ss);
		store_close(st);
		return 1;
	}
	serve_wait(&set, h, dir, &ss);
	http_stop(h);
	serve_intune_stop(&ss);
	store_close(st);
	webhook_global_cleanup();
	log_info("stopped");
	log_flush();
	return 0;
}

int
cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*dir = CMD_DEFAULT_DIR, *listen = NULL;
	const char	*portfile = NULL;
	struct conf	*c;
	char		*copy = NULL;
	int		 ch, rc;

	while ((ch = getopt_long(argc, argv, "d:l:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'l': listen = optarg; break;
		case 'p': portfile = optarg; break;
		case 'v': log_init(LOG_LVL_DEBUG); break;
		case 'h': serve_usage(stdout); return 0;
		default: serve_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		serve_usage(stderr);
		return 2;
	}
	/*
	 * A new store, port file or SQLite journal is nobody else's
	 * business.  (SQLite's -wal and -shm take the database file's
	 * mode, not this: serve_private() says when that is too open.)
	 */
	umask(077);
	if ((c = cmd_conf(dir)) == NULL)
		return 1;
	serve_private(&c->store);
	if (listen == NULL && (listen = copy = strdup(c->http.listen)) ==
	    NULL) {
		conf_free(c);
		return 1;
	}
	rc = serve_run(c, dir, listen, portfile);
	free(copy);
	return rc;
}
