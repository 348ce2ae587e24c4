/*	SPDX-License-Identifier: ISC */
/*
 * ocsp.c: the OCSP responder, RFC 6960 4.1 (OCSPRequest), 4.2
 * (OCSPResponse, BasicOCSPResponse), 2.3 (error statuses), 4.4.1 and
 * RFC 8954 2.1 (nonce), and what may be answered from the cache of
 * signed responses (kept by ocsp_cache.c).  ocsp.c builds the
 * BasicOCSPResponse; ca.c signs it (ca_ocsp_sign()), so no key is
 * reached from here.  Uses OpenSSL, ca.h, ocsp_cache.h, x509.c and
 * log.c.  What a serial's status is comes from the caller's lookup
 * function, never the store.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "ca.h"
#include "log.h"
#include "ocsp.h"
#include "ocsp_cache.h"
#include "x509.h"

#define OCSP_SERIAL_OCTETS	20	/* RFC 5280 4.1.2.2 */
#define OCSP_NONCE_MAX		32	/* RFC 8954 2.1 */

/* One CertID of a request and what we will say about it. */
struct ocsp_item {
	OCSP_CERTID		*cid;		/* borrowed from the request */
	int			 ours;		/* our issuer hashes */
	struct ocsp_status	 st;		/* unknown unless looked up */
	char			 serial[41];	/* "" if not a serial of ours */
};

/* A parsed request; "req" owns what the items borrow. */
struct ocsp_job {
	OCSP_REQUEST		*req;
	struct ocsp_item	 items[OCSP_CERTIDS_MAX];
	int			 n;		/* items in use, >= 1 */
};

static void
ocsp_result_init(struct ocsp_result *res)
{
	memset(res, 0, sizeof(*res));
	res->http = 500;
	res->outcome = "internalError";
}

/* The DER of "resp" into res, malloc'd. */
static int
ocsp_encode(OCSP_RESPONSE *resp, struct ocsp_result *res)
{
	unsigned char	*der;
	size_t		 dersz;

	if (x509_i2d(i2d_OCSP_RESPONSE, resp, &der, &dersz) == -1)
		return -1;
	res->der = der;
	res->dersz = dersz;
	res->http = 200;
	return 0;
}

/* RFC 6960 4.2.1: an error status has no responseBytes to sign. */
static void
ocsp_fail(struct ocsp_result *res, int status)
{
	OCSP_RESPONSE	*resp;

	switch (status) {
	case OCSP_RESPONSE_STATUS_MALFORMEDREQUEST:
		res->outcome = "malformed";
		break;
	case OCSP_RESPONSE_STATUS_TRYLATER:
		res->outcome = "tryLater";
		break;
	case OCSP_RESPONSE_STATUS_UNAUTHORIZED:
		res->outcome = "unauthorized";
		break;
	default:
		status = OCSP_RESPONSE_STATUS_INTERNALERROR;
		res->outcome = "internalError";
		break;
	}
	if ((resp = OCSP_response_create(status, NULL)) == NULL ||
	    ocsp_encode(resp, res) == -1) {
		log_crypto("ocsp: cannot encode a %s response", res->outcome);
		res->http = 500;
	}
	OCSP_RESPONSE_free(resp);
}

/*
 * RFC 8954 2.1: Nonce ::= OCTET STRING (SIZE(1..32)), DER in extnValue;
 * other lengths are malformedRequest.  Clients that followed RFC 2560's
 * ambiguity put the bytes in extnValue bare; those are measured bare.
 */
static int
ocsp_nonce(OCSP_REQUEST *req, int *present)
{
	X509_EXTENSION		*ext;
	ASN1_OCTET_STRING	*v, *inner;
	const unsigned char	*p, *end;
	int			 idx, len;

	*present = 0;
	if ((idx = OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce,
	    -1)) < 0)
		return 0;
	*present = 1;
	if ((ext = OCSP_REQUEST_get_ext(req, idx)) == NULL)
		return -1;
	v = X509_EXTENSION_get_data(ext);
	p = ASN1_STRING_get0_data(v);
	len = ASN1_STRING_length(v);
	end = p + len;
	if ((inner = d2i_ASN1_OCTET_STRING(NULL, &p, len)) != NULL &&
	    p == end)
		len = ASN1_STRING_length(inner);
	ASN1_OCTET_STRING_free(inner);
	ERR_clear_error();
	if (len < 1 || len > OCSP_NONCE_MAX) {
		log_warnx("ocsp: RFC 8954 2.1: nonce of %d octets", len);
		return -1;
	}
	return 0;
}

