/*	SPDX-License-Identifier: ISC */
/*
 * store.h: the only way the rest of scepd reaches persistent state.
 * Backends (store_sqlite.c, store_pgsql.c) fill a struct store_ops and
 * are called from store.c alone.  Operations return 0 or -1, except
 * the writes that can lose to another writer: those return enum
 * store_put (store_cert_revoke(): enum store_revoke), whose one failure
 * is -1 as well.  A failure is logged where it happens; a missing row
 * is 0 with *found = 0.  All calls are safe from any thread: backends
 * keep a pool of connections.  Both
 * backends give the same answers to the same calls; a PostgreSQL store
 * may be shared by several scepd processes, so nothing here relies on
 * in-process locks: constraints and conditional updates decide races.
 */
#ifndef SCEPD_STORE_H
#define SCEPD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

#define STORE_SERIAL_MAX	40	/* hex digits of a serial, 20 bytes */
#define STORE_TXID_MAX		256
#define STORE_KID_LEN		32	/* SHA-256 of a SubjectPublicKeyInfo */
#define STORE_NAME_MAX		63	/* profile and CA names */

/*
 * The CA of a certificate or CRL whose "ca" is "" when it is written:
 * the top-level CA, which conf.h calls CONF_DEFAULT.  Rows written
 * before there were several CAs hold it, put there by the schema
 * migrations, so it can never change.
 */
#define STORE_CA_DEFAULT	"default"

enum store_cert_status {
	STORE_CERT_VALID = 0,
	STORE_CERT_REVOKED = 1,
};

/*
 * One issued certificate.  From store_cert_get() the caller owns
 * "der" and "subject" (free with store_cert_clear()); when passed
 * in, the store copies what it needs.
 */
struct store_cert {
	char		 serial[STORE_SERIAL_MAX + 1];	/* upper-case hex */
	char		*subject;	/* RFC 2253 text, for searching */
	int64_t		 not_before;	/* Unix seconds */
	int64_t		 not_after;
	int		 status;	/* enum store_cert_status */
	int64_t		 issued_at;
	char		 txid[STORE_TXID_MAX + 1];
	char		 profile[64];
	char		 peer[64];	/* requester address */
	unsigned char	*der;		/* the certificate */
	size_t		 dersz;
	int64_t		 revoked_at;	/* if revoked */
	int		 revoke_reason;	/* RFC 5280 CRLReason, -1 none */
	char		 renewed_from[STORE_SERIAL_MAX + 1]; /* "" if new */
	char		 ca[STORE_NAME_MAX + 1];	/* issuing CA's name */
	/*
	 * subjectAltNames as text ("dns:a.example, ip:192.0.2.1"), for
	 * searching; "" or NULL when none, and for rows stored before the
	 * column existed (schema 6 / 4), which cannot be decoded in SQL.
	 */
	char		*sans;
};

/* What OCSP, renewal and GetCert need of a certificate, cheaply. */
struct store_status {
	int		 status;	/* enum store_cert_status */
	int64_t		 not_after;
	int64_t		 revoked_at;
	int		 revoke_reason;
	char		 ca[STORE_NAME_MAX + 1];	/* issuing CA's name */
};

enum store_txn_status {
	STORE_TXN_ISSUED = 0,		/* pkiStatus SUCCESS */
	STORE_TXN_REJECTED = 2,		/* FAILURE */
	STORE_TXN_PENDING = 3,		/* PENDING */
};

/*
 * A request waiting for an administrator (approval.manual).  From
 * store_request_get() the caller owns the malloc'd members: free with
 * store_request_clear().
 */
struct store_request {
	int64_t		 id;
	char		 txid[STORE_TXID_MAX + 1];
	unsigned char	 signer_kid[STORE_KID_LEN];
	unsigned char	 csr_kid[STORE_KID_LEN];
	unsigned char	*csr;		/* the PKCS#10, DER */
	size_t		 csrsz;
	char		*subject;
	char		 profile[64];
	char		 peer[64];
	int64_t		 created_at;
	int64_t		 expires_at;
	int		 status;	/* enum store_txn_status */
	char		 serial[STORE_SERIAL_MAX + 1];	/* once issued */
	char		 reason[256];	/* why rejected */
	int64_t		 decided_at;	/* approved or rejected, else 0 */
};

