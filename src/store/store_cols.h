/*	SPDX-License-Identifier: ISC */
/*
 * store_cols.h: what the two backends share below struct store_ops: the
 * columns each record is selected with, the CA that "" stands for, and
 * how a record read from a row reaches a list's callback.  Included by
 * store_sqlite.c and store_pgsql.c only.
 *
 * Each record has one list of columns, written once below as rows of
 * (enum constant, column).  The same list makes the enum the readers
 * index by and the text of every SELECT that fills the record, so a
 * column added, dropped or moved moves both, in both backends.
 */
#ifndef SCEPD_STORE_COLS_H
#define SCEPD_STORE_COLS_H

#include "store.h"

/*
 * A list is written "first(...) next(...) next(...)": the first row
 * gives the column alone, every later one ", column", so the SELECT
 * text needs no separator trick and reads as it always did.
 */
#define STORE_COL_ENUM(e, col)		e,
#define STORE_COL_FIRST(e, col)		col
#define STORE_COL_NEXT(e, col)		", " col
#define STORE_COLS_ENUM(list)		list(STORE_COL_ENUM, STORE_COL_ENUM)
#define STORE_COLS_NAMES(list)		list(STORE_COL_FIRST, STORE_COL_NEXT)

/* certs, as struct store_cert holds a row. */
#define STORE_CERT_COLS(first, next)					\
	first(CERT_COL_SERIAL,		"serial")			\
	next(CERT_COL_SUBJECT,		"subject")			\
	next(CERT_COL_NOT_BEFORE,	"not_before")			\
	next(CERT_COL_NOT_AFTER,	"not_after")			\
	next(CERT_COL_STATUS,		"status")			\
	next(CERT_COL_ISSUED_AT,	"issued_at")			\
	next(CERT_COL_TXID,		"txid")				\
	next(CERT_COL_PROFILE,		"profile")			\
	next(CERT_COL_PEER,		"peer")				\
	next(CERT_COL_DER,		"der")				\
	next(CERT_COL_REVOKED_AT,	"revoked_at")			\
	next(CERT_COL_REVOKE_REASON,	"revoke_reason")		\
	next(CERT_COL_RENEWED_FROM,	"renewed_from")			\
	next(CERT_COL_CA,		"ca")				\
	next(CERT_COL_SANS,		"sans")
enum store_cert_col { STORE_COLS_ENUM(STORE_CERT_COLS) CERT_COL__MAX };
#define STORE_CERT_COLNAMES	STORE_COLS_NAMES(STORE_CERT_COLS)

/* The few columns of certs that struct store_status holds. */
#define STORE_STATUS_COLS(first, next)					\
	first(STATUS_COL_STATUS,	"status")			\
	next(STATUS_COL_NOT_AFTER,	"not_after")			\
	next(STATUS_COL_REVOKED_AT,	"revoked_at")			\
	next(STATUS_COL_REVOKE_REASON,	"revoke_reason")		\
	next(STATUS_COL_CA,		"ca")
enum store_status_col { STORE_COLS_ENUM(STORE_STATUS_COLS) STATUS_COL__MAX };
#define STORE_STATUS_COLNAMES	STORE_COLS_NAMES(STORE_STATUS_COLS)

/* requests, as struct store_request holds a row. */
#define STORE_REQ_COLS(first, next)					\
	first(REQ_COL_ID,		"id")				\
	next(REQ_COL_TXID,		"txid")				\
	next(REQ_COL_SIGNER_KID,	"signer_kid")			\
	next(REQ_COL_CSR_KID,		"csr_kid")			\
	next(REQ_COL_CSR,		"csr")				\
	next(REQ_COL_SUBJECT,		"subject")			\
	next(REQ_COL_PROFILE,		"profile")			\
	next(REQ_COL_PEER,		"peer")				\
	next(REQ_COL_CREATED_AT,	"created_at")			\
	next(REQ_COL_EXPIRES_AT,	"expires_at")			\
	next(REQ_COL_STATUS,		"status")			\
	next(REQ_COL_SERIAL,		"serial")			\
	next(REQ_COL_REASON,		"reason")			\
	next(REQ_COL_DECIDED_AT,	"decided_at")
enum store_req_col { STORE_COLS_ENUM(STORE_REQ_COLS) REQ_COL__MAX };
#define STORE_REQ_COLNAMES	STORE_COLS_NAMES(STORE_REQ_COLS)