/*
 * The serialNumber as scepd stores serials (x509_serial_hex()); -1 for
 * what cannot be one of ours (not positive, or longer than RFC 5280
 * 4.1.2.2 allows).
 */
static int
ocsp_serial(OCSP_CERTID *cid, char *out, size_t outsz)
{
	ASN1_INTEGER	*ai;
	BIGNUM		*bn = NULL;
	int		 rc = -1;

	out[0] = '\0';
	if (!OCSP_id_get0_info(NULL, NULL, NULL, &ai, cid) ||
	    (bn = ASN1_INTEGER_to_BN(ai, NULL)) == NULL)
		goto out;
	if (!BN_is_zero(bn) && BN_num_bytes(bn) <= OCSP_SERIAL_OCTETS)
		rc = x509_serial_hex(ai, out, outsz);
 out:
	BN_free(bn);
	return rc;
}

/* Parse and bound a request; malformedRequest (logged) on -1. */
static int
ocsp_parse(struct ocsp_job *job, const unsigned char *req, size_t reqsz,
    struct ocsp_result *res)
{
	const unsigned char	*p = req;
	OCSP_ONEREQ		*one;
	int			 i;

	if (req == NULL || reqsz == 0 || reqsz > OCSP_REQ_MAX) {
		log_warnx("ocsp: RFC 6960 4.1.1: request of %zu bytes", reqsz);
		return -1;
	}
	if ((job->req = d2i_OCSP_REQUEST(NULL, &p, (long)reqsz)) == NULL) {
		ERR_clear_error();
		log_warnx("ocsp: RFC 6960 4.1.1: not an OCSPRequest");
		return -1;
	}
	if (p != req + reqsz) {
		log_warnx("ocsp: RFC 6960 4.1.1: %zu bytes after the "
		    "OCSPRequest", reqsz - (size_t)(p - req));
		return -1;
	}
	job->n = OCSP_request_onereq_count(job->req);
	if (job->n < 1 || job->n > OCSP_CERTIDS_MAX) {
		log_warnx("ocsp: RFC 6960 4.1.1: %d CertIDs, we answer 1 to "
		    "%d", job->n, OCSP_CERTIDS_MAX);
		return -1;
	}
	if (ocsp_nonce(job->req, &res->nonce) == -1)
		return -1;
	for (i = 0; i < job->n; i++) {
		if ((one = OCSP_request_onereq_get0(job->req, i)) == NULL ||
		    (job->items[i].cid = OCSP_onereq_get0_id(one)) == NULL)
			return -1;
		ocsp_serial(job->items[i].cid, job->items[i].serial,
		    sizeof(job->items[i].serial));
	}
	ERR_clear_error();	/* ocsp_serial() may leave a BN error */
	memcpy(res->serial, job->items[0].serial, sizeof(res->serial));
	return 0;
}