/*
 * One CRL of one CA.  From store_crl_latest() the caller owns "der"
 * (free with store_crl_clear()); store_crl_put() copies what it needs.
 */
struct store_crl {
	char		 ca[STORE_NAME_MAX + 1];	/* whose CRL */
	int64_t		 number;
	int64_t		 revision;	/* store revision it reflects */
	int64_t		 this_update;
	int64_t		 next_update;
	unsigned char	*der;
	size_t		 dersz;
};

/* What store_cert_revoke() found. */
enum store_revoke {
	STORE_REVOKE_DONE = 0,
	STORE_REVOKE_ALREADY,
	STORE_REVOKE_UNKNOWN,
	STORE_REVOKE_ERROR = -1,
};

/*
 * A finished SCEP transaction, keyed by transactionID and the hash of
 * the signer's public key (checklist section 10): what a resent
 * PKCSReq of the same transaction must get back.
 */
struct store_txn {
	char		 txid[STORE_TXID_MAX + 1];
	unsigned char	 signer_kid[STORE_KID_LEN];
	unsigned char	 csr_kid[STORE_KID_LEN];	/* key certified */
	char		 serial[STORE_SERIAL_MAX + 1];	/* the certificate */
	int		 status;	/* enum store_txn_status */
	int64_t		 request_id;	/* pending or decided request, or 0 */
	/*
	 * Filled by store_txn_get() and store_txn_list(); store_issue()
	 * and store_request_put() use the certificate's or request's time
	 * instead, store_import() keeps it.
	 */
	int64_t		 created_at;
	/*
	 * To store_issue(): if not "", the transaction may already exist
	 * with this serial (a renewal signed by the certificate its own
	 * enrolment issued, reusing that transactionID, as scepclient and
	 * certmonger do) and is then moved on to the new certificate.
	 */
	char		 replaces[STORE_SERIAL_MAX + 1];
	/*
	 * To store_issue() and store_request_put(): a one-time challenge
	 * (its SHA-256) consumed in the same transaction, so that of
	 * several requests presenting it exactly one is recorded.
	 */
	int		 challenge_once;
	unsigned char	 challenge[STORE_KID_LEN];
	/*
	 * To store_issue(): if > 0, record the certificate only while fewer
	 * valid certificates of its CA carry its subject, decided inside
	 * the transaction (certificate.max_active_per_subject).
	 */
	int		 max_active;
};

/* A one-time challenge, known only by its SHA-256. */
struct store_challenge {
	unsigned char	 hash[STORE_KID_LEN];
	char		 profile[STORE_NAME_MAX + 1];
	int64_t		 created_at;
	int64_t		 expires_at;
	int64_t		 used_at;	/* 0 while unused */
	char		 subject[256];	/* POSIX ERE the subject must match */
};

/*
 * What a write did: store_issue(), store_request_put(),
 * store_request_issue(), store_request_reject() and store_crl_put() each
 * name the values they can return.  Every answer but STORE_PUT_OK and
 * STORE_PUT_ERROR has written nothing; after an error the change is
 * not in either, unless the connection died during its COMMIT.
 */
enum store_put {
	STORE_PUT_OK = 0,	/* all of it recorded */
	STORE_PUT_DUP_SERIAL,	/* serial (or CRL number) taken: retry */
	STORE_PUT_DUP_TXN,	/* transaction exists */
	STORE_PUT_STALE,	/* request no longer pending */
	STORE_PUT_CHALLENGE,	/* one-time challenge used or expired meanwhile */
	STORE_PUT_LIMIT,	/* max_active valid certificates already */
	STORE_PUT_DUP_NAME,	/* a token of that name (or hash) exists */
	STORE_PUT_ERROR = -1,
};

/*
 * How many rows of each kind a store holds, and its revision: what
 * "scepd store migrate" compares between source and target.
 */
struct store_counts {
	int64_t		 certs;
	int64_t		 revoked;	/* of those, revoked */
	int64_t		 renewals;	/* of those, with renewed_from */
	int64_t		 txns;
	int64_t		 requests;
	int64_t		 pending;	/* of those, still pending */
	int64_t		 crls;
	int64_t		 revision;
	int64_t		 challenges;	/* one-time challenges, used or not */
	int64_t		 tokens;	/* API tokens, revoked or not */
	int64_t		 audit;		/* audit log entries */
	int64_t		 txlog;		/* transaction log rows */
};

