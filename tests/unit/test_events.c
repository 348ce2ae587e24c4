/*	SPDX-License-Identifier: ISC */
/*
 * test_events.c: the events webhook (src/enroll/events.c).  Without a
 * thread: the queue's bound and drop-oldest order, unique ids, nothing
 * queued while events are off, the backoff schedule, every JSON field
 * (nulls, times, non-UTF-8 text), and webhook_sign() against OpenSSL's
 * HMAC.  With the thread, against tests/tools/events_server.py on
 * loopback (which verifies signatures as the challenge webhook's
 * receiver does): a signed delivery with its headers, a CA close to
 * expiry, and a stop that is bounded although the receiver hangs.
 */
#include <sys/wait.h>

#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/hmac.h>

#include "events.h"
#include "server.h"
#include "testutil.h"
#include "util.h"
#include "webhook.h"

#define SECRET		"ev-s3cret"

struct fx {
	pid_t	 pid;		/* events_server.py */
	int	 port;
	char	*dir;
	char	*record;	/* what it received, JSON lines */
};

static int
server_start(struct fx *fx)
{
	struct pollfd	 pfd;
	char		 line[32];
	ssize_t		 n;
	size_t		 got = 0;
	int		 p[2];

	if (pipe(p) == -1 || (fx->pid = fork()) == -1)
		return -1;
	if (fx->pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		execlp("python3", "python3", EVENTS_SERVER, "--secret", SECRET,
		    "--record", fx->record, "--lifetime", "60", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	while (got < sizeof(line) - 1 && memchr(line, '\n', got) == NULL) {
		if (poll(&pfd, 1, 10000) != 1 ||
		    (n = read(p[0], line + got, sizeof(line) - 1 - got)) <= 0)
			break;
		got += (size_t)n;
	}
	close(p[0]);
	line[got] = '\0';
	return (fx->port = atoi(line)) > 0 ? 0 : -1;
}

static int
setup(void **state)
{
	struct fx	*fx;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	*state = fx;
	if (webhook_global_init() == -1 || (fx->dir = tu_tmpdir()) == NULL ||
	    (fx->record = tu_path(fx->dir, "record.jsonl")) == NULL ||
	    server_start(fx) == -1)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;

	if (fx == NULL)
		return 0;
	if (fx->pid > 0) {
		kill(fx->pid, SIGTERM);
		waitpid(fx->pid, NULL, 0);
	}
	tu_rmrf(fx->dir);
	free(fx->dir);
	free(fx->record);
	free(fx);
	webhook_global_cleanup();
	return 0;
}

/* Settings for "path" on the receiver ("" for no URL: events off). */
static struct conf_events
settings(const struct fx *fx, const char *path, char *url, size_t urlsz)
{
	struct conf_events	 c = { .timeout = 5, .retries = 5,
	    .ca_expiry_days = 30 };

	if (*path != '\0') {
		snprintf(url, urlsz, "http://127.0.0.1:%d%s", fx->port, path);
		c.url = url;
		c.secret = (char *)SECRET;
	}
	return c;
}

static void
emit_txid(struct events *ev, int i)
{
	struct event	 e = { .type = EVENT_ISSUED, .profile = "default" };
	char		 txid[32];

	snprintf(txid, sizeof(txid), "tx-%d", i);
	e.txid = txid;
	events_emit(ev, &e);
}

/* At most "max" queued; the oldest go first; ids unique and in order. */
static void
test_bound(void **state)
{
	struct conf_events	 c;
	struct events		*ev;
	struct events_stats	 st;
	struct event_rec	 r;
	char			 url[64], want[32], last[EVENTS_ID_LEN + 1];
	int			 i;

	c = settings(*state, "/ok", url, sizeof(url));
	assert_non_null(ev = events_new(&c, 4));
	for (i = 0; i < 10; i++)
		emit_txid(ev, i);
	events_stats(ev, &st);
	assert_int_equal(st.queued, 4);
	assert_int_equal(st.emitted, 10);
	assert_int_equal(st.dropped, 6);
	last[0] = '\0';
	for (i = 6; i < 10; i++) {
		assert_int_equal(events_take(ev, &r), 1);
		snprintf(want, sizeof(want), "tx-%d", i);
		assert_string_equal(r.txid, want);
		assert_int_equal(strlen(r.id), EVENTS_ID_LEN);
		assert_int_equal(strspn(r.id, "0123456789abcdef"),
		    EVENTS_ID_LEN);
		/* Same random prefix, rising counter: hex compares. */
		assert_true(strcmp(r.id, last) > 0);
		memcpy(last, r.id, sizeof(last));
	}
	assert_int_equal(events_take(ev, &r), 0);
	/* Room again: nothing more is dropped. */
	emit_txid(ev, 10);
	events_stats(ev, &st);
	assert_int_equal(st.queued, 1);
	assert_int_equal(st.dropped, 6);
	events_stop(ev);
}

/* No URL: nothing is kept; removing the URL discards what waits. */
static void
test_off(void **state)
{
	struct conf_events	 on, off;
	struct events		*ev;
	struct events_stats	 st;
	char			 url[64];

	off = settings(*state, "", url, sizeof(url));
	assert_non_null(ev = events_new(&off, 8));
	emit_txid(ev, 1);
	events_stats(ev, &st);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.emitted, 0);
	on = settings(*state, "/ok", url, sizeof(url));
	events_configure(ev, &on);
	emit_txid(ev, 2);
	emit_txid(ev, 3);
	events_stats(ev, &st);
	assert_int_equal(st.queued, 2);
	events_configure(ev, &off);
	events_stats(ev, &st);
	assert_int_equal(st.queued, 0);
	/* A NULL queue (a command that has none) is fine too. */
	emit_txid(NULL, 4);
	events_stop(ev);
	events_stop(NULL);
}

/* 1 s doubling, capped at 5 min, jittered into [d/2, d]. */
static void
test_backoff(void **state)
{
	static const int64_t	 step[] = { 1000, 2000, 4000, 8000, 16000,
	    32000, 64000, 128000, 256000, 300000, 300000 };
	size_t			 i;
	int64_t			 d;

	for (i = 0; i < sizeof(step) / sizeof(step[0]); i++) {
		d = step[i];
		assert_int_equal(events_backoff_ms((int)i + 1, 0), d / 2);
		assert_int_equal(events_backoff_ms((int)i + 1,
		    (uint32_t)(d / 2)), d);
		assert_true(events_backoff_ms((int)i + 1, UINT32_MAX) >= d / 2);
		assert_true(events_backoff_ms((int)i + 1, UINT32_MAX) <= d);
		assert_int_equal(events_backoff_ms((int)i + 1, 7), d / 2 + 7);
	}
	assert_int_equal(events_backoff_ms(1000, 0), 150000);
	assert_int_equal(events_backoff_ms(0, 0), 500);
}

static const char *
jstr(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	assert_non_null(v);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Every field, its name and its form; empty is null. */
static void
test_json(void **state)
{
	struct event_rec	 r;
	json_t			*o;
	json_error_t		 err;
	char			*body;
	static const char *const keys[] = { "id", "type", "time", "profile",
	    "ca", "transaction_id", "request_id", "serial", "subject",
	    "requester", "reason", "fail_info", "actor", "not_after" };
	size_t			 i;

	memset(&r, 0, sizeof(r));
	r.type = EVENT_FAILED;
	r.time = 1764763200;		/* 2025-12-03T12:00:00Z */
	snprintf(r.id, sizeof(r.id), "%032x", 42);
	snprintf(r.profile, sizeof(r.profile), "iphones");
	snprintf(r.txid, sizeof(r.txid), "tx-1");
	snprintf(r.subject, sizeof(r.subject), "CN=caf\xe9");	/* Latin-1 */
	snprintf(r.peer, sizeof(r.peer), "192.0.2.7");
	snprintf(r.reason, sizeof(r.reason), "challenge mismatch");
	snprintf(r.fail_info, sizeof(r.fail_info), "badRequest");
	assert_non_null(body = events_json(&r));
	assert_non_null(o = json_loads(body, JSON_REJECT_DUPLICATES, &err));
	assert_int_equal(json_object_size(o), sizeof(keys) / sizeof(keys[0]));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_non_null(json_object_get(o, keys[i]));
	assert_string_equal(jstr(o, "type"), "enrollment.failed");
	assert_string_equal(jstr(o, "time"), "2025-12-03T12:00:00Z");
	assert_string_equal(jstr(o, "id"), r.id);
	assert_string_equal(jstr(o, "profile"), "iphones");
	assert_string_equal(jstr(o, "transaction_id"), "tx-1");
	assert_string_equal(jstr(o, "subject"), "CN=caf?");
	assert_string_equal(jstr(o, "requester"), "192.0.2.7");
	assert_string_equal(jstr(o, "reason"), "challenge mismatch");
	assert_string_equal(jstr(o, "fail_info"), "badRequest");
	assert_true(json_is_null(json_object_get(o, "ca")));
	assert_true(json_is_null(json_object_get(o, "serial")));
	assert_true(json_is_null(json_object_get(o, "actor")));
	assert_true(json_is_null(json_object_get(o, "request_id")));
	assert_true(json_is_null(json_object_get(o, "not_after")));
	json_decref(o);
	free(body);

	r.type = EVENT_CA_EXPIRING;
	r.request_id = 17;
	r.not_after = 1767225599;	/* 2025-12-31T23:59:59Z */
	assert_non_null(body = events_json(&r));
	assert_non_null(o = json_loads(body, 0, &err));
	assert_string_equal(jstr(o, "type"), "ca.expiring");
	assert_int_equal(json_integer_value(json_object_get(o, "request_id")),
	    17);
	assert_string_equal(jstr(o, "not_after"), "2025-12-31T23:59:59Z");
	json_decref(o);
	free(body);
	for (i = 0; i < EVENT__MAX; i++)
		assert_string_not_equal(events_type_str(i), "?");
	assert_string_equal(events_type_str(EVENT__MAX), "?");
}

/* Strings too long for the queue are cut, never overflow. */
static void
test_truncate(void **state)
{
	struct conf_events	 c;
	struct events		*ev;
	struct event_rec	 r;
	struct event		 e = { .type = EVENT_REVOKED };
	char			 url[64], big[2000];

	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	e.subject = e.reason = e.txid = e.actor = e.serial = e.peer = big;
	e.profile = e.ca = e.fail_info = big;
	c = settings(*state, "/ok", url, sizeof(url));
	assert_non_null(ev = events_new(&c, 2));
	events_emit(ev, &e);
	assert_int_equal(events_take(ev, &r), 1);
	assert_int_equal(strlen(r.subject), sizeof(r.subject) - 1);
	assert_int_equal(strlen(r.txid), sizeof(r.txid) - 1);
	assert_int_equal(strlen(r.serial), sizeof(r.serial) - 1);
	assert_int_equal(strlen(r.fail_info), sizeof(r.fail_info) - 1);
	events_stop(ev);
}

/* webhook_sign() is HMAC-SHA256(secret, ts "." body), lower-case hex. */
static void
test_sign(void **state)
{
	const char	*body = "{\"type\":\"certificate.issued\"}";
	unsigned char	 md[32];
	unsigned int	 mdlen = sizeof(md);
	char		 msg[128], want[65], got[65];

	snprintf(msg, sizeof(msg), "1764763200.%s", body);
	assert_non_null(HMAC(EVP_sha256(), SECRET, strlen(SECRET),
	    (unsigned char *)msg, strlen(msg), md, &mdlen));
	hex_lower(md, sizeof(md), want);
	assert_int_equal(webhook_sign(SECRET, "1764763200", body, got), 0);
	assert_string_equal(got, want);
}

/*
 * The record's first line (parsed) whose body has "key" = "value",
 * waited for up to 10 s; NULL if none came.
 */
static json_t *
record_wait(const struct fx *fx, const char *key, const char *value)
{
	char		 line[8192];
	json_t		*j, *b, *v;
	FILE		*fp;
	int		 i;

	for (i = 0; i < 100; i++) {
		if ((fp = fopen(fx->record, "r")) != NULL) {
			while (fgets(line, sizeof(line), fp) != NULL) {
				if ((j = json_loads(line, 0, NULL)) == NULL)
					continue;
				b = json_object_get(j, "body");
				v = json_object_get(b, key);
				if (json_is_string(v) &&
				    strcmp(json_string_value(v), value) == 0) {
					fclose(fp);
					return j;
				}
				json_decref(j);
			}
			fclose(fp);
		}
		usleep(100 * 1000);
	}
	return NULL;
}

/* A delivery: signed as the receiver checks it, with its headers. */
static void
test_deliver(void **state)
{
	struct fx		*fx = *state;
	struct conf_events	 c;
	struct events		*ev;
	struct events_stats	 st;
	struct event		 e = { .type = EVENT_REVOKED, .serial = "0A1B",
	    .reason = "keyCompromise", .actor = "cli:alice",
	    .txid = "tx-deliver" };
	json_t			*j, *b;
	char			 url[64];

	c = settings(fx, "/ok", url, sizeof(url));
	assert_non_null(ev = events_new(&c, 8));
	assert_int_equal(events_run(ev), 0);
	events_emit(ev, &e);
	assert_non_null(j = record_wait(fx, "transaction_id", "tx-deliver"));
	b = json_object_get(j, "body");
	assert_true(json_is_true(json_object_get(j, "sig_ok")));
	assert_int_equal(json_integer_value(json_object_get(j, "status")), 200);
	assert_string_equal(jstr(j, "event"), "certificate.revoked");
	assert_string_equal(jstr(j, "event_id"), jstr(b, "id"));
	assert_string_equal(jstr(b, "serial"), "0A1B");
	assert_string_equal(jstr(b, "reason"), "keyCompromise");
	assert_string_equal(jstr(b, "actor"), "cli:alice");
	json_decref(j);
	events_stop(ev);

	/* A command's queue: none without a URL; what is emitted arrives. */
	assert_null(events_start(&(struct conf_events){ .timeout = 5 }, 4));
	assert_non_null(ev = events_start(&c, 4));
	e.txid = "tx-start";
	events_emit(ev, &e);
	events_stop(ev);
	assert_non_null(j = record_wait(fx, "transaction_id", "tx-start"));
	json_decref(j);

	/* A wrong secret is refused by the receiver: counted as failed. */
	c.secret = (char *)"not-the-secret";
	c.retries = 0;
	assert_non_null(ev = events_new(&c, 8));
	assert_int_equal(events_run(ev), 0);
	e.txid = "tx-wrong-secret";
	events_emit(ev, &e);
	assert_non_null(j = record_wait(fx, "transaction_id",
	    "tx-wrong-secret"));
	assert_true(json_is_false(json_object_get(j, "sig_ok")));
	json_decref(j);
	/* 401, no retry: given up, not delivered. */
	do {
		usleep(20 * 1000);
		events_stats(ev, &st);
	} while (st.failed == 0 && st.delivered == 0);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.delivered, 0);
	events_stop(ev);
}

/* A CA within ca_expiry_days: a ca.expiring event at start. */
static void
test_ca_expiry(void **state)
{
	struct fx		*fx = *state;
	struct conf_events	 c;
	struct conf_ca		 cc = { .name = (char *)"soon" };
	struct server_ca	 sca = { .conf = &cc };
	struct server		 srv = { .cas = &sca, .ncas = 1 };
	struct events		*ev;
	EVP_PKEY		*k;
	X509			*x;
	json_t			*j, *b;
	char			 url[64];

	assert_non_null(k = tu_key_ec("P-256"));
	assert_non_null(x = tu_cert_self(k, "Soon CA", 1));
	assert_non_null(sca.cader = tu_x509_der(x, &sca.caderlen));
	c = settings(fx, "/ok", url, sizeof(url));
	/* The test CA lives for years: any expiry counts as close. */
	c.ca_expiry_days = 3650 * 3;
	assert_non_null(ev = events_new(&c, 8));
	events_watch(ev, &srv);
	assert_int_equal(events_run(ev), 0);
	assert_non_null(j = record_wait(fx, "ca", "soon"));
	b = json_object_get(j, "body");
	assert_true(json_is_true(json_object_get(j, "sig_ok")));
	assert_string_equal(jstr(b, "type"), "ca.expiring");
	assert_non_null(jstr(b, "not_after"));
	assert_non_null(strstr(jstr(b, "reason"), "expires in"));
	json_decref(j);
	events_stop(ev);
	free(sca.cader);
	X509_free(x);
	EVP_PKEY_free(k);
}

/*
 * A receiver that never answers, a 60 s timeout: stopping still ends
 * within the drain bound (EVENTS_DRAIN_MS, then about a second for the
 * transfer to notice).  A sanity bound, not a measurement.
 */
static void
test_stop_bounded(void **state)
{
	struct fx		*fx = *state;
	struct conf_events	 c;
	struct events		*ev;
	struct events_stats	 st;
	json_t			*j;
	char			 url[64];
	double			 t0;

	c = settings(fx, "/hang", url, sizeof(url));
	c.timeout = 60;
	assert_non_null(ev = events_new(&c, 8));
	assert_int_equal(events_run(ev), 0);
	emit_txid(ev, 100);
	emit_txid(ev, 101);
	/* The first one is in delivery, and will not be answered. */
	assert_non_null(j = record_wait(fx, "transaction_id", "tx-100"));
	json_decref(j);
	events_stats(ev, &st);
	assert_int_equal(st.queued, 2);
	t0 = now_ms();
	events_stop(ev);
	assert_true(now_ms() - t0 < EVENTS_DRAIN_MS + 5000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_sign),
		cmocka_unit_test(test_deliver),
		cmocka_unit_test(test_ca_expiry),
		cmocka_unit_test(test_stop_bounded),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