/* The CertID hash algorithms we recognise (RFC 6960 4.1.1, 4.3). */
static const EVP_MD *
ocsp_md(const ASN1_OBJECT *alg)
{
	switch (OBJ_obj2nid(alg)) {
	case NID_sha1:
		return EVP_sha1();
	case NID_sha224:
		return EVP_sha224();
	case NID_sha256:
		return EVP_sha256();
	case NID_sha384:
		return EVP_sha384();
	case NID_sha512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

/*
 * Does "cid" name our CA?  Hash our name and key the way the client
 * did and compare (algorithm OID, issuerNameHash, issuerKeyHash).
 * 1 yes, 0 no, -1 error (logged).
 */
static int
ocsp_ours(const struct ca *ca, OCSP_CERTID *cid)
{
	ASN1_OBJECT	*alg;
	const EVP_MD	*md;
	OCSP_CERTID	*mine;
	int		 rc;

	if (!OCSP_id_get0_info(NULL, &alg, NULL, NULL, cid))
		return -1;
	if ((md = ocsp_md(alg)) == NULL)
		return 0;
	if ((mine = OCSP_cert_to_id(md, NULL, ca_cert(ca))) == NULL) {
		log_crypto("ocsp: cannot hash the CA's name and key");
		return -1;
	}
	rc = OCSP_id_issuer_cmp(mine, cid) == 0;
	OCSP_CERTID_free(mine);
	return rc;
}

int
ocsp_request_names(const struct ca *ca, const unsigned char *req,
    size_t reqsz)
{
	OCSP_REQUEST		*r;
	const unsigned char	*p = req;
	OCSP_ONEREQ		*one;
	int			 rc = 0;

	if (reqsz > OCSP_REQ_MAX ||
	    (r = d2i_OCSP_REQUEST(NULL, &p, (long)reqsz)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	if ((one = OCSP_request_onereq_get0(r, 0)) != NULL)
		rc = ocsp_ours(ca, OCSP_onereq_get0_id(one)) == 1;
	OCSP_REQUEST_free(r);
	ERR_clear_error();
	return rc;
}

/* Ask the store about one item; an OCSPResponseStatus. */
static int
ocsp_lookup(struct ocsp_item *it, ocsp_lookup_fn lookup, void *arg)
{
	if (lookup(arg, it->serial, &it->st) == -1)
		return OCSP_RESPONSE_STATUS_TRYLATER;
	switch (it->st.status) {
	case OCSP_ST_GOOD:
	case OCSP_ST_REVOKED:
	case OCSP_ST_UNKNOWN:
		return OCSP_RESPONSE_STATUS_SUCCESSFUL;
	}
	log_warnx("ocsp: serial %s: lookup gave status %d", it->serial,
	    (int)it->st.status);
	return OCSP_RESPONSE_STATUS_INTERNALERROR;
}

static const char *
ocsp_status_str(enum ocsp_cert_status st)
{
	switch (st) {
	case OCSP_ST_GOOD:
		return "good";
	case OCSP_ST_REVOKED:
		return "revoked";
	default:
		return "unknown";
	}
}

/*
 * Decide every item: ours or not, then its status.  Returns an
 * OCSPResponseStatus: successful, tryLater (the store failed),
 * unauthorized (2.3: no CertID is ours) or internalError.
 */
static int
ocsp_collect(const struct ca *ca, struct ocsp_job *job,
    ocsp_lookup_fn lookup, void *arg, struct ocsp_result *res)
{
	struct ocsp_item	*it;
	int			 i, r, nours = 0;

	for (i = 0; i < job->n; i++) {
		it = &job->items[i];
		it->st.status = OCSP_ST_UNKNOWN;
		it->st.revoked_at = 0;
		it->st.reason = -1;
		if ((it->ours = ocsp_ours(ca, it->cid)) == -1)
			return OCSP_RESPONSE_STATUS_INTERNALERROR;
		nours += it->ours;
		if (!it->ours || it->serial[0] == '\0')
			continue;
		if ((r = ocsp_lookup(it, lookup, arg)) !=
		    OCSP_RESPONSE_STATUS_SUCCESSFUL)
			return r;
	}
	res->outcome = ocsp_status_str(job->items[0].st.status);
	if (nours == 0) {
		log_debug("ocsp: serial %s: RFC 6960 2.3: no CertID names "
		    "our CA", res->serial);
		return OCSP_RESPONSE_STATUS_UNAUTHORIZED;
	}
	return OCSP_RESPONSE_STATUS_SUCCESSFUL;
}

/*
 * RFC 6960 4.2.1 revocationReason: as for CRL entries (RFC 5280
 * 5.3.1), none for unspecified, and removeFromCRL cannot describe a
 * revoked certificate; unknown codes are left out too.
 */
static int
ocsp_reason(int reason)
{
	if (reason < 1 || reason > OCSP_REVOKED_STATUS_AACOMPROMISE ||
	    reason == 7 || reason == OCSP_REVOKED_STATUS_REMOVEFROMCRL)
		return OCSP_REVOKED_STATUS_NOSTATUS;
	return reason;
}

/* One SingleResponse (4.2.1); the CertID is the request's, copied. */
static int
ocsp_add(OCSP_BASICRESP *bs, const struct ocsp_item *it, ASN1_TIME *thisupd,
    ASN1_TIME *nextupd)
{
	ASN1_TIME	*rev = NULL;
	int		 status, reason = OCSP_REVOKED_STATUS_NOSTATUS, ok;

	switch (it->st.status) {
	case OCSP_ST_GOOD:
		status = V_OCSP_CERTSTATUS_GOOD;
		break;
	case OCSP_ST_REVOKED:
		status = V_OCSP_CERTSTATUS_REVOKED;
		reason = ocsp_reason(it->st.reason);
		if ((rev = ASN1_GENERALIZEDTIME_set(NULL,
		    (time_t)it->st.revoked_at)) == NULL)
			return -1;
		break;
	default:
		status = V_OCSP_CERTSTATUS_UNKNOWN;
		break;
	}
	ok = OCSP_basic_add1_status(bs, it->cid, status, reason, rev, thisupd,
	    nextupd) != NULL;
	ASN1_TIME_free(rev);
	return ok ? 0 : -1;
}

/*
 * Sign a successful response over every item (4.2.1, 4.2.2.2): the
 * nonce echoed, ResponderID byKey.  The CA signs without certificates,
 * or a delegated signer includes its own so that clients can check it
 * was issued by the CA.  0, or -1 (logged) with "res" untouched.
 */
static int
ocsp_sign(const struct ca *ca, struct ocsp_job *job, time_t now,
    int validity, struct ocsp_result *res)
{
	OCSP_BASICRESP	*bs = NULL;
	OCSP_RESPONSE	*resp = NULL;
	ASN1_TIME	*thisupd = NULL, *nextupd = NULL;
	int		 i, rc = -1;

	if ((bs = OCSP_BASICRESP_new()) == NULL ||
	    (thisupd = ASN1_GENERALIZEDTIME_set(NULL, now)) == NULL)
		goto out;
	/* 4.2.2.1: without nextUpdate, newer information is always there. */
	if (validity > 0 && (nextupd = ASN1_GENERALIZEDTIME_adj(NULL, now, 0,
	    validity)) == NULL)
		goto out;
	for (i = 0; i < job->n; i++)
		if (ocsp_add(bs, &job->items[i], thisupd, nextupd) == -1)
			goto out;
	if (!OCSP_copy_nonce(bs, job->req) || ca_ocsp_sign(ca, bs) == -1 ||
	    (resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL,
	    bs)) == NULL || ocsp_encode(resp, res) == -1)
		goto out;
	rc = 0;
 out:
	if (rc == -1)
		log_crypto("ocsp: serial %s: cannot sign the response",
		    res->serial);
	OCSP_RESPONSE_free(resp);
	ASN1_TIME_free(nextupd);
	ASN1_TIME_free(thisupd);
	OCSP_BASICRESP_free(bs);
	return rc;
}

/*
 * Parse and decide: 0 with every item decided, or -1 with the error
 * response already in "res".
 */
static int
ocsp_prepare(const struct ca *ca, struct ocsp_job *job,
    const unsigned char *req, size_t reqsz, ocsp_lookup_fn lookup,
    void *arg, struct ocsp_result *res)
{
	int	 status;

	ocsp_result_init(res);
	ERR_clear_error();
	if (ocsp_parse(job, req, reqsz, res) == -1) {
		ocsp_fail(res, OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
		return -1;
	}
	status = ocsp_collect(ca, job, lookup, arg, res);
	if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		ocsp_fail(res, status);
		return -1;
	}
	return 0;
}

void
ocsp_respond(const struct ca *ca, const unsigned char *req, size_t reqsz,
    int validity, ocsp_lookup_fn lookup, void *arg, struct ocsp_result *res)
{
	struct ocsp_job	 job;

	memset(&job, 0, sizeof(job));
	if (ocsp_prepare(ca, &job, req, reqsz, lookup, arg, res) == 0 &&
	    ocsp_sign(ca, &job, time(NULL), validity, res) == -1)
		ocsp_fail(res, OCSP_RESPONSE_STATUS_INTERNALERROR);
	OCSP_REQUEST_free(job.req);
}

/* One CertID of ours, no nonce, a status worth keeping. */
static int
ocsp_cacheable(const struct ocsp_job *job, const struct ocsp_result *res,
    int validity)
{
	return job->n == 1 && !res->nonce && job->items[0].ours &&
	    job->items[0].st.status != OCSP_ST_UNKNOWN && validity > 0;
}

/* The key of a cache entry: the CertID's DER, malloc'd. */
static unsigned char *
ocsp_cid_der(OCSP_CERTID *cid, size_t *len)
{
	unsigned char	*der;

	return x509_i2d(i2d_OCSP_CERTID, cid, &der, len) == 0 ? der : NULL;
}

void
ocsp_respond_cached(struct ocsp_cache *c, const struct ca *ca,
    const unsigned char *req, size_t reqsz, int validity,
    ocsp_lookup_fn lookup, void *arg, struct ocsp_result *res)
{
	struct ocsp_job		 job;
	struct ocsp_status	 st;
	unsigned char		*key = NULL;
	size_t			 keysz = 0;
	time_t			 now;

	if (c == NULL) {
		ocsp_respond(ca, req, reqsz, validity, lookup, arg, res);
		return;
	}
	memset(&job, 0, sizeof(job));
	if (ocsp_prepare(ca, &job, req, reqsz, lookup, arg, res) == -1)
		goto out;
	now = ocsp_cache_now(c);
	/*
	 * The cache compares what responses state, so the reason goes in
	 * as ocsp_add() would send it: two codes that both send none are
	 * the same answer.
	 */
	st = job.items[0].st;
	st.reason = ocsp_reason(st.reason);
	if (ocsp_cacheable(&job, res, validity) &&
	    (key = ocsp_cid_der(job.items[0].cid, &keysz)) != NULL &&
	    ocsp_cache_get(c, key, keysz, &st, now, validity, &res->der,
	    &res->dersz) == 1) {
		res->http = 200;
		res->cached = 1;
		goto out;
	}
	if (ocsp_sign(ca, &job, now, validity, res) == -1) {
		ocsp_fail(res, OCSP_RESPONSE_STATUS_INTERNALERROR);
		goto out;
	}
	if (key != NULL)
		ocsp_cache_put(c, key, keysz, &st, now, validity, res->der,
		    res->dersz);
 out:
	free(key);
	OCSP_REQUEST_free(job.req);
}

/* One SingleResponse's times into the running *this and earliest *next. */
static int
ocsp_single_times(OCSP_SINGLERESP *sr, int64_t *this_update,
    int64_t *next_update)
{
	ASN1_GENERALIZEDTIME	*tu = NULL, *nu = NULL;
	int64_t			 t, n;

	(void)OCSP_single_get0_status(sr, NULL, NULL, &tu, &nu);
	if (tu == NULL || nu == NULL || (t = x509_time(tu)) == 0 ||
	    (n = x509_time(nu)) == 0)
		return -1;
	if (t > *this_update)
		*this_update = t;
	if (*next_update == -1 || n < *next_update)
		*next_update = n;
	return 0;
}

int
ocsp_times(const unsigned char *der, size_t len, int64_t *this_update,
    int64_t *next_update)
{
	const unsigned char	*p = der;
	OCSP_RESPONSE		*rsp;
	OCSP_BASICRESP		*bs = NULL;
	int			 i, n, rc = -1;

	*this_update = 0;
	*next_update = -1;
	if (len > LONG_MAX || (rsp = d2i_OCSP_RESPONSE(NULL, &p, (long)len)) ==
	    NULL) {
		ERR_clear_error();
		return -1;
	}
	if (OCSP_response_status(rsp) != OCSP_RESPONSE_STATUS_SUCCESSFUL ||
	    (bs = OCSP_response_get1_basic(rsp)) == NULL ||
	    (n = OCSP_resp_count(bs)) <= 0)
		goto out;
	for (i = 0; i < n; i++)
		if (ocsp_single_times(OCSP_resp_get0(bs, i), this_update,
		    next_update) == -1)
			goto out;
	rc = 0;
 out:
	ERR_clear_error();
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(rsp);
	return rc;
}