#define STORE_AUDIT_DETAILS_MAX	1023
#define STORE_TOKEN_NAME_MAX	63

/*
 * One entry of the audit log (issue #11 item 5).  A caller fills "at"
 * to "outcome" and hands it to an audited write, which adds it in the
 * same transaction as the change; the store fills "seq", "prev" and
 * "hash": SHA-256 over every other field and the previous entry's
 * hash (store_audit.c), so a changed or missing entry breaks the
 * chain.  Never holds a secret.
 */
struct store_audit {
	int64_t		 seq;		/* 1, 2, ... with no gap */
	int64_t		 at;		/* Unix seconds */
	char		 actor[96];	/* "token:NAME", "cli:USER", ... */
	char		 action[48];	/* "request.approve", ... */
	char		 target[128];	/* "request:12", "cert:ABCD", ... */
	char		 details[STORE_AUDIT_DETAILS_MAX + 1];	/* JSON text */
	char		 peer[64];	/* source address, "" for the CLI */
	char		 outcome[64];	/* "ok", or why it was refused */
	unsigned char	 prev[STORE_KID_LEN];	/* previous hash (0s first) */
	unsigned char	 hash[STORE_KID_LEN];
};

/* What store_audit_list() returns: every field optional (0, ""). */
struct store_audit_filter {
	int64_t		 since, until;	/* at in [since, until] */
	const char	*actor;		/* equal */
	const char	*action;	/* equal */
	int64_t		 before;	/* cursor: seq < before, 0 none */
	int		 limit;		/* rows at most; 0: no limit */
};

/* What store_audit_verify() found. */
struct store_audit_check {
	int64_t		 entries;	/* entries read */
	int64_t		 broken;	/* first broken seq, 0 if intact */
	char		 why[128];	/* what is wrong with it */
	int64_t		 head_seq;	/* the chain head's seq */
	unsigned char	 head[STORE_KID_LEN];	/* and its hash */
};

/*
 * An API token (issue #11 item 3).  Only the SHA-256 of the secret is
 * kept.  "role" is the role's name ("viewer", ...); "profiles" a comma
 * list of profile names, "" for all.
 */
struct store_token {
	char		 name[STORE_TOKEN_NAME_MAX + 1];	/* unique */
	unsigned char	 hash[STORE_KID_LEN];	/* unique */
	char		 role[16];
	char		 profiles[256];
	int64_t		 created_at;
	int64_t		 expires_at;	/* 0: never */
	int64_t		 revoked_at;	/* 0: not revoked */
	int		 has_cert;	/* bound to a client certificate */
	unsigned char	 cert[STORE_KID_LEN];	/* its SHA-256 */
};

/*
 * One PKIOperation scepd answered (issue #11 item 4): the transaction
 * log, kept log.transactions_days.  "outcome" is the pkiStatus sent
 * (SUCCESS, FAILURE, PENDING) or "error" for an HTTP error; "result"
 * says what it did: "issued", "renewed", "pending" (a request kept for
 * an administrator) or "" (answered from what was stored, or refused).
 */
struct store_txlog {
	int64_t		 id;		/* filled on read: the cursor */
	int64_t		 at;		/* Unix seconds */
	char		 profile[STORE_NAME_MAX + 1];
	char		 txid[STORE_TXID_MAX + 1];
	char		 msgtype[16];	/* "PKCSReq", ... */
	char		 outcome[16];
	char		 result[16];
	char		 fail_info[24];	/* "badRequest", ..., or "" */
	char		 reason[192];
	char		 subject[256];
	char		 peer[64];
	char		 serial[STORE_SERIAL_MAX + 1];
	int		 http;		/* HTTP status */
	int		 duration_ms;
};

/* What store_txlog_list() returns: every field optional (0, NULL). */
struct store_txlog_filter {
	const char	*profile;	/* equal */
	const char	*txid;		/* equal */
	const char	*outcome;	/* equal */
	const char	*peer;		/* equal */
	const char	*subject;	/* contained in the subject */
	int64_t		 since, until;	/* at in [since, until] */
	int64_t		 before;	/* cursor: id < before, 0 none */
	int		 limit;		/* rows at most; 0: no limit */
	int		 oldest_first;	/* ascending ids (export) */
};

