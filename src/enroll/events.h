/*	SPDX-License-Identifier: ISC */
/*
 * events.h: the events webhook (issue 11, item 7).  What happened to
 * requests and certificates (pending, issued, renewed, revoked,
 * rejected, failed) and CAs close to expiry is POSTed as JSON to
 * events.url, signed like the challenge webhook (webhook.h: headers
 * X-Scepd-Timestamp and X-Scepd-Signature, HMAC-SHA256 over
 * "<timestamp>.<body>").  docs/events.md has the payload.
 *
 * Whoever knows an outcome calls events_emit(), which only copies the
 * event into a bounded in-memory queue: O(1), no I/O, never blocks on
 * the receiver.  One background thread delivers, oldest first, and
 * retries with exponential backoff and jitter.  A full queue drops its
 * oldest event; the thread counts the drops and warns at most once a
 * minute.  The queue belongs to the serving process and lives across
 * SIGHUP (struct server points at it, like at the store); what is still
 * queued at exit is tried once more within EVENTS_DRAIN_MS.
 */
#ifndef SCEPD_EVENTS_H
#define SCEPD_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "store.h"

#define EVENTS_QUEUE_DEFAULT	1024	/* events held for delivery */
#define EVENTS_DRAIN_MS		5000	/* at exit, for what is queued */
#define EVENTS_BACKOFF_BASE_MS	1000	/* wait before the first retry */
#define EVENTS_BACKOFF_MAX_MS	300000	/* longest wait between retries */
#define EVENTS_CHECK_SECS	86400	/* CA expiry: at start, then daily */
#define EVENTS_ID_LEN		32	/* hex digits of an event id */

/* What happened; events_type_str() is the JSON "type". */
enum event_type {
	EVENT_PENDING,		/* request.pending: waits for approval */
	EVENT_ISSUED,		/* certificate.issued (also on approval) */
	EVENT_RENEWED,		/* certificate.renewed */
	EVENT_REVOKED,		/* certificate.revoked */
	EVENT_REJECTED,		/* request.rejected by an administrator */
	EVENT_FAILED,		/* enrollment.failed: a CertRep FAILURE */
	EVENT_CA_EXPIRING,	/* ca.expiring: within ca_expiry_days */
	EVENT__MAX
};

/*
 * One event, as its emitter knows it.  Nothing is owned and nothing is
 * kept: events_emit() copies (and truncates) the strings.  NULL or ""
 * is sent as null.
 */
struct event {
	enum event_type	 type;
	const char	*profile;	/* the profile's name */
	const char	*ca;		/* the CA's name */
	const char	*txid;		/* transactionID */
	int64_t		 request_id;	/* a pending request's id, 0: none */
	const char	*serial;	/* upper-case hex */
	const char	*subject;	/* RFC 2253 text */
	const char	*peer;		/* requester's address */
	const char	*reason;	/* failInfoText, revocation reason
					 * (RFC 5280 name), rejection reason */
	const char	*fail_info;	/* "badRequest", ... (failed) */
	const char	*actor;		/* who decided ("cli:alice", a token
					 * name); NULL for the SCEP engine */
	int64_t		 not_after;	/* ca.expiring: the CA's notAfter */
};

/*
 * An event as queued: fixed-size copies, so that queueing allocates
 * nothing.  Declared here for the tests (events_take()).
 */
struct event_rec {
	enum event_type	 type;
	int64_t		 time;		/* Unix seconds, when emitted */
	char		 id[EVENTS_ID_LEN + 1];
	char		 profile[CONF_NAME_MAX + 1];
	char		 ca[CONF_NAME_MAX + 1];
	char		 txid[STORE_TXID_MAX + 1];
	int64_t		 request_id;
	char		 serial[STORE_SERIAL_MAX + 1];
	char		 subject[256];
	char		 peer[64];
	char		 reason[192];
	char		 fail_info[24];
	char		 actor[96];
	int64_t		 not_after;
};

/* Counters since events_new(), for tests and metrics. */
struct events_stats {
	size_t		 queued;	/* waiting now (with one in delivery) */
	uint64_t	 emitted;	/* accepted by events_emit() */
	uint64_t	 delivered;	/* answered 2xx */
	uint64_t	 dropped;	/* pushed out of a full queue */
	uint64_t	 failed;	/* given up after every retry */
};

struct events;
struct server;

/*
 * events.c.  A queue of at most "max" events (EVENTS_QUEUE_DEFAULT) with
 * the settings of "c" (copied); no thread yet.  NULL (logged) if out of
 * memory.  Free with events_stop().
 */
struct events	*events_new(const struct conf_events *c, size_t max);
/* Start the delivery thread: 0, or -1 (logged). */
int		 events_run(struct events *);
/*
 * For a command that acts once (scepd request approve, cert revoke):
 * events_new() and events_run() if "c" has a URL, else NULL, which
 * events_emit() and events_stop() take as "no events".  NULL also when
 * it cannot start (logged).  events_stop() then delivers what was
 * emitted, within EVENTS_DRAIN_MS.
 */
struct events	*events_start(const struct conf_events *c, size_t max);
/* New settings (SIGHUP); what is queued is sent with them. */
void		 events_configure(struct events *, const struct conf_events *);
/*
 * Watch the CAs of "srv" (copied: names and notAfter): each one within
 * ca_expiry_days of its notAfter gets a ca.expiring event when the
 * thread starts and once a day after.  Only "scepd serve" calls this.
 */
void		 events_watch(struct events *, const struct server *srv);
/*
 * Queue "ev" with a new id and the time now.  Without events.url it is
 * not kept.  NULL "events" is fine (a command without a queue).
 * Thread-safe; never blocks on delivery.
 */
void		 events_emit(struct events *, const struct event *);
/*
 * Stop: deliver what is queued (one attempt each, within
 * EVENTS_DRAIN_MS), join the thread, free everything.  NULL is fine.
 */
void		 events_stop(struct events *);

void		 events_stats(struct events *, struct events_stats *);
/* Take the oldest queued event into "r": 1, or 0 when there is none. */
int		 events_take(struct events *, struct event_rec *r);
/* The JSON body of "r" (docs/events.md), malloc'd, or NULL. */
char		*events_json(const struct event_rec *r);
/* "request.pending", ... */
const char	*events_type_str(enum event_type);
/*
 * Milliseconds to wait before retry "n" (1 = the first retry):
 * EVENTS_BACKOFF_BASE_MS doubled n - 1 times, at most
 * EVENTS_BACKOFF_MAX_MS, then jittered by "rnd" into [d / 2, d].
 */
int64_t		 events_backoff_ms(int n, uint32_t rnd);

#endif
