/*	SPDX-License-Identifier: ISC */
/*
 * intune.h: the "intune" challenge mode (issue #16), Microsoft Intune's
 * SCEP validation API as ../shared/docs/INTUNE.md reads it from
 * Microsoft's reference client: an OAuth2 client-credentials token from
 * Entra ID, Graph service discovery, validateRequest before issuing,
 * successNotification / failureNotification after, and the revocation
 * queue (downloadRevocationRequests, uploadRevocationResults).
 *
 * intune.c speaks HTTP (libcurl) and keeps the cache of tokens and
 * service URLs; intune_json.c builds and reads the JSON bodies (plain
 * functions, for the unit tests and the fuzzer); intune_sync.c runs the
 * revocation queue.  No OpenSSL here: what needs X.509 or a signature
 * is asked of lib/x509.c with plain data.
 */
#ifndef SCEPD_INTUNE_H
#define SCEPD_INTUNE_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

#define INTUNE_ANSWER_MAX	(1024 * 1024)	/* bytes of answer read */
#define INTUNE_CODE_MAX		64	/* "ChallengeExpired" and the like */
#define INTUNE_DESC_MAX		256	/* failureNotification: 255 + NUL */
#define INTUNE_URI_MAX		512	/* a discovered service URL */
#define INTUNE_REVOKE_MAX	500	/* per downloadRevocationRequests */
#define INTUNE_CTX_MAX		1024	/* a revocation's requestContext */
#define INTUNE_UUID_LEN		36	/* client-request-id, no NUL */

/* Intune's first-party application, whose endpoints Graph lists. */
#define INTUNE_APP_ID		"0000000a-0000-0000-c000-000000000000"
#define INTUNE_SCEP_SERVICE	"ScepRequestValidationFEService"
#define INTUNE_PKI_SERVICE	"PkiConnectorFEService"
#define INTUNE_SCEP_API		"2018-02-20"
#define INTUNE_PKI_API		"5019-05-05"	/* sic, as the reference */
#define INTUNE_CODE_SUCCESS	"Success"

/*
 * HRESULTs of a failureNotification, as .NET's Exception.HResult gives
 * them (a signed 32-bit value): the console shows them next to the
 * description.
 */
#define INTUNE_HR_FAIL		((int64_t)(int32_t)0x80004005)	/* E_FAIL */
#define INTUNE_HR_DENIED	((int64_t)(int32_t)0x80094012)
				/* CERTSRV_E_TEMPLATE_DENIED */

/* What a call to Intune came to. */
enum intune_verdict {
	INTUNE_OK,		/* 2xx and code "Success" */
	INTUNE_REFUSED,		/* 2xx with another code */
	INTUNE_ERROR,		/* no usable answer: fail closed */
};

/* Which step of a call failed, for "scepd intune check" (plain words). */
enum intune_step {
	INTUNE_STEP_NONE,
	INTUNE_STEP_TOKEN,	/* Entra ID refused or did not answer */
	INTUNE_STEP_DISCOVERY,	/* Graph refused or did not answer */
	INTUNE_STEP_NOSERVICE,	/* Graph answered, no such service */
	INTUNE_STEP_CALL,	/* the Intune service itself */
};

/* The answer of a call, and what the logs need of it. */
struct intune_result {
	enum intune_verdict	 verdict;
	enum intune_step	 step;		/* where an error happened */
	long			 http;		/* last HTTP status, 0 none */
	char			 code[INTUNE_CODE_MAX];	/* Intune's code */
	char			 desc[INTUNE_DESC_MAX];	/* its words, or ours */
	char			 activity[INTUNE_UUID_LEN + 1]; /* request id */
};

/*
 * The cache of tokens and discovered service URLs, per tenant (with its
 * authority and application): owned by whoever serves (cmd_serve.c),
 * shared by every thread and kept across SIGHUP.  Thread-safe.
 */
struct intune_cache;

struct intune_cache	*intune_cache_new(void);
void			 intune_cache_free(struct intune_cache *);

/* What validateRequest and the notifications carry. */
struct intune_req {
	const char		*txid;		/* SCEP transactionID */
	const unsigned char	*csr;		/* the PKCS#10 as sent, DER */
	size_t			 csrsz;
};

/* The certificate a successNotification announces. */
struct intune_issued {
	char		 thumbprint[41];	/* SHA-1 of the DER, hex */
	const char	*serial;		/* upper-case hex */
	int64_t		 not_after;		/* Unix seconds */
	const char	*issuer;		/* RFC 2253 */
	const char	*ca;			/* scepd's CA name */
};

