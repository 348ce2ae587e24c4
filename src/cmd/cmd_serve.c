/*	SPDX-License-Identifier: ISC */
/*
 * cmd_serve.c: "scepd serve": load the configuration and CA, open the
 * store, bind, then wait for signals in the main thread while
 * libmicrohttpd's workers serve.  SIGINT/SIGTERM drain and exit 0.
 * Files it creates are private (umask 077).  Like the store, the Intune
 * cache (tokens, service URLs) and the thread of Intune's revocation
 * queue (intune_sync.c) and the events queue (events.c) live as long
 * as the process, across SIGHUP.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "conf.h"
#include "events.h"
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
	    "[--port-file FILE]\n"
	    "    [--admin-listen HOST:PORT] [--admin-port-file FILE] [-v]\n\n"
	    "Serves SCEP from DIR (default %s) until SIGINT or SIGTERM.\n"
	    "  --listen           address, default from the config (%s); "
	    "port 0 picks one\n"
	    "  --port-file        write the bound port there once listening\n"
	    "  --admin-listen     the admin listener's address (API, "
	    "/metrics), default\n"
	    "                     admin.listen; port 0 picks one\n"
	    "  --admin-port-file  write its bound port there\n"
	    "  -v                 debug logging\n", CMD_DEFAULT_DIR,
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

/*
 * What a reload needs; SIGHUP and POST /api/v1/reload (from an admin
 * listener thread) take turns on "mtx".
 */
struct serve_ctx {
	pthread_mutex_t	 mtx;
	struct http	*h;
	const char	*dir;
	struct store	*st;
	struct intune_cache *intune;	/* shared by every server */
	struct intune_sync *sync;	/* Intune's revocation queue */
	struct events	*ev;		/* the events webhook's queue */
};

/* The events queue serves "srv": its settings and CAs. */
static void
serve_events(struct events *ev, struct server *srv)
{
	srv->events = ev;
	events_configure(ev, &srv->conf->events);
	events_watch(ev, srv);
}

/*
 * SIGHUP: read the configuration again and load every CA and profile
 * into a new server; requests in flight finish on the old one.  The
 * listeners' TLS certificates are read again too.  The store and the
 * listeners' other settings stay: they need a restart.  The
 * revocation queue's thread gets a configuration of its own, the
 * events queue the new events settings.  0 or -1.
 */
static int
serve_reload(void *arg)
{
	struct serve_ctx	*x = arg;
	struct conf		*c;
	struct server		*srv;
	int			 rc = -1;

	pthread_mutex_lock(&x->mtx);
	log_info("reloading %s", x->dir);
	if ((c = cmd_conf(x->dir)) == NULL ||
	    (srv = server_new(c, x->st)) == NULL)
		log_warnx("reload failed: still serving the previous "
		    "configuration");
	else {
		srv->intune = x->intune;
		srv->events = x->ev;
		if (http_reload(x->h, srv) == 0) {
			serve_events(x->ev, srv);
			log_info("reloaded: %zu profile(s), %zu CA(s)",
			    srv->nprofiles, srv->ncas);
			rc = 0;
		}
		if ((c = cmd_conf(x->dir)) != NULL)
			intune_sync_reload(x->sync, c);
	}
	pthread_mutex_unlock(&x->mtx);
	return rc;
}

/* Block until a signal that ends the server; reload on SIGHUP. */
static void
serve_wait(const sigset_t *set, struct serve_ctx *x)
{
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info("SIGHUP");
			serve_reload(x);
			continue;
		}
		log_info("signal %d: finishing requests in flight", sig);
		return;
	}
}

/*
 * What lives as long as the process: the Intune cache and revocation
 * thread, the events queue and its thread (configured from "c"); -1
 * logged.
 */
static int
serve_longlived(struct serve_ctx *x, const struct conf *c0)
{
	struct conf	*c;

	if ((x->ev = events_new(&c0->events, EVENTS_QUEUE_DEFAULT)) == NULL ||
	    events_run(x->ev) == -1)
		return -1;
	if ((x->intune = intune_cache_new()) == NULL ||
	    (c = cmd_conf(x->dir)) == NULL ||
	    (x->sync = intune_sync_start(x->st, x->intune, c)) == NULL)
		return -1;
	return 0;
}

