/*	SPDX-License-Identifier: ISC */
/*
 * store.h: the only way the rest of scepd reaches persistent state.
 * Backends (store_sqlite.c; store_pgsql.c next) fill a struct store_ops
 * and are called from store.c alone.  Every operation returns 0 or -1
 * and logs the reason; a missing row is 0 with *found = 0.  All calls
 * are safe from any thread: backends keep a pool of connections.
 */
#ifndef SCEPD_STORE_H
#define SCEPD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

#define STORE_SERIAL_MAX	40	/* hex digits of a serial, 20 bytes */
#define STORE_TXID_MAX		256
#define STORE_KID_LEN		32	/* SHA-256 of a SubjectPublicKeyInfo */

enum store_cert_status {
	STORE_CERT_VALID = 0,
	STORE_CERT_REVOKED = 1,
};

/*
 * One issued certificate.  From store_cert_get() the caller owns
 * "der" and "subject" (free with store_cert_rec_clear()); when passed
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
};

/* What OCSP, renewal and GetCert need of a certificate, cheaply. */
struct store_status {
	int		 status;	/* enum store_cert_status */
	int64_t		 not_after;
	int64_t		 revoked_at;
	int		 revoke_reason;
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
};

/* The most recent CRL (owned "der": free with store_crl_clear()). */
struct store_crl {
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
	 * To store_issue(): if not "", the transaction may already exist
	 * with this serial (a renewal signed by the certificate its own
	 * enrolment issued, reusing that transactionID, as scepclient and
	 * certmonger do) and is then moved on to the new certificate.
	 */
	char		 replaces[STORE_SERIAL_MAX + 1];
};

/* What store_issue() did. */
enum store_put {
	STORE_PUT_OK = 0,	/* certificate and transaction recorded */
	STORE_PUT_DUP_SERIAL,	/* serial taken: nothing written, retry */
	STORE_PUT_DUP_TXN,	/* transaction exists: nothing written */
	STORE_PUT_STALE,	/* request no longer pending: nothing written */
	STORE_PUT_ERROR = -1,
};

typedef int (*store_cert_cb)(const struct store_cert *, void *);
typedef int (*store_request_cb)(const struct store_request *, void *);

#define STORE_OPS_VERSION	2

struct store_ops {
	int		 version;	/* STORE_OPS_VERSION */
	const char	*name;		/* "sqlite" */
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
	int		 (*revoked_list)(void *, store_cert_cb, void *);
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
	int		 (*crl_latest)(void *, struct store_crl *, int *);
	enum store_put	 (*crl_put)(void *, const struct store_crl *);
};

struct store;

/*
 * Open the store "cs" names, creating and migrating its schema if
 * "create" is set (otherwise it must exist).  NULL on failure.
 */
struct store	*store_open(const struct conf_store *, int create);
void		 store_close(struct store *);

/*
 * Record an issued certificate and the transaction that produced it as
 * one atomic change: either both are stored or neither.
 */
enum store_put	 store_issue(struct store *, const struct store_cert *,
		    const struct store_txn *);
int		 store_txn_get(struct store *, const char *txid,
		    const unsigned char *signer_kid, struct store_txn *,
		    int *found);
int		 store_cert_get(struct store *, const char *serial,
		    struct store_cert *, int *found);
/* Calls "cb" per certificate, oldest first; stops if it returns -1. */
int		 store_cert_list(struct store *, store_cert_cb, void *);
void		 store_cert_clear(struct store_cert *);
int		 store_cert_status(struct store *, const char *serial,
		    struct store_status *, int *found);
/*
 * Mark a valid certificate revoked and bump the store revision (which
 * tells every node its CRL and OCSP answers are stale), atomically.
 */
enum store_revoke store_cert_revoke(struct store *, const char *serial,
		    int reason, int64_t when);
/* Revoked certificates (serial, revoked_at, revoke_reason filled). */
int		 store_revoked_list(struct store *, store_cert_cb, void *);
/* The revocation counter: changes whenever a revocation does. */
int		 store_revision(struct store *, int64_t *);

/*
 * Record a pending request and its transaction (status PENDING) as
 * one change; r->id is set.  STORE_PUT_DUP_TXN if the transaction
 * exists already.
 */
enum store_put	 store_request_put(struct store *, struct store_request *,
		    const struct store_txn *);
int		 store_request_get(struct store *, int64_t id,
		    struct store_request *, int *found);
/* Every request, newest first. */
int		 store_request_list(struct store *, store_request_cb, void *);
/*
 * Approve: record the certificate, mark the request and its
 * transaction issued, all at once, and only if the request is still
 * pending (else STORE_PUT_STALE, nothing written).
 */
enum store_put	 store_request_issue(struct store *, int64_t id,
		    const struct store_cert *);
/* Reject a pending request (STORE_PUT_STALE if it is not pending). */
enum store_put	 store_request_reject(struct store *, int64_t id,
		    const char *reason, int64_t when);
void		 store_request_clear(struct store_request *);

/* The CRL with the highest number. */
int		 store_crl_latest(struct store *, struct store_crl *,
		    int *found);
/* Keep a new CRL; STORE_PUT_DUP_SERIAL if its number is taken. */
enum store_put	 store_crl_put(struct store *, const struct store_crl *);
void		 store_crl_clear(struct store_crl *);

/* store_sqlite.c */
extern const struct store_ops store_sqlite_ops;

#endif