/*
 * One row of store_stats(): "n" operations of "key" for "profile" on
 * day "day" (Unix seconds / 86400).  "key" is a txlog result
 * ("issued", "renewed", "pending"), "failed:<failInfo>", "error",
 * "answered", or from the requests, "approved" or "rejected" (by an
 * administrator).
 */
struct store_stat {
	int64_t		 day;
	char		 profile[STORE_NAME_MAX + 1];
	char		 key[40];
	int64_t		 n;
};

/*
 * What the list calls call per row, with their own last argument.  The
 * record is the store's and lives only during the call: copy what is
 * kept.  Returning -1 stops the list, which then returns -1 too.
 */
typedef int (*store_cert_cb)(const struct store_cert *, void *);
typedef int (*store_request_cb)(const struct store_request *, void *);
typedef int (*store_txn_cb)(const struct store_txn *, void *);
typedef int (*store_crl_cb)(const struct store_crl *, void *);
typedef int (*store_challenge_cb)(const struct store_challenge *, void *);
typedef int (*store_token_cb)(const struct store_token *, void *);
typedef int (*store_audit_cb)(const struct store_audit *, void *);
typedef int (*store_txlog_cb)(const struct store_txlog *, void *);
typedef int (*store_stat_cb)(const struct store_stat *, void *);

/*
 * What /metrics asks of the store (store_metrics()): per CA and status,
 * how many certificates, and of them how many are past their notAfter
 * or reach it within 7 and 30 days.
 */
struct store_metrics_row {
	char		 ca[STORE_NAME_MAX + 1];
	int		 status;	/* enum store_cert_status */
	int64_t		 count;
	int64_t		 expired;	/* not_after <= now */
	int64_t		 within7;	/* now < not_after <= now + 7 days */
	int64_t		 within30;	/* now < not_after <= now + 30 days */
};

/* And the rest of it, once per call. */
struct store_metrics {
	int64_t		 pending;	/* requests pending, not expired */
	int64_t		 reconnects;	/* backend sessions re-established */
	uint64_t	 errors;	/* failed store calls (store.c counts) */
};
typedef int (*store_metrics_cb)(const struct store_metrics_row *, void *);

struct store;

/*
 * A certificate search (store_cert_search()): every filter that is set
 * must hold.  Strings NULL or "" and times 0 are no filter.  Text
 * filters are case-insensitive substrings of at least
 * STORE_SEARCH_TEXT_MIN characters (served by a trigram index).
 */
#define STORE_SEARCH_TEXT_MIN	3
#define STORE_SEARCH_TEXT_MAX	256
#define STORE_SEARCH_PROFILES	16	/* most profiles one query names */
#define STORE_SEARCH_LIMIT_MAX	1000

enum store_cert_state {
	STORE_STATE_ANY = 0,
	STORE_STATE_VALID,	/* not revoked, not_after > now */
	STORE_STATE_REVOKED,
	STORE_STATE_EXPIRED,	/* not revoked, not_after <= now */
};

struct store_cert_query {
	const char	*serial;	/* this serial (upper-case hex) */
	const char	*serial_prefix;	/* serials starting so */
	const char	*subject;	/* text in the subject */
	const char	*san;		/* text in the subjectAltNames */
	const char	*peer;		/* requester address, exactly */
	int		 state;		/* enum store_cert_state */
	int64_t		 now;		/* for VALID and EXPIRED */
	/* any of these profiles (nprofiles 0: any profile) */
	const char	*profiles[STORE_SEARCH_PROFILES];
	size_t		 nprofiles;
	const char	*ca;		/* issuing CA's name */
	int64_t		 issued_from;	/* issued_at >= this */
	int64_t		 issued_to;	/* issued_at < this */
	int64_t		 expires_from;	/* not_after >= this */
	int64_t		 expires_to;	/* not_after < this */
	int64_t		 after;		/* a cursor: *next of the last page */
	int		 limit;		/* 1 .. STORE_SEARCH_LIMIT_MAX */
};

/* A request's state for store_request_search(). */
enum store_request_state {
	STORE_RSTATE_ANY = 0,
	STORE_RSTATE_PENDING,	/* pending, expires_at > now */
	STORE_RSTATE_ISSUED,
	STORE_RSTATE_REJECTED,
	STORE_RSTATE_EXPIRED,	/* still pending, expires_at <= now */
};