/*
 * intune.c.  Each call waits at most conf->timeout per HTTP request,
 * fetches or renews tokens and discovers the service as needed, and
 * retries once with a new token when the service says 401.  "cache"
 * may be NULL (nothing is kept).  The verdict is also in res->verdict;
 * an error is logged here with the transaction ID and activity ID.
 */
enum intune_verdict	intune_validate(struct intune_cache *,
			    const struct conf_intune *,
			    const struct intune_req *, struct intune_result *);
enum intune_verdict	intune_notify_success(struct intune_cache *,
			    const struct conf_intune *,
			    const struct intune_req *,
			    const struct intune_issued *,
			    struct intune_result *);
enum intune_verdict	intune_notify_failure(struct intune_cache *,
			    const struct conf_intune *,
			    const struct intune_req *, int64_t hresult,
			    const char *desc, struct intune_result *);
/*
 * "scepd intune check": a token for Graph and for Intune, then the
 * discovery, with nothing cached.  INTUNE_OK with both service URLs in
 * "scep" and "pki" (INTUNE_URI_MAX bytes each; "pki" may be "").
 */
enum intune_verdict	intune_probe(const struct conf_intune *,
			    struct intune_result *, char *scep, char *pki);

/* One request of the revocation queue, and what became of it. */
struct intune_revocation {
	char		 context[INTUNE_CTX_MAX];	/* requestContext */
	char		 serial[64];		/* as Intune sent it */
	char		 issuer[256];		/* issuerName, or "" */
	int		 succeeded;		/* uploadRevocationResults */
	const char	*error;			/* "None", ... (static) */
	char		 message[128];
};

/*
 * downloadRevocationRequests: up to "max" (1..500) into "v" (*n set).
 * uploadRevocationResults: the "n" results of "v".
 */
enum intune_verdict	intune_revocations_get(struct intune_cache *,
			    const struct conf_intune *,
			    struct intune_revocation *v, size_t max,
			    size_t *n, struct intune_result *);
enum intune_verdict	intune_revocations_put(struct intune_cache *,
			    const struct conf_intune *,
			    const struct intune_revocation *v, size_t n,
			    struct intune_result *);

/*
 * intune_json.c: the bodies, as exact bytes (malloc'd, NUL-ended, or
 * NULL), and the answers.  "caller" is callerInfo, the provider's name
 * and version.  Declared here for tests/unit/test_intune.c and
 * tests/fuzz/fuzz_intune.c.
 */
struct buf;
char	*intune_json_validate(const struct intune_req *, const char *caller);
char	*intune_json_success(const struct intune_req *,
	    const struct intune_issued *, const char *caller);
char	*intune_json_failure(const struct intune_req *, int64_t hresult,
	    const char *desc, const char *caller);
char	*intune_json_download(size_t max);
char	*intune_json_upload(const struct intune_revocation *, size_t n);
char	*intune_json_token_form(const char *app_id, const char *secret,
	    const char *assertion, const char *scope);
/* "YYYY-MM-DDThh:mm:ss.000Z" of Unix seconds into "out" (25 bytes). */
void	 intune_json_time(int64_t, char *out);
/*
 * A token answer: 0 with *token (malloc'd) and *expires_in (seconds),
 * else -1 with Entra's error and words in res->code and res->desc.
 */
int	 intune_json_token(long status, const struct buf *, char **token,
	    int64_t *expires_in, struct intune_result *res);
/*
 * Graph's endpoints: the URIs of INTUNE_SCEP_SERVICE and
 * INTUNE_PKI_SERVICE (names compared without case) into "scep" and
 * "pki" (INTUNE_URI_MAX bytes; "" when not listed).  0, or -1 if the
 * answer is not Graph's list (res->desc says why).
 */
int	 intune_json_services(const struct buf *, char *scep, char *pki,
	    struct intune_result *res);
/* A validateRequest or notification answer into res (verdict too). */
void	 intune_json_code(long status, const struct buf *,
	    struct intune_result *res);
/* downloadRevocationRequests' answer; 0 or -1 (res->desc says why). */
int	 intune_json_revocations(const struct buf *,
	    struct intune_revocation *v, size_t max, size_t *n,
	    struct intune_result *res);
/* uploadRevocationResults' answer: {"value": true}?  0 or -1. */
int	 intune_json_uploaded(const struct buf *, struct intune_result *res);
/*
 * Replace control characters of text that came from the network (it
 * ends up in logs), and cut it to fit "sz" at a UTF-8 boundary.
 */
void	 intune_json_clean(char *dst, size_t sz, const char *src);

#endif