/* txns, as struct store_txn holds a row. */
#define STORE_TXN_COLS(first, next)					\
	first(TXN_COL_CSR_KID,		"csr_kid")			\
	next(TXN_COL_SERIAL,		"serial")			\
	next(TXN_COL_STATUS,		"status")			\
	next(TXN_COL_REQUEST_ID,	"request_id")			\
	next(TXN_COL_CREATED_AT,	"created_at")			\
	next(TXN_COL_TXID,		"txid")				\
	next(TXN_COL_SIGNER_KID,	"signer_kid")
enum store_txn_col { STORE_COLS_ENUM(STORE_TXN_COLS) TXN_COL__MAX };
#define STORE_TXN_COLNAMES	STORE_COLS_NAMES(STORE_TXN_COLS)

/* crls, as struct store_crl holds a row. */
#define STORE_CRL_COLS(first, next)					\
	first(CRL_COL_NUMBER,		"number")			\
	next(CRL_COL_REVISION,		"revision")			\
	next(CRL_COL_THIS_UPDATE,	"this_update")			\
	next(CRL_COL_NEXT_UPDATE,	"next_update")			\
	next(CRL_COL_DER,		"der")				\
	next(CRL_COL_CA,		"ca")
enum store_crl_col { STORE_COLS_ENUM(STORE_CRL_COLS) CRL_COL__MAX };
#define STORE_CRL_COLNAMES	STORE_COLS_NAMES(STORE_CRL_COLS)

/*
 * challenges, as struct store_challenge holds a row; also the column
 * list of the INSERT, whose parameters are in the same order.
 */
#define STORE_CHAL_COLS(first, next)					\
	first(CHAL_COL_HASH,		"hash")				\
	next(CHAL_COL_PROFILE,		"profile")			\
	next(CHAL_COL_CREATED_AT,	"created_at")			\
	next(CHAL_COL_EXPIRES_AT,	"expires_at")			\
	next(CHAL_COL_USED_AT,		"used_at")			\
	next(CHAL_COL_SUBJECT,		"subject")
enum store_chal_col { STORE_COLS_ENUM(STORE_CHAL_COLS) CHAL_COL__MAX };
#define STORE_CHAL_COLNAMES	STORE_COLS_NAMES(STORE_CHAL_COLS)

/*
 * tokens, as struct store_token holds a row; also the column list of
 * the INSERT, whose parameters are in the same order.
 */
#define STORE_TOKEN_COLS(first, next)					\
	first(TOKEN_COL_NAME,		"name")				\
	next(TOKEN_COL_HASH,		"hash")				\
	next(TOKEN_COL_ROLE,		"role")				\
	next(TOKEN_COL_PROFILES,	"profiles")			\
	next(TOKEN_COL_CREATED_AT,	"created_at")			\
	next(TOKEN_COL_EXPIRES_AT,	"expires_at")			\
	next(TOKEN_COL_REVOKED_AT,	"revoked_at")			\
	next(TOKEN_COL_CERT,		"cert")
enum store_token_col { STORE_COLS_ENUM(STORE_TOKEN_COLS) TOKEN_COL__MAX };
#define STORE_TOKEN_COLNAMES	STORE_COLS_NAMES(STORE_TOKEN_COLS)

/* audit, as struct store_audit holds a row, and its INSERT. */
#define STORE_AUDIT_COLS(first, next)					\
	first(AUDIT_COL_SEQ,		"seq")				\
	next(AUDIT_COL_AT,		"at")				\
	next(AUDIT_COL_ACTOR,		"actor")			\
	next(AUDIT_COL_ACTION,		"action")			\
	next(AUDIT_COL_TARGET,		"target")			\
	next(AUDIT_COL_DETAILS,		"details")			\
	next(AUDIT_COL_PEER,		"peer")				\
	next(AUDIT_COL_OUTCOME,		"outcome")			\
	next(AUDIT_COL_PREV,		"prev")				\
	next(AUDIT_COL_HASH,		"hash")
enum store_audit_col { STORE_COLS_ENUM(STORE_AUDIT_COLS) AUDIT_COL__MAX };
#define STORE_AUDIT_COLNAMES	STORE_COLS_NAMES(STORE_AUDIT_COLS)