struct store_request_query {
	int		 state;		/* enum store_request_state */
	int64_t		 now;
	const char	*profiles[STORE_SEARCH_PROFILES];
	size_t		 nprofiles;
	const char	*text;		/* in subject, txid or peer */
	int64_t		 after;
	int		 limit;
};

#define STORE_OPS_VERSION	6

struct store_ops {
	int		 version;	/* STORE_OPS_VERSION */
	const char	*name;		/* "sqlite", "postgresql" */
	void		*(*open)(const struct conf_store *, int create);
	void		 (*close)(void *);
	enum store_put	 (*issue)(void *, const struct store_cert *,
			     const struct store_txn *);
	int		 (*txn_get)(void *, const char *,
			     const unsigned char *, struct store_txn *, int *);
	int		 (*cert_get)(void *, const char *, struct store_cert *,
			     int *);
	int		 (*cert_list)(void *, store_cert_cb, void *);
	int		 (*cert_status)(void *, const char *,
			     struct store_status *, int *);
	enum store_revoke (*cert_revoke)(void *, const char *, int, int64_t);
	int		 (*revoked_list)(void *, const char *ca, store_cert_cb,
			     void *);
	int		 (*revision)(void *, int64_t *);
	enum store_put	 (*request_put)(void *, struct store_request *,
			     const struct store_txn *);
	int		 (*request_get)(void *, int64_t, struct store_request *,
			     int *);
	int		 (*request_list)(void *, store_request_cb, void *);
	enum store_put	 (*request_issue)(void *, int64_t,
			     const struct store_cert *);
	enum store_put	 (*request_reject)(void *, int64_t, const char *,
			     int64_t);
	int		 (*crl_latest)(void *, const char *ca, struct store_crl *,
			     int *);
	enum store_put	 (*crl_put)(void *, const struct store_crl *);
	/* version 3: what "scepd store migrate" needs */
	int		 (*txn_list)(void *, store_txn_cb, void *);
	int		 (*crl_list)(void *, store_crl_cb, void *);
	int		 (*counts)(void *, struct store_counts *);
	int		 (*import)(void *, struct store *,
			     struct store_counts *);
	/* version 4: profiles, several CAs, one-time challenges */
	int		 (*challenge_put)(void *, const struct store_challenge *);
	int		 (*challenge_get)(void *, const unsigned char *,
			     struct store_challenge *, int *);
	int		 (*challenge_list)(void *, store_challenge_cb, void *);
	int		 (*cert_count_active)(void *, const char *ca,
			     const char *subject, int64_t now, int64_t *);
	/* version 5 */
	int		 (*txn_pending_other)(void *, const char *txid,
			     const unsigned char *signer_kid, int64_t *);
	/* version 6: monitoring */
	int		 (*metrics)(void *, int64_t now, store_metrics_cb,
			     void *, struct store_metrics *);
	/*
	 * also version 6: the admin layer (issue #11).  Every write of
	 * version 1-5 that an administrator makes takes an audit entry,
	 * NULL for none, appended in its own transaction.
	 */
	enum store_put	 (*request_issue_a)(void *, int64_t,
			     const struct store_cert *,
			     const struct store_audit *);
	enum store_put	 (*request_reject_a)(void *, int64_t, const char *,
			     int64_t, const struct store_audit *);
	enum store_revoke (*cert_revoke_a)(void *, const char *, int, int64_t,
			     const struct store_audit *);
	int		 (*challenge_put_a)(void *,
			     const struct store_challenge *,
			     const struct store_audit *);
	enum store_put	 (*challenge_revoke)(void *, const unsigned char *,
			     int64_t, const struct store_audit *);
	enum store_put	 (*token_put)(void *, const struct store_token *,
			     const struct store_audit *);
	enum store_put	 (*token_revoke)(void *, const char *, int64_t,
			     const struct store_audit *);
	int		 (*token_get)(void *, int bycert, const unsigned char *,
			     struct store_token *, int *);
	int		 (*token_list)(void *, store_token_cb, void *);
	int		 (*audit_append)(void *, const struct store_audit *);
	int		 (*audit_list)(void *, const struct store_audit_filter *,
			     store_audit_cb, void *);
	int		 (*audit_all)(void *, store_audit_cb, void *);
	int		 (*audit_head)(void *, int64_t *,
			     unsigned char *);
	int		 (*txlog_put)(void *, const struct store_txlog *);
	int		 (*txlog_list)(void *, const struct store_txlog_filter *,
			     store_txlog_cb, void *);
	int		 (*txlog_prune)(void *, int64_t before, int max,
			     int64_t *);
	int		 (*stats)(void *, int64_t since, store_stat_cb, void *);
	/* also version 6: leases of periodic jobs (issue #16) */
	int		 (*lease_take)(void *, const char *name,
			     const char *holder, int64_t now, int64_t until,
			     int *taken);	/* also version 6: the admin API's searches */
	int		 (*cert_search)(void *, const struct store_cert_query *,
			     store_cert_cb, void *, int64_t *next);
	int		 (*cert_renewals)(void *, const char *serial,
			     store_cert_cb, void *);
	int		 (*request_search)(void *,
			     const struct store_request_query *,
			     store_request_cb, void *, int64_t *next);
};

