/*	SPDX-License-Identifier: ISC */
/*
 * webhook.h: the "webhook" challenge mode (issue 4): ask an external
 * HTTP service whether a request may be issued, and tell it (optionally)
 * what came of it.  webhook.c is the only module that speaks HTTP out.
 *
 * Wire format.  Both calls POST application/json:
 *   {"profile", "transaction_id", "csr" (base64 of the PKCS#10 DER),
 *    "subject" (RFC 2253), "san": [{"type", "value"}...], "requester"}
 * with "type" one of dns, email, uri, ip, other (see csr_san_each()).
 * A notification adds "event" ("issued" or "failed"), "serial" and
 * "reason" (null when absent).
 *
 * Authentication.  Each POST carries
 *   X-Scepd-Timestamp: <Unix seconds>
 *   X-Scepd-Signature: sha256=<lower-case hex HMAC-SHA256(secret, M)>
 * where M is the timestamp, a '.', then the exact body bytes.  Signing
 * the timestamp with the body lets the receiver refuse a replayed
 * request: it recomputes the HMAC over "<header value>.<body>", compares
 * in constant time, and rejects a timestamp more than a few minutes from
 * its own clock.
 *
 * Answer to a check: HTTP 2xx with a JSON object whose "allow" is a
 * boolean; "reason" (a string) explains a refusal.  Anything else is
 * WEBHOOK_ERROR, which the caller must treat as a refusal.
 */
#ifndef SCEPD_WEBHOOK_H
#define SCEPD_WEBHOOK_H

#include <stdatomic.h>
#include <stddef.h>

#define WEBHOOK_ANSWER_MAX	(64 * 1024)	/* bytes of answer read */
#define WEBHOOK_CSR_MAX		(256 * 1024)	/* bytes of CSR sent */
#define WEBHOOK_TIMEOUT_DEFAULT	10000		/* ms, when timeout_ms <= 0 */

/* One profile's webhook settings; nothing is owned, all outlive a call. */
struct webhook_conf {
	const char	*url;		/* POSTed for a decision */
	const char	*secret;	/* HMAC-SHA256 key for the signature header */
	int		 timeout_ms;	/* whole request; timeout = deny */
	const char	*notify_url;	/* optional: success/failure notifications, or NULL */
	const char	*cafile;	/* PEM CAs for an https URL, or NULL: the system's */
	/*
	 * Optional: a transfer still running when now_ms() (util.h) reaches
	 * a nonzero *abort_at is cut short, within about a second.  Lets a
	 * stopping server bound a call that started with a longer timeout.
	 */
	const atomic_llong *abort_at;
};

/* What is asked about; nothing is owned.  NULL strings are sent as null. */
struct webhook_req {
	const char		*profile, *txid, *peer;	/* peer = requester IP */
	const char		*subject;		/* RFC 2253 text */
	const unsigned char	*csr;  size_t csrsz;	/* PKCS#10 DER */
	const unsigned char	*san;  size_t sansz;	/* GeneralNames DER or NULL */
};

enum webhook_verdict {
	WEBHOOK_ALLOW,
	WEBHOOK_DENY,		/* the service said no; "reason" says why */
	WEBHOOK_ERROR,		/* no usable answer; treat as a refusal */
};

/*
 * webhook.c.  Ask conf->url about "rq" and wait at most conf->timeout_ms.
 * "reason" (always NUL-terminated, control characters replaced) gets the
 * service's reason on WEBHOOK_DENY, what failed on WEBHOOK_ERROR (also
 * logged with the transaction ID), and "" on WEBHOOK_ALLOW.
 * Thread-safe once webhook_global_init() has run.
 */
enum webhook_verdict	webhook_check(const struct webhook_conf *,
			    const struct webhook_req *, char *reason,
			    size_t reasonsz);

/*
 * Tell conf->notify_url (if set) that "rq" ended in a certificate with
 * "serial" ("issued" nonzero) or a refusal for "reason".  Either may be
 * NULL.  Waits at most conf->timeout_ms; a failure is only logged.
 */
void			webhook_notify(const struct webhook_conf *,
			    const struct webhook_req *, int issued,
			    const char *serial, const char *reason);

/*
 * The verdict in the answer "b" (util.h's struct buf) that came with
 * HTTP "status": WEBHOOK_ALLOW or WEBHOOK_DENY for a 2xx JSON object
 * with a boolean "allow", else WEBHOOK_ERROR.  "reason" as for
 * webhook_check().  webhook_check() calls it on what the service sent;
 * it is declared here for tests/fuzz/fuzz_webhook.c.
 */
struct buf;
enum webhook_verdict	webhook_verdict_parse(long status,
			    const struct buf *b, char *reason,
			    size_t reasonsz);

/*
 * POST "body" to "url" signed with wc->secret exactly as the calls
 * above (the same headers), plus the header lines of "extra"
 * (NULL-terminated, or NULL), within wc->timeout_ms.  The answer is read
 * (at most WEBHOOK_ANSWER_MAX bytes) and dropped.  0 with *status set to
 * the HTTP status, or -1 with "reason" set (not logged).  events.c
 * delivers its events through this.
 */
int			webhook_send(const struct webhook_conf *,
			    const char *url, const char *body,
			    const char *const *extra, long *status,
			    char *reason, size_t reasonsz);

/*
 * "hex" (2 * HMAC_SHA256_LEN + 1 bytes) receives the lower-case hex of
 * HMAC-SHA256(secret, ts "." body), the X-Scepd-Signature value after
 * "sha256=".  0, or -1 (logged).
 */
int			webhook_sign(const char *secret, const char *ts,
			    const char *body, char *hex);

/* Once at start-up, before any thread exists: 0 or -1. */
int			webhook_global_init(void);
/* Once at exit, after every thread has finished with webhooks. */
void			webhook_global_cleanup(void);

#endif