/* Requests in flight may still queue events: stop the listeners first. */
static void
serve_longlived_stop(struct serve_ctx *x)
{
	intune_sync_stop(x->sync);
	intune_cache_free(x->intune);
	events_stop(x->ev);
}

/* What "scepd serve" was told on its command line. */
struct serve_args {
	const char	*dir;
	const char	*listen;
	const char	*portfile;
	const char	*admin_listen;	/* NULL: admin.listen, if set */
	const char	*admin_portfile;
};

/*
 * The admin listener, if the command line or the configuration asks
 * for one: 0, or -1 (logged) if it cannot start.
 */
static int
serve_admin(struct serve_ctx *x, const struct conf *c,
    const struct serve_args *a)
{
	struct http_admin	 ha = { a->admin_listen, serve_reload, x };
	int			 port;

	if (ha.listen == NULL)
		ha.listen = c->admin.listen;
	if (ha.listen == NULL) {
		log_info("no admin listener (API, /metrics): set admin.listen "
		    "in scepd.conf or give --admin-listen; docs/deployment.md");
		return 0;
	}
	if (http_admin_start(x->h, &ha, &port) == -1)
		return -1;
	log_info("admin listener on %s (port %d, %s)", ha.listen, port,
	    c->admin.tls_cert != NULL ? "HTTPS" : "HTTP");
	if (a->admin_portfile != NULL &&
	    serve_port_file(a->admin_portfile, port) == -1)
		return -1;
	return 0;
}

static int
serve_run(struct conf *c, const struct serve_args *a)
{
	struct serve_ctx x = { .dir = a->dir };
	struct server	*srv;
	struct store	*st;
	struct http	*h;
	sigset_t	 set;
	int		 port, tls;

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
	x.st = st;
	if (serve_longlived(&x, c) == -1) {
		serve_longlived_stop(&x);
		conf_free(c);
		store_close(st);
		return 1;
	}
	/* From here the server owns the configuration, the HTTP the server. */
	tls = c->http.tls_cert != NULL;
	if ((srv = server_new(c, st)) == NULL) {
		serve_longlived_stop(&x);
		store_close(st);
		return 1;
	}
	srv->intune = x.intune;
	serve_events(x.ev, srv);
	if ((h = http_start(srv, a->listen, &port)) == NULL) {
		serve_longlived_stop(&x);
		store_close(st);
		return 1;
	}
	x.h = h;
	pthread_mutex_init(&x.mtx, NULL);
	log_info("scepd %s serving SCEP on %s (port %d%s)", SCEPD_VERSION,
	    a->listen, port, tls ? ", HTTPS" : "");
	/* "c" is the server's now, and lives as long as it. */
	if ((a->portfile != NULL && serve_port_file(a->portfile, port) == -1) ||
	    serve_admin(&x, c, a) == -1) {
		http_stop(h);
		serve_longlived_stop(&x);
		store_close(st);
		pthread_mutex_destroy(&x.mtx);
		return 1;
	}
	/* From now on a flood of bad requests must not flood the log. */
	log_limit(1);
	serve_wait(&set, &x);
	http_stop(h);
	serve_longlived_stop(&x);
	pthread_mutex_destroy(&x.mtx);
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
		{ "admin-listen", required_argument, NULL, 'A' },
		{ "admin-port-file", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct serve_args a = { .dir = CMD_DEFAULT_DIR };
	const char	*listen = NULL;
	struct conf	*c;
	char		*copy = NULL;
	int		 ch, rc;

	while ((ch = getopt_long(argc, argv, "d:l:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': a.dir = optarg; break;
		case 'l': listen = optarg; break;
		case 'p': a.portfile = optarg; break;
		case 'A': a.admin_listen = optarg; break;
		case 'P': a.admin_portfile = optarg; break;
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
	if ((c = cmd_conf(a.dir)) == NULL)
		return 1;
	serve_private(&c->store);
	if (listen == NULL && (listen = copy = strdup(c->http.listen)) ==
	    NULL) {
		conf_free(c);
		return 1;
	}
	a.listen = listen;
	rc = serve_run(c, &a);
	free(copy);
	return rc;
}