/*
 * Open the store "cs" names; NULL on failure.  Every open creates or
 * migrates the schema as needed, so that the nodes of a deployment
 * bring it up to date as they start.  "create" only lets SQLite make
 * a database file that is not there yet; a PostgreSQL database must
 * exist whatever it says.
 */
struct store	*store_open(const struct conf_store *, int create);
void		 store_close(struct store *);

/*
 * Record an issued certificate and the transaction that produced it as
 * one atomic change: either both are stored or neither.  Before that,
 * inside the same transaction, the transaction's one-time challenge is
 * used (STORE_PUT_CHALLENGE if it cannot be) and its max_active limit
 * checked (STORE_PUT_LIMIT).  STORE_PUT_DUP_SERIAL or STORE_PUT_DUP_TXN
 * if the serial or the transaction is taken.
 */
enum store_put	 store_issue(struct store *, const struct store_cert *,
		    const struct store_txn *);
/*
 * The transaction "txid" signed by "signer_kid".  Not found leaves *t
 * holding just those two.
 */
int		 store_txn_get(struct store *, const char *txid,
		    const unsigned char *signer_kid, struct store_txn *,
		    int *found);
/* The certificate of "serial", every field filled. */
int		 store_cert_get(struct store *, const char *serial,
		    struct store_cert *, int *found);
/* Calls "cb" per certificate, oldest first. */
int		 store_cert_list(struct store *, store_cert_cb, void *);
void		 store_cert_clear(struct store_cert *);	/* frees; zeroes */
/* The status of "serial" alone, cheaper than store_cert_get(). */
int		 store_cert_status(struct store *, const char *serial,
		    struct store_status *, int *found);
/*
 * Mark a valid certificate revoked and bump the store revision (which
 * tells every node its CRL and OCSP answers are stale), atomically.
 * A "reason" below 0 records none.  STORE_REVOKE_ALREADY if it was
 * revoked before, STORE_REVOKE_UNKNOWN if there is no such serial.
 */
enum store_revoke store_cert_revoke(struct store *, const char *serial,
		    int reason, int64_t when);
/* CA "ca"'s revoked certificates, oldest first, every field filled. */
int		 store_revoked_list(struct store *, const char *ca,
		    store_cert_cb, void *);
/*
 * The revocation counter: changes whenever a revocation does, and is
 * copied by store_import().
 */
int		 store_revision(struct store *, int64_t *);

/*
 * Record a pending request and its transaction (status PENDING) as
 * one change, using the transaction's one-time challenge in it too
 * (STORE_PUT_CHALLENGE if that cannot be).  On STORE_PUT_OK r->id is
 * the new request's.  STORE_PUT_DUP_TXN if the transaction exists
 * already.
 */
enum store_put	 store_request_put(struct store *, struct store_request *,
		    const struct store_txn *);
/* Request "id", every field filled. */
int		 store_request_get(struct store *, int64_t id,
		    struct store_request *, int *found);
/* Every request, newest first. */
int		 store_request_list(struct store *, store_request_cb, void *);
/*
 * Approve: record the certificate, mark the request and its
 * transaction issued, all at once, and only if the request is still
 * pending and not expired at the certificate's issued_at (else
 * STORE_PUT_STALE).  STORE_PUT_DUP_SERIAL if the serial is taken.
 */
