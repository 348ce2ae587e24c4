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
};

/* What store_issue() did. */
enum store_put {
	STORE_PUT_OK = 0,	/* certificate and transaction recorded */
	STORE_PUT_DUP_SERIAL,	/* serial taken: nothing written, retry */
	STORE_PUT_DUP_TXN,	/* transaction exists: nothing written */
	STORE_PUT_ERROR = -1,
};

typedef int (*store_cert_cb)(const struct store_cert *, void *);

#define STORE_OPS_VERSION	1

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

/* store_sqlite.c */
extern const struct store_ops store_sqlite_ops;

#endif
