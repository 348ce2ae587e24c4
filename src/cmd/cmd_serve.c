/*	SPDX-License-Identifier: ISC */
/*
 * cmd_serve.c: "scepd serve": load the configuration and CA, open the
 * store, bind, then wait for signals in the main thread while
 * libmicrohttpd's workers serve.  SIGINT/SIGTERM drain and exit 0.
 * Files it creates are private (umask 077).
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
#include "events.h"
#include "http.h"
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

/* The events queue "ev" serves "srv": its settings and CAs. */
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
 * store, the HTTP listener and the events queue stay: the first two's
 * settings need a restart, the queue takes the new events settings.
 */
static void
serve_reload(struct http *h, const char *dir, struct store *st,
    struct events *ev)
{
	struct conf	*c;
	struct server	*srv;

	log_info("SIGHUP: reloading %s", dir);
	if ((c = cmd_conf(dir)) == NULL ||
	    (srv = server_new(c, st)) == NULL) {
		log_warnx("reload failed: still serving the previous "
		    "configuration");
		return;
	}
	srv->events = ev;
	if (http_reload(h, srv) == 0) {
		serve_events(ev, srv);
		log_info("reloaded: %zu profile(s), %zu CA(s)",
		    srv->nprofiles, srv->ncas);
	}
}

/* Block until a signal that ends the server; reload on SIGHUP. */
static void
serve_wait(const sigset_t *set, struct http *h, const char *dir,
    struct store *st, struct events *ev)
{
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			serve_reload(h, dir, st, ev);
			continue;
		}
		log_info("signal %d: finishing requests in flight", sig);
		return;
	}
}

static int
serve_run(struct conf *c, const char *dir, const char *listen,
    const char *portfile)
{
	struct server	*srv;
	struct store	*st;
	struct http	*h;
	struct events	*ev;
	sigset_t	 set;
	int		 port;

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
	/* Events outlive reloads, like the store: one queue, one thread. */
	if ((ev = events_new(&c->events, EVENTS_QUEUE_DEFAULT)) == NULL ||
	    events_run(ev) == -1) {
		events_stop(ev);
		store_close(st);
		conf_free(c);
		return 1;
	}
	/* From here the server owns the configuration, the HTTP the server. */
	if ((srv = server_new(c, st)) == NULL) {
		events_stop(ev);
		store_close(st);
		return 1;
	}
	serve_events(ev, srv);
	if ((h = http_start(srv, listen, &port)) == NULL) {
		events_stop(ev);
		store_close(st);
		return 1;
	}
	log_info("scepd %s serving SCEP on %s (port %d)", SCEPD_VERSION,
	    listen, port);
	/* From now on a flood of bad requests must not flood the log. */
	log_limit(1);
	if (portfile != NULL && serve_port_file(portfile, port) == -1) {
		http_stop(h);
		events_stop(ev);
		store_close(st);
		return 1;
	}
	serve_wait(&set, h, dir, st, ev);
	/* Requests in flight may still queue events: stop those first. */
	http_stop(h);
	events_stop(ev);
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