enum store_put	 store_request_issue(struct store *, int64_t id,
		    const struct store_cert *);
/*
 * Reject a pending request and mark its transaction rejected
 * (STORE_PUT_STALE if it is not pending).
 */
enum store_put	 store_request_reject(struct store *, int64_t id,
		    const char *reason, int64_t when);
/* Free what a request owns and zero it. */
void		 store_request_clear(struct store_request *);

/* CA "ca"'s CRL with the highest number. */
int		 store_crl_latest(struct store *, const char *ca,
		    struct store_crl *, int *found);
/*
 * Keep a new CRL, and of its CA's older ones those of the 16 numbers
 * before it; STORE_PUT_DUP_SERIAL if its CA's number is taken.
 */
enum store_put	 store_crl_put(struct store *, const struct store_crl *);
void		 store_crl_clear(struct store_crl *);	/* frees; zeroes */

/* Every transaction, in no particular order (created_at filled). */
int		 store_txn_list(struct store *, store_txn_cb, void *);
/* Every CRL kept, by CA name, then lowest number first. */
int		 store_crl_list(struct store *, store_crl_cb, void *);
/* How many rows of each kind there are, in one consistent read. */
int		 store_counts(struct store *, struct store_counts *);
/*
 * Copy everything "src" holds into this store, which must be empty
 * (else -1, logged, nothing written), as one transaction: certificates
 * with their revocation state and renewal links, requests with their
 * ids, transactions, CRLs, one-time challenges and the revision.
 * "copied" counts what the target then holds.  "src" must be another
 * store than the target.
 */
int		 store_import(struct store *, struct store *src,
		    struct store_counts *copied);

/* Keep a new one-time challenge (its hash is unique by constraint). */
int		 store_challenge_put(struct store *,
		    const struct store_challenge *);
/* The one-time challenge whose SHA-256 is "hash". */
int		 store_challenge_get(struct store *, const unsigned char *hash,
		    struct store_challenge *, int *found);
/* Every one-time challenge, newest first. */
int		 store_challenge_list(struct store *, store_challenge_cb,
		    void *);
/* Valid (unrevoked, unexpired at "now") certificates of "ca" for "subject". */
int		 store_cert_count_active(struct store *, const char *ca,
		    const char *subject, int64_t now, int64_t *n);
/*
 * Pending transactions "txid" of a signer key other than "signer_kid"
 * (*n; 0 or 1 in practice): a transactionID that is waiting for an
 * administrator belongs to its key (issue #14).
 */
int		 store_txn_pending_other(struct store *, const char *txid,
		    const unsigned char *signer_kid, int64_t *n);

/*
 * Monitoring's view (issue #11): "cb" per CA and status (bounded by
 * the CAs stored, read from one index), and the pending requests, the
 * backend's reconnections and the failed store calls so far.  A scrape
 * calls it at most every few seconds (http/metrics.c caches it).
 */
int		 store_metrics(struct store *, int64_t now, store_metrics_cb,
		    void *, struct store_metrics *);
/*
 * The admin layer's writes (issue #11).  Each takes an audit entry
 * ("a", NULL for none) that is appended in the same transaction as the
 * change, so that either both are stored or neither; the answers are
 * those of the calls above.
 */
enum store_put	 store_request_issue_audited(struct store *, int64_t id,
		    const struct store_cert *, const struct store_audit *a);
enum store_put	 store_request_reject_audited(struct store *, int64_t id,
		    const char *reason, int64_t when,
		    const struct store_audit *a);
enum store_revoke store_cert_revoke_audited(struct store *,
		    const char *serial, int reason, int64_t when,
		    const struct store_audit *a);
int		 store_challenge_put_audited(struct store *,
		    const struct store_challenge *, const struct store_audit *a);
/*
 * Make an open one-time challenge unusable (used_at = "when"):
 * STORE_PUT_OK, or STORE_PUT_STALE if there is none, or it was used or
 * has expired.
 */
enum store_put	 store_challenge_revoke(struct store *,
		    const unsigned char *hash, int64_t when,
		    const struct store_audit *a);