/*
 * txlog, as struct store_txlog holds a row; the INSERT names every
 * column but the first (the id is the store's).
 */
#define STORE_TXLOG_COLS(first, next)					\
	first(TXLOG_COL_ID,		"id")				\
	next(TXLOG_COL_AT,		"at")				\
	next(TXLOG_COL_PROFILE,		"profile")			\
	next(TXLOG_COL_TXID,		"txid")				\
	next(TXLOG_COL_MSGTYPE,		"msgtype")			\
	next(TXLOG_COL_OUTCOME,		"outcome")			\
	next(TXLOG_COL_RESULT,		"result")			\
	next(TXLOG_COL_FAIL_INFO,	"fail_info")			\
	next(TXLOG_COL_REASON,		"reason")			\
	next(TXLOG_COL_SUBJECT,		"subject")			\
	next(TXLOG_COL_PEER,		"peer")				\
	next(TXLOG_COL_SERIAL,		"serial")			\
	next(TXLOG_COL_HTTP,		"http")				\
	next(TXLOG_COL_DURATION,	"duration_ms")
enum store_txlog_col { STORE_COLS_ENUM(STORE_TXLOG_COLS) TXLOG_COL__MAX };
#define STORE_TXLOG_COLNAMES	STORE_COLS_NAMES(STORE_TXLOG_COLS)
#define STORE_TXLOG_INSERT_COLS	"at, profile, txid, msgtype, outcome, "	\
	"result, fail_info, reason, subject, peer, serial, http, duration_ms"

/*
 * store_stats(): the transaction log's outcomes per day and profile,
 * then the administrators' decisions from the requests.  "?" is the
 * first parameter (since), written by each backend.
 */
#define STORE_STATS_KEY							\
	"CASE WHEN result <> '' THEN result "				\
	"WHEN outcome = 'FAILURE' THEN 'failed:' || fail_info "		\
	"WHEN outcome = 'error' THEN 'error' ELSE 'answered' END"
#define STORE_STATS_SQL(ph)						\
	"SELECT at / 86400 AS day, profile, " STORE_STATS_KEY " AS k, "	\
	"count(*) FROM txlog WHERE at >= " ph " GROUP BY 1, 2, 3 "	\
	"UNION ALL SELECT decided_at / 86400, profile, CASE status "	\
	"WHEN 0 THEN 'approved' ELSE 'rejected' END, count(*) "		\
	"FROM requests WHERE decided_at >= " ph " AND status IN (0, 2) " \
	"GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"

/* One row of counts, as struct store_counts holds it. */
#define STORE_COUNTS_COLS(first, next)					\
	first(COUNTS_COL_CERTS,		"(SELECT count(*) FROM certs)")	\
	next(COUNTS_COL_REVOKED,					\
	    "(SELECT count(*) FROM certs WHERE status = 1)")		\
	next(COUNTS_COL_RENEWALS,					\
	    "(SELECT count(*) FROM certs WHERE renewed_from IS NOT NULL)") \
	next(COUNTS_COL_TXNS,		"(SELECT count(*) FROM txns)")	\
	next(COUNTS_COL_REQUESTS,	"(SELECT count(*) FROM requests)") \
	next(COUNTS_COL_PENDING,					\
	    "(SELECT count(*) FROM requests WHERE status = 3)")		\
	next(COUNTS_COL_CRLS,		"(SELECT count(*) FROM crls)")	\
	next(COUNTS_COL_REVISION,					\
	    "(SELECT value FROM meta WHERE key = 'revision')")		\
	next(COUNTS_COL_CHALLENGES,	"(SELECT count(*) FROM challenges)") \
	next(COUNTS_COL_TOKENS,		"(SELECT count(*) FROM tokens)") \
	next(COUNTS_COL_AUDIT,		"(SELECT count(*) FROM audit)")	\
	next(COUNTS_COL_TXLOG,		"(SELECT count(*) FROM txlog)")
enum store_counts_col { STORE_COLS_ENUM(STORE_COUNTS_COLS) COUNTS_COL__MAX };
#define STORE_COUNTS_COLNAMES	STORE_COLS_NAMES(STORE_COUNTS_COLS)

/*
 * The CA a record names: "" is the default CA, as for rows written
 * before there were several.
 */
static inline const char *
store_ca_name(const char *ca)
{
	return ca[0] != '\0' ? ca : STORE_CA_DEFAULT;
}

/* Which record a list reads, and so which callback "fn" holds. */
enum store_row_kind {
	STORE_ROW_CERT,
	STORE_ROW_REQUEST,
	STORE_ROW_TXN,
	STORE_ROW_CRL,
	STORE_ROW_CHALLENGE,
	STORE_ROW_TOKEN,
	STORE_ROW_AUDIT,
	STORE_ROW_TXLOG,
	STORE_ROW_STAT,
};

/* A list operation's callback, whichever record it takes. */
struct store_cb {
	enum store_row_kind	 kind;
	union {
		store_cert_cb		 cert;
		store_request_cb	 request;
		store_txn_cb		 txn;
		store_crl_cb		 crl;
		store_challenge_cb	 challenge;
		store_token_cb		 token;
		store_audit_cb		 audit;
		store_txlog_cb		 txlog;
		store_stat_cb		 stat;
	} fn;
	void			*arg;	/* the callback's own */
};

/*
 * The callback of a list operation, as a pointer valid in the block
 * that names it (a compound literal).
 */
#define STORE_CB(kind, member, f, a) \
	(&(const struct store_cb){ (kind), { .member = (f) }, (a) })
#define STORE_CB_CERT(f, a)	STORE_CB(STORE_ROW_CERT, cert, f, a)
#define STORE_CB_REQUEST(f, a)	STORE_CB(STORE_ROW_REQUEST, request, f, a)
#define STORE_CB_TXN(f, a)	STORE_CB(STORE_ROW_TXN, txn, f, a)
#define STORE_CB_CRL(f, a)	STORE_CB(STORE_ROW_CRL, crl, f, a)
#define STORE_CB_CHALLENGE(f, a) \
	STORE_CB(STORE_ROW_CHALLENGE, challenge, f, a)
#define STORE_CB_TOKEN(f, a)	STORE_CB(STORE_ROW_TOKEN, token, f, a)
#define STORE_CB_AUDIT(f, a)	STORE_CB(STORE_ROW_AUDIT, audit, f, a)
#define STORE_CB_TXLOG(f, a)	STORE_CB(STORE_ROW_TXLOG, txlog, f, a)
#define STORE_CB_STAT(f, a)	STORE_CB(STORE_ROW_STAT, stat, f, a)

/* Room for any record a list reads. */
union store_row {
	struct store_cert	 cert;
	struct store_request	 request;
	struct store_txn	 txn;
	struct store_crl	 crl;
	struct store_challenge	 challenge;
	struct store_token	 token;
	struct store_audit	 audit;
	struct store_txlog	 txlog;
	struct store_stat	 stat;
};

/*
 * Hand a record a backend read from a row to the callback, then free
 * what the record owns: callbacks see rows the store keeps no longer
 * than the call.  The callback's answer; -1 stops the list.
 */
static inline int
store_cb_give(const struct store_cb *cb, union store_row *row)
{
	int rc = -1;

	switch (cb->kind) {
	case STORE_ROW_CERT:
		rc = cb->fn.cert(&row->cert, cb->arg);
		store_cert_clear(&row->cert);
		break;
	case STORE_ROW_REQUEST:
		rc = cb->fn.request(&row->request, cb->arg);
		store_request_clear(&row->request);
		break;
	case STORE_ROW_CRL:
		rc = cb->fn.crl(&row->crl, cb->arg);
		store_crl_clear(&row->crl);
		break;
	case STORE_ROW_TXN:		/* owns no memory */
		rc = cb->fn.txn(&row->txn, cb->arg);
		break;
	case STORE_ROW_CHALLENGE:	/* owns no memory */
		rc = cb->fn.challenge(&row->challenge, cb->arg);
		break;
	case STORE_ROW_TOKEN:		/* these neither */
		rc = cb->fn.token(&row->token, cb->arg);
		break;
	case STORE_ROW_AUDIT:
		rc = cb->fn.audit(&row->audit, cb->arg);
		break;
	case STORE_ROW_TXLOG:
		rc = cb->fn.txlog(&row->txlog, cb->arg);
		break;
	case STORE_ROW_STAT:
		rc = cb->fn.stat(&row->stat, cb->arg);
		break;
	}
	return rc;
}

#endif