/* Keep a new token; STORE_PUT_DUP_NAME if its name or hash is taken. */
enum store_put	 store_token_put(struct store *, const struct store_token *,
		    const struct store_audit *a);
/* Revoke token "name"; STORE_PUT_STALE if none, or revoked already. */
enum store_put	 store_token_revoke(struct store *, const char *name,
		    int64_t when, const struct store_audit *a);
/* The token whose secret's SHA-256 is "hash" (revoked or not). */
int		 store_token_by_hash(struct store *, const unsigned char *hash,
		    struct store_token *, int *found);
/* The token bound to the client certificate whose SHA-256 is "cert". */
int		 store_token_by_cert(struct store *, const unsigned char *cert,
		    struct store_token *, int *found);
/* Every token, by name. */
int		 store_token_list(struct store *, store_token_cb, void *);

/*
 * Append an entry on its own (reload, CA create, a refused action).
 * The chain head is locked inside the transaction (SQLite: BEGIN
 * IMMEDIATE; PostgreSQL: SELECT ... FOR UPDATE of the head row), so
 * nodes appending at once never fork it.
 */
int		 store_audit_append(struct store *, const struct store_audit *);
/* Entries matching "f", newest first. */
int		 store_audit_list(struct store *, const struct store_audit_filter *f,
		    store_audit_cb, void *);
/*
 * Walk the whole chain, oldest first, recomputing every hash: a gap,
 * an entry whose hash or link is wrong, or a head that is not the
 * last entry sets c->broken to the first bad seq.  0 (intact or not;
 * see c->broken), or -1 if the store failed.
 */
int		 store_audit_verify(struct store *, struct store_audit_check *c);
/* The chain head: the last entry's seq and hash (0 and zeros: none). */
int		 store_audit_head(struct store *, int64_t *seq,
		    unsigned char *hash);
/* Every entry, oldest first, as stored (store_import(), verify). */
int		 store_audit_each(struct store *, store_audit_cb, void *);
/* store_audit.c: the hash of entry "a" (its prev included) into "out". */
int		 store_audit_hash(const struct store_audit *a,
		    unsigned char *out);

/*
 * Record one answered PKIOperation.  At most once an hour per store
 * handle this also prunes rows older than "keep_days" (a bounded
 * batch), so that a busy server keeps its log small without a timer.
 * 0 or -1 (logged); the caller never fails a request for it.
 */
int		 store_txlog_put(struct store *, const struct store_txlog *,
		    int keep_days);
/* Rows matching "f", newest first. */
int		 store_txlog_list(struct store *,
		    const struct store_txlog_filter *f, store_txlog_cb, void *);
/* Delete every row older than "before" (Unix seconds); *n deleted. */
int		 store_txlog_prune(struct store *, int64_t before, int64_t *n);
/* Counts per day, profile and outcome since "since" (store_stat). */
int		 store_stats(struct store *, int64_t since, store_stat_cb,
		    void *);

/*
 * A named lease, so that of several nodes sharing a store one at a time
 * runs a periodic job (the Intune revocation queue): "holder" takes
 * "name" until now + "ttl" seconds if nobody holds it, its lease has
 * run out, or "holder" has it already; *taken says whether it did.
 * One conditional write decides between nodes.
 */
int		 store_lease_take(struct store *, const char *name,
		    const char *holder, int64_t now, int ttl, int *taken);

/*
 * The certificates "q" selects, newest first (by the order they were
 * stored), at most q->limit of them, those after q->after.  *next is
 * the cursor of the following page, 0 when there is none: keyset
 * paging, so a page costs the same however deep it is, and rows stored
 * meanwhile never shift a page.  -1 also for a query the store cannot
 * run (a text filter too short or too long, logged).
 */
int		 store_cert_search(struct store *,
		    const struct store_cert_query *, store_cert_cb, void *,
		    int64_t *next);
/* The certificates whose renewed_from is "serial", oldest first. */
int		 store_cert_renewals(struct store *, const char *serial,
		    store_cert_cb, void *);
/* Requests as store_cert_search() pages certificates, newest first. */
int		 store_request_search(struct store *,
		    const struct store_request_query *, store_request_cb,
		    void *, int64_t *next);

/* store_sqlite.c */
extern const struct store_ops store_sqlite_ops;
/* store_pgsql.c */
extern const struct store_ops store_pgsql_ops;

#endif
