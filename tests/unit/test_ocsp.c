/*	SPDX-License-Identifier: ISC */
/*
 * test_ocsp.c: ocsp_respond() and ocsp_respond_cached() against
 * requests built with OpenSSL's OCSP client API (RFC 6960 4.1) and a
 * fake store: statuses, revocation reasons, every CertID hash, the
 * nonce (RFC 8954 2.1), the error statuses of 2.3, serial
 * normalisation, the cache's reuse and invalidation rules, and, when
 * the openssl CLI is there, openssl-ocsp(1)'s reading of a response.
 * Keys are generated once per run.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "ca.h"
#include "ocsp.h"
#include "testutil.h"

#define LEAF_SERIAL	0x4A3B2C1DL
#define LEAF_HEX	"4A3B2C1D"
#define VALIDITY	3600

static EVP_PKEY		*cakey, *leafkey, *forkey, *twinkey;
static X509		*cacert, *leaf, *forcert, *forleaf, *twincert;
static struct ca	*ca;
static time_t		 fake_now;

static int
setup(void **state)
{
	if ((cakey = tu_key_rsa(2048)) == NULL ||
	    (leafkey = tu_key_ec("P-256")) == NULL ||
	    (forkey = tu_key_ec("P-256")) == NULL ||
	    (twinkey = tu_key_ec("P-256")) == NULL ||
	    (cacert = tu_cert_self(cakey, "scepd test CA", 1)) == NULL ||
	    (forcert = tu_cert_self(forkey, "someone else", 1)) == NULL ||
	    (twincert = tu_cert_self(twinkey, "scepd test CA", 1)) == NULL ||
	    (leaf = tu_cert_issue(leafkey, "device", cacert, cakey,
	    LEAF_SERIAL)) == NULL ||
	    (forleaf = tu_cert_issue(leafkey, "device", forcert, forkey,
	    LEAF_SERIAL)) == NULL)
		return -1;
	if ((ca = ca_new(cacert, cakey)) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	ca_free(ca);
	X509_free(leaf);
	X509_free(forleaf);
	X509_free(forcert);
	X509_free(twincert);
	X509_free(cacert);
	EVP_PKEY_free(leafkey);
	EVP_PKEY_free(forkey);
	EVP_PKEY_free(twinkey);
	EVP_PKEY_free(cakey);
	return 0;
}

/* The store, as the lookup callback sees it. */
struct fake {
	int			 calls;
	int			 fail;		/* return -1 */
	struct ocsp_status	 st;		/* the answer */
	char			 last[41];	/* the serial asked for */
};

static int
fake_lookup(void *arg, const char *serial, struct ocsp_status *st)
{
	struct fake	*f = arg;

	f->calls++;
	snprintf(f->last, sizeof(f->last), "%s", serial);
	/* The contract: it arrives as unknown. */
	assert_int_equal(st->status, OCSP_ST_UNKNOWN);
	assert_int_equal(st->reason, -1);
	if (f->fail)
		return -1;
	*st = f->st;
	return 0;
}

static void
fake_set(struct fake *f, enum ocsp_cert_status s, int64_t at, int reason)
{
	memset(f, 0, sizeof(*f));
	f->st.status = s;
	f->st.revoked_at = at;
	f->st.reason = reason;
}

static time_t
fake_clock(void)
{
	return fake_now;
}

/* A CertID under our CA for the serial "hex". */
static OCSP_CERTID *
id_serial(const EVP_MD *md, X509 *issuer, const char *hex)
{
	BIGNUM		*bn = NULL;
	ASN1_INTEGER	*ai;
	OCSP_CERTID	*id;

	assert_true(BN_hex2bn(&bn, hex) > 0);
	assert_non_null(ai = BN_to_ASN1_INTEGER(bn, NULL));
	assert_non_null(id = OCSP_cert_id_new(md,
	    X509_get_subject_name(issuer), X509_get0_pubkey_bitstr(issuer),
	    ai));
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return id;
}

/* A request for "id" (consumed), with a nonce of "noncesz" if > 0. */
static OCSP_REQUEST *
req_id(OCSP_CERTID *id, int noncesz)
{
	OCSP_REQUEST	*req;

	assert_non_null(req = OCSP_REQUEST_new());
	assert_non_null(OCSP_request_add0_id(req, id));
	if (noncesz > 0)
		assert_true(OCSP_request_add1_nonce(req, NULL, noncesz));
	return req;
}

static OCSP_REQUEST *
req_cert(X509 *subj, X509 *issuer, const EVP_MD *md, int noncesz)
{
	OCSP_CERTID	*id;

	assert_non_null(id = OCSP_cert_to_id(md, subj, issuer));
	return req_id(id, noncesz);
}

static unsigned char *
req_der(OCSP_REQUEST *req, size_t *len)
{
	unsigned char	*der = NULL;
	int		 n;

	assert_true((n = i2d_OCSP_REQUEST(req, &der)) > 0);
	*len = (size_t)n;
	return der;
}

/* ocsp_respond(), or the cached one when "c" is set, on "req". */
static void
ask(struct ocsp_cache *c, OCSP_REQUEST *req, int validity, struct fake *f,
    struct ocsp_result *res)
{
	unsigned char	*der;
	size_t		 len;

	der = req_der(req, &len);
	if (c != NULL)
		ocsp_respond_cached(c, ca, der, len, validity, fake_lookup, f,
		    res);
	else
		ocsp_respond(ca, der, len, validity, fake_lookup, f, res);
	OPENSSL_free(der);
}

static OCSP_RESPONSE *
resp_parse(const struct ocsp_result *res)
{
	const unsigned char	*p = res->der;
	OCSP_RESPONSE		*resp;

	assert_int_equal(res->http, 200);
	assert_non_null(res->der);
	assert_non_null(resp = d2i_OCSP_RESPONSE(NULL, &p,
	    (long)res->dersz));
	assert_ptr_equal(p, res->der + res->dersz);
	return resp;
}

/* An error response: that status and nothing to sign. */
static void
check_error(const struct ocsp_result *res, int status, const char *outcome)
{
	OCSP_RESPONSE	*resp = resp_parse(res);

	assert_int_equal(OCSP_response_status(resp), status);
	assert_null(OCSP_response_get1_basic(resp));
	assert_string_equal(res->outcome, outcome);
	assert_int_equal(res->cached, 0);
	OCSP_RESPONSE_free(resp);
}

/*
 * A successful response, verified against the CA as a relying party
 * would (signer = the CA, found by key id; no certificates inside).
 */
static OCSP_BASICRESP *
check_basic(const struct ocsp_result *res, unsigned long flags)
{
	OCSP_RESPONSE			*resp = resp_parse(res);
	OCSP_BASICRESP			*bs;
	X509_STORE			*store;
	STACK_OF(X509)			*certs;
	const ASN1_OCTET_STRING		*kid = NULL;
	const X509_NAME			*name = NULL;
	const STACK_OF(X509)		*inside;

	assert_int_equal(OCSP_response_status(resp),
	    OCSP_RESPONSE_STATUS_SUCCESSFUL);
	assert_non_null(bs = OCSP_response_get1_basic(resp));
	OCSP_RESPONSE_free(resp);
	assert_non_null(store = X509_STORE_new());
	assert_true(X509_STORE_add_cert(store, cacert));
	assert_non_null(certs = sk_X509_new_null());
	assert_true(sk_X509_push(certs, cacert));
	if (OCSP_basic_verify(bs, certs, store, flags) != 1) {
		ERR_print_errors_fp(stderr);
		fail_msg("OCSP_basic_verify failed");
	}
	sk_X509_free(certs);
	X509_STORE_free(store);
	assert_int_equal(OCSP_resp_get0_id(bs, &kid, &name), 1);
	assert_non_null(kid);		/* byKey */
	assert_null(name);
	inside = OCSP_resp_get0_certs(bs);
	assert_true(inside == NULL || sk_X509_num(inside) == 0);
	return bs;
}

static void
test_good_sha1(void **state)
{
	struct ocsp_result	 res;
	struct fake		 f;
	OCSP_REQUEST		*req;
	OCSP_BASICRESP		*bs;
	OCSP_CERTID		*id;
	ASN1_GENERALIZEDTIME	*revt = NULL, *thisupd = NULL, *nextupd = NULL;
	time_t			 before, after;
	int			 st = -9, days, secs;

	fake_set(&f, OCSP_ST_GOOD, 0, -1);
	req = req_cert(leaf, cacert, EVP_sha1(), 0);
	before = time(NULL);
	ask(NULL, req, VALIDITY, &f, &res);
	after = time(NULL);
	bs = check_basic(&res, 0);
	assert_int_equal(f.calls, 1);
	assert_string_equal(f.last, LEAF_HEX);
	assert_string_equal(res.serial, LEAF_HEX);
	assert_string_equal(res.outcome, "good");
	assert_int_equal(res.nonce, 0);
	assert_int_equal(res.cached, 0);
	assert_int_equal(OCSP_check_nonce(req, bs), 2);	/* neither */
	assert_int_equal(OCSP_resp_count(bs), 1);

	/* The CertID of a relying party that knows only the certificate. */
	assert_non_null(id = OCSP_cert_to_id(EVP_sha1(), leaf, cacert));
	assert_int_equal(OCSP_resp_find_status(bs, id, &st, NULL, &revt,
	    &thisupd, &nextupd), 1);
	OCSP_CERTID_free(id);
	assert_int_equal(st, V_OCSP_CERTSTATUS_GOOD);
	assert_null(revt);
	/* thisUpdate is now; nextUpdate VALIDITY later (4.2.2.1). */
	assert_true(ASN1_TIME_cmp_time_t(thisupd, before) >= 0);
	assert_true(ASN1_TIME_cmp_time_t(thisupd, after) <= 0);
	assert_true(ASN1_TIME_diff(&days, &secs, thisupd, nextupd));
	assert_int_equal(days * 86400 + secs, VALIDITY);
	assert_int_equal(OCSP_check_validity(thisupd, nextupd, 300, -1), 1);
	OCSP_BASICRESP_free(bs);
	OCSP_REQUEST_free(req);
	free(res.der);
}

static void
test_hashes_and_nonce(void **state)
{
	const EVP_MD		*mds[] = { EVP_sha1(), EVP_sha224(),
				    EVP_sha256(), EVP_sha384(), EVP_sha512() };
	struct ocsp_result	 res;
	struct fake		 f;
	OCSP_REQUEST		*req;
	OCSP_BASICRESP		*bs;
	int			 st;
	size_t			 i;

	for (i = 0; i < sizeof(mds) / sizeof(mds[0]); i++) {
		fake_set(&f, OCSP_ST_GOOD, 0, -1);
		req = req_cert(leaf, cacert, mds[i], 16);
		ask(NULL, req, VALIDITY, &f, &res);
		bs = check_basic(&res, 0);
		assert_int_equal(f.calls, 1);
		assert_int_equal(res.nonce, 1);
		assert_int_equal(OCSP_check_nonce(req, bs), 1); /* echoed */
		assert_int_equal(OCSP_resp_find_status(bs,
		    OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 0)),
		    &st, NULL, NULL, NULL, NULL), 1);
		assert_int_equal(st, V_OCSP_CERTSTATUS_GOOD);
		OCSP_BASICRESP_free(bs);
		OCSP_REQUEST_free(req);
		free(res.der);
	}
}

/* Revoked, with each way of giving (or not) a reason. */
static void
test_revoked(void **state)
{
	static const struct {
		int	 given;		/* from the store */
		int	 sent;		/* revocationReason, -1 absent */
	} r[] = {
		{ 1, 1 }, { 6, 6 }, { 10, 10 }, { -1, -1 }, { 0, -1 },
		{ 7, -1 }, { 8, -1 }, { 11, -1 },
	};
	struct ocsp_result	 res;
	struct fake		 f;
	OCSP_REQUEST		*req;
	OCSP_BASICRESP		*bs;
	ASN1_GENERALIZEDTIME	*revt, *tu;
	int			 st, why;
	size_t			 i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		fake_set(&f, OCSP_ST_REVOKED, 1700000000, r[i].given);
		req = req_cert(leaf, cacert, EVP_sha256(), 0);
		ask(NULL, req, VALIDITY, &f, &res);
		bs = check_basic(&res, 0);
		assert_string_equal(res.outcome, "revoked");
		assert_int_equal(OCSP_resp_find_status(bs,
		    OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 0)),
		    &st, &why, &revt, &tu, NULL), 1);
		assert_int_equal(st, V_OCSP_CERTSTATUS_REVOKED);
		assert_int_equal(why, r[i].sent);
		assert_int_equal(ASN1_TIME_cmp_time_t(revt, 1700000000), 0);
		OCSP_BASICRESP_free(bs);
		OCSP_REQUEST_free(req);
		free(res.der);
	}
}

static void
test_unknown(void **state)
{
	struct ocsp_result	 res;
	struct fake		 f;
	OCSP_REQUEST		*req;
	OCSP_BASICRESP		*bs;
	int			 st;

	fake_set(&f, OCSP_ST_UNKNOWN, 0, -1);
	req = req_cert(leaf, cacert, EVP_sha1(), 0);
	ask(NULL, req, VALIDITY, &f, &res);
	bs = check_basic(&res, 0);
	assert_string_equal(res.outcome, "unknown");
	assert_int_equal(f.calls, 1);
	assert_int_equal(OCSP_resp_find_status(bs,
	    OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 0)), &st, NULL,
	    NULL, NULL, NULL), 1);
	assert_int_equal(st, V_OCSP_CERTSTATUS_UNKNOWN);
	OCSP_BASICRESP_free(bs);
	OCSP_REQUEST_free(req);
	free(res.der);
}

static void
test_trylater(void **state)
{
	struct ocsp_result	 res;
	struct fake		 f;
	OCSP_REQUEST		*req;

	fake_set(&f, OCSP_ST_GOOD, 0, -1);
	f.fail = 1;
	req = req_cert(leaf, cacert, EVP_sha1(), 16);
	ask(NULL, req, VALIDITY, &f, &res);
	check_error(&res, OCSP_RESPONSE_STATUS_TRYLATER, "tryLater");
	assert_string_equal(res.serial, LEAF_HEX);
	assert_int_equal(res.nonce, 1);
	OCSP_REQUEST_free(req);
	free(res.der);
}

/* Bytes that must get malformedRequest without asking the store. */
static void
malformed(const unsigned char *der, size_t len)
{
	struct ocsp_result	 res;
	struct fake		 f;
	struct tu_capture	 cap;
	char			*log;

	fake_set(&f, OCSP_ST_GOOD, 0, -1);
	assert_int_equal(tu_capture_begin(&cap), 0);
	ocsp_respond(ca, der, len, VALIDITY, fake_lookup, &f, &res);
	log = tu_capture_end(&cap);
	check_error(&res, OCSP_RESPONSE_STATUS_MALFORMEDREQUEST, "malformed");
	assert_int_equal(f.calls, 0);
	assert_non_null(log);
	if (strstr(log, "RFC ") == NULL)
		fail_msg("no clause in the log: %s", log);
	free(log);
	free(res.der);
}

static void
malformed_req(OCSP_REQUEST *req)
{
	unsigned char	*der;
	size_t		 len;

	der = req_der(req, &len);
	malformed(der, len);
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);
}

static void
test_malformed(void **state)
{
	unsigned char	 junk[64], *der, *big;
	size_t		 len;
	OCSP_REQUEST	*req;
	int		 i;

	tu_fill(junk, sizeof(junk), 1);
	malformed(junk, sizeof(junk));
	malformed((const unsigned char *)"", 0);
	malformed(NULL, 0);

	/* A good request with one byte more. */
	req = req_cert(leaf, cacert, EVP_sha1(), 0);
	der = req_der(req, &len);
	assert_non_null(big = malloc(len + 1));
	memcpy(big, der, len);
	big[len] = 0;
	malformed(big, len + 1);
	malformed(der, len - 1);	/* and one less */
	free(big);
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);

	/* Larger than the ceiling, whatever it holds. */
	assert_non_null(big = calloc(1, OCSP_REQ_MAX + 1));
	malformed(big, OCSP_REQ_MAX + 1);
	free(big);

	/* No CertID at all; one more than the limit. */
	assert_non_null(req = OCSP_REQUEST_new());
	malformed_req(req);
	req = req_cert(leaf, cacert, EVP_sha1(), 0);
	for (i = 1; i <= OCSP_CERTIDS_MAX; i++)
		assert_non_null(OCSP_request_add0_id(req,
		    OCSP_cert_to_id(EVP_sha1(), leaf, cacert)));
	malformed_req(req);
}

/* Add a nonce extension whose extnValue is exactly "v" (len bytes). */
static OCSP_REQUEST *
req_raw_nonce(const unsigned char *v, int len)
{
	OCSP_REQUEST		*req;
	ASN1_OCTET_STRING	*os;
	X509_EXTENSION		*ext;

	req = req_cert(leaf, cacert, EVP_sha1(), 0);
	assert_non_null(os = ASN1_OCTET_STRING_new());
	assert_true(ASN1_OCTET_STRING_set(os, v, len));
	assert_non_null(ext = X509_EXTENSION_create_by_NID(NULL,
	    NID_id_pkix_OCSP_Nonce, 0, os));
	assert_true(OCSP_REQUEST_add_ext(req, ext, -1));
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	return req;
}

/* RFC 8954 2.1: 1 to 32 octets, DER OCTET STRING or (old clients) bare. */
static void
test_nonce_lengths(void **state)
{
	unsigned char		 v[40];
	static const unsigned char empty_os[] = { 0x04, 0x00 };
	struct ocsp_result	 res;
	struct fake		 f;
	OCSP_REQUEST		*req;
	OCSP_BASICRESP		*bs;

	malformed_req(req_cert(leaf, cacert, EVP_sha1(), 33));
	malformed_req(req_raw_nonce(empty_os, sizeof(empty_os)));
	tu_fill(v, sizeof(v), 7);
	v[0] = 0xff;		/* not a DER tag we would parse */
	malformed_req(req_raw_nonce(v, 33));
	malformed_req(req_raw_nonce(v, 0));

	/* The accepted sizes, echoed byte for byte. */
	fake_set(&f, OCSP_ST_GOOD, 0, -1);
	req = req_cert(leaf, cacert, EVP_sha1(), 32);
	ask(NULL, req, VALIDITY, &f, &res);
	bs = check_basic(&res, 0);
	assert_int_equal(OCSP_check_nonce(req, bs), 1);
	OCSP_BASICRESP_free(bs);
	OCSP_REQUEST_free(req);
	free(res.der);
	req = req_raw_nonce(v, 16);
	ask(NULL, req, VALIDITY, &f, &res);
	bs = check_basic(&res, 0);
	assert_int_equal(res.nonce, 1);
	assert_int_equal(OCSP_check_nonce(req, bs), 1);
	OCSP_BASICRESP_free(bs);
	OCSP_REQUEST_free(req);
	free(res.der);
}

/* RFC 6960 2.3: nothing in the request is ours. */
static void
test_unauthorized(void **state)
{
	struct ocsp_result	 res;
	struct fake		 f;
	OCSP_REQUEST		*req;
	X509			*issuers[] = { forcert, twincert };
	size_t			 i;

	for (i = 0; i < 2; i++) {
		fake_set(&f, OCSP_ST_GOOD, 0, -1);
		req = req_cert(leaf, issuers[i], EVP_sha1(), 0);
		ask(NULL, req, VALIDITY, &f, &res);
		check_error(&res, OCSP_RESPONSE_STATUS_UNAUTHORIZED,
		    "unauthorized");
		assert_int_equal(f.calls, 0);
		assert_string_equal(res.serial, LEAF_HEX);
		OCSP_REQUEST_free(req);
		free(res.der);
	}
	/* Our CA, but hashed with MD5, which we do not recognise. */
	fake_set(&f, OCSP_ST_GOOD, 0, -1);
	req = req_cert(leaf, cacert, EVP_md5(), 0);
	ask(NULL, req, VALIDITY, &f, &res);
	check_error(&res, OCSP_RESPONSE_STATUS_UNAUTHORIZED, "unauthorized");
	assert_int_equal(f.calls, 0);
	OCSP_REQUEST_free(req);
	free(res.der);
}

/* Ours and someone else's: an answer for each, unknown for theirs. */
static void
test_mixed(void **state)
{
	struct ocsp_result	 res;
	struct fake		 f;
	OCSP_REQUEST		*req;
	OCSP_BASICRESP		*bs;
	int			 st;

	fake_set(&f, OCSP_ST_REVOKED, 1700000000, 1);
	req = req_cert(forleaf, forcert, EVP_sha1(), 16);
	assert_non_null(OCSP_request_add0_id(req,
	    OCSP_cert_to_id(EVP_sha256(), leaf, cacert)));
	ask(NULL, req, VALIDITY, &f, &res);
	/*
	 * OpenSSL's verifier wants every CertID from one issuer unless the
	 * trust anchor is explicitly trusted for OCSP signing; the
	 * signature itself must still verify.
	 */
	bs = check_basic(&res, OCSP_NOCHECKS);
	assert_int_equal(f.calls, 1);
	assert_string_equal(res.outcome, "unknown");	/* the first */
	assert_int_equal(OCSP_resp_count(bs), 2);
	assert_int_equal(OCSP_resp_find_status(bs,
	    OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 0)), &st, NULL,
	    NULL, NULL, NULL), 1);
	assert_int_equal(st, V_OCSP_CERTSTATUS_UNKNOWN);
	assert_int_equal(OCSP_resp_find_status(bs,
	    OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 1)), &st, NULL,
	    NULL, NULL, NULL), 1);
	assert_int_equal(st, V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(OCSP_check_nonce(req, bs), 1);
	OCSP_BASICRESP_free(bs);
	OCSP_REQUEST_free(req);
	free(res.der);
}

/* The limit itself is fine: 16 CertIDs, 16 lookups, 16 answers. */
static void
test_sixteen(void **state)
{
	struct ocsp_result	 res;
	struct fake		 f;
	OCSP_REQUEST		*req;
	OCSP_BASICRESP		*bs;
	char			 hex[41];
	int			 i;

	fake_set(&f, OCSP_ST_GOOD, 0, -1);
	assert_non_null(req = OCSP_REQUEST_new());
	for (i = 0; i < OCSP_CERTIDS_MAX; i++) {
		snprintf(hex, sizeof(hex), "7E8DF99AAB7CB7B3B54B75643C9260%02X",
		    i);
		assert_non_null(OCSP_request_add0_id(req,
		    id_serial(EVP_sha1(), cacert, hex)));
	}
	ask(NULL, req, VALIDITY, &f, &res);
	bs = check_basic(&res, 0);
	assert_int_equal(f.calls, OCSP_CERTIDS_MAX);
	assert_int_equal(OCSP_resp_count(bs), OCSP_CERTIDS_MAX);
	assert_string_equal(res.serial, "7E8DF99AAB7CB7B3B54B75643C926000");
	OCSP_BASICRESP_free(bs);
	OCSP_REQUEST_free(req);
	free(res.der);
}

/* Ask for "hex" (as BN_hex2bn reads it); what did the store see? */
static void
serial_seen(const char *hex, const char *want)
{
	struct ocsp_result	 res;
	struct fake		 f;
	OCSP_REQUEST		*req;
	OCSP_BASICRESP		*bs;

	fake_set(&f, OCSP_ST_GOOD, 0, -1);
	req = req_id(id_serial(EVP_sha1(), cacert, hex), 0);
	ask(NULL, req, VALIDITY, &f, &res);
	bs = check_basic(&res, 0);
	if (want == NULL) {
		assert_int_equal(f.calls, 0);
		assert_string_equal(res.serial, "");
		assert_string_equal(res.outcome, "unknown");
	} else {
		assert_int_equal(f.calls, 1);
		assert_string_equal(f.last, want);
		assert_string_equal(res.serial, want);
		assert_string_equal(res.outcome, "good");
	}
	OCSP_BASICRESP_free(bs);
	OCSP_REQUEST_free(req);
	free(res.der);
}

static void
test_serials(void **state)
{
	/* What ca_issue() makes and stores. */
	serial_seen("7E8DF99AAB7CB7B3B54B75643C926E96",
	    "7E8DF99AAB7CB7B3B54B75643C926E96");
	serial_seen("7e8df99aab7cb7b3b54b75643c926e96",
	    "7E8DF99AAB7CB7B3B54B75643C926E96");
	serial_seen("0000A", "0A");		/* whole octets, no padding */
	serial_seen("1", "01");
	serial_seen("FF", "FF");		/* DER 00 FF: still FF */
	serial_seen("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
	    "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");	/* 20 octets */
	/* Cannot be ours: answered unknown without asking. */
	serial_seen("0", NULL);
	serial_seen("-7E", NULL);
	serial_seen("010000000000000000000000000000000000000000", NULL);
}

/* One cached ask for "hex" with the status in "f"; the result's DER. */
static void
ask_cached(struct ocsp_cache *c, const EVP_MD *md, const char *hex,
    int noncesz, struct fake *f, struct ocsp_result *res)
{
	OCSP_REQUEST	*req;

	req = req_id(id_serial(md, cacert, hex), noncesz);
	ask(c, req, VALIDITY, f, res);
	assert_int_equal(res->http, 200);
	OCSP_REQUEST_free(req);
}

static int
same(const struct ocsp_result *a, const struct ocsp_result *b)
{
	return a->dersz == b->dersz && memcmp(a->der, b->der, a->dersz) == 0;
}

/* The thisUpdate of the only SingleResponse of "res". */
static void
check_this_update(const struct ocsp_result *res, time_t want)
{
	OCSP_BASICRESP		*bs = check_basic(res, 0);
	ASN1_GENERALIZEDTIME	*tu = NULL;

	assert_true(OCSP_single_get0_status(OCSP_resp_get0(bs, 0), NULL, NULL,
	    &tu, NULL) >= 0);
	assert_non_null(tu);
	assert_int_equal(ASN1_TIME_cmp_time_t(tu, want), 0);
	OCSP_BASICRESP_free(bs);
}

#define SER_A	"7E8DF99AAB7CB7B3B54B75643C926E96"
#define SER_B	"40000000000000000000000000000001"
#define SER_C	"5A0102030405060708090A0B0C0D0E0F"

/*
 * Reuse: the clock moves 10 s between two identical requests, so a
 * fresh signature would carry a new thisUpdate; the cached one keeps
 * the first, byte for byte.
 */
static void
test_cache_reuse(void **state)
{
	struct ocsp_cache	*c;
	struct ocsp_cache_stats	 s;
	struct ocsp_result	 r1, r2, r3;
	struct fake		 f;
	time_t			 t0;

	assert_non_null(c = ocsp_cache_new(16));
	ocsp_cache_set_clock(c, fake_clock);
	t0 = fake_now = time(NULL);
	fake_set(&f, OCSP_ST_GOOD, 0, -1);
	ask_cached(c, EVP_sha1(), SER_A, 0, &f, &r1);
	assert_int_equal(r1.cached, 0);
	check_this_update(&r1, t0);
	fake_now += 10;
	ask_cached(c, EVP_sha1(), SER_A, 0, &f, &r2);
	assert_int_equal(r2.cached, 1);
	assert_true(same(&r1, &r2));
	assert_string_equal(r2.outcome, "good");
	assert_string_equal(r2.serial, SER_A);
	assert_int_equal(f.calls, 2);		/* looked up every time */
	/* Another hash algorithm is another CertID, another entry. */
	ask_cached(c, EVP_sha256(), SER_A, 0, &f, &r3);
	assert_int_equal(r3.cached, 0);
	check_this_update(&r3, t0 + 10);
	ocsp_cache_stats(c, &s);
	assert_int_equal(s.hits, 1);
	assert_int_equal(s.misses, 2);
	assert_int_equal(s.entries, 2);
	free(r1.der);
	free(r2.der);
	free(r3.der);
	ocsp_cache_free(c);
}

/* Any change of what the store says is a new signature. */
static void
test_cache_invalidate(void **state)
{
	struct ocsp_cache	*c;
	struct ocsp_result	 r[6];
	struct fake		 f;
	int			 i;

	assert_non_null(c = ocsp_cache_new(16));
	ocsp_cache_set_clock(c, fake_clock);
	fake_now = time(NULL);
	fake_set(&f, OCSP_ST_GOOD, 0, -1);
	ask_cached(c, EVP_sha1(), SER_A, 0, &f, &r[0]);
	fake_now++;
	fake_set(&f, OCSP_ST_REVOKED, 1700000000, 1);
	ask_cached(c, EVP_sha1(), SER_A, 0, &f, &r[1]);
	assert_string_equal(r[1].outcome, "revoked");
	fake_now++;
	ask_cached(c, EVP_sha1(), SER_A, 0, &f, &r[2]);
	fake_now++;
	f.st.reason = 6;			/* another reason */
	ask_cached(c, EVP_sha1(), SER_A, 0, &f, &r[3]);
	fake_now++;
	f.st.revoked_at++;			/* another time */
	ask_cached(c, EVP_sha1(), SER_A, 0, &f, &r[4]);
	fake_now++;
	fake_set(&f, OCSP_ST_UNKNOWN, 0, -1);	/* gone from the store */
	ask_cached(c, EVP_sha1(), SER_A, 0, &f, &r[5]);
	assert_int_equal(r[0].cached, 0);
	assert_int_equal(r[1].cached, 0);
	assert_int_equal(r[2].cached, 1);
	assert_true(same(&r[1], &r[2]));
	assert_int_equal(r[3].cached, 0);
	assert_int_equal(r[4].cached, 0);
	assert_int_equal(r[5].cached, 0);
	assert_string_equal(r[5].outcome, "unknown");
	for (i = 0; i < 6; i++)
		free(r[i].der);
	ocsp_cache_free(c);
}

/* More than 3/4 of the validity gone, or the clock behind: re-sign. */
static void
test_cache_expiry(void **state)
{
	struct ocsp_cache	*c;
	struct ocsp_result	 r[5];
	struct fake		 f;
	time_t			 t0;
	int			 i;

	assert_non_null(c = ocsp_cache_new(16));
	ocsp_cache_set_clock(c, fake_clock);
	t0 = fake_now = time(NULL);
	fake_set(&f, OCSP_ST_GOOD, 0, -1);
	ask_cached(c, EVP_sha1(), SER_A, 0, &f, &r[0]);
	fake_now = t0 + VALIDITY - VALIDITY / 4 - 1;	/* just fresh */
	ask_cached(c, EVP_sha1(), SER_A, 0, &f, &r[1]);
	fake_now = t0 + VALIDITY - VALIDITY / 4;	/* just stale */
	ask_cached(c, EVP_sha1(), SER_A, 0, &f, &r[2]);
	check_this_update(&r[2], fake_now);
	fake_now = t0 - 5;				/* stepped back */
	ask_cached(c, EVP_sha1(), SER_A, 0, &f, &r[3]);
	check_this_update(&r[3], t0 - 5);
	ask_cached(c, EVP_sha1(), SER_A, 0, &f, &r[4]);
	assert_int_equal(r[0].cached, 0);
	assert_int_equal(r[1].cached, 1);
	assert_int_equal(r[2].cached, 0);
	assert_int_equal(r[3].cached, 0);
	assert_int_equal(r[4].cached, 1);
	assert_true(same(&r[3], &r[4]));
	for (i = 0; i < 5; i++)
		free(r[i].der);
	ocsp_cache_free(c);
}

/* Nonces, several CertIDs, unknown serials: always signed afresh. */
static void
test_cache_never(void **state)
{
	struct ocsp_cache	*c;
	struct ocsp_cache_stats	 s;
	struct ocsp_result	 r1, r2;
	struct fake		 f;
	OCSP_REQUEST		*req;
	int			 i;

	assert_non_null(c = ocsp_cache_new(16));
	ocsp_cache_set_clock(c, fake_clock);
	fake_now = time(NULL);
	fake_set(&f, OCSP_ST_GOOD, 0, -1);
	for (i = 0; i < 2; i++) {
		ask_cached(c, EVP_sha1(), SER_A, 16, &f, &r1);
		assert_int_equal(r1.cached, 0);
		assert_int_equal(r1.nonce, 1);
		free(r1.der);
	}
	for (i = 0; i < 2; i++) {
		req = req_id(id_serial(EVP_sha1(), cacert, SER_A), 0);
		assert_non_null(OCSP_request_add0_id(req,
		    id_serial(EVP_sha1(), cacert, SER_B)));
		ask(c, req, VALIDITY, &f, &r1);
		assert_int_equal(r1.cached, 0);
		free(r1.der);
		OCSP_REQUEST_free(req);
	}
	fake_set(&f, OCSP_ST_UNKNOWN, 0, -1);
	ask_cached(c, EVP_sha1(), SER_C, 0, &f, &r1);
	fake_now++;
	ask_cached(c, EVP_sha1(), SER_C, 0, &f, &r2);
	assert_int_equal(r2.cached, 0);
	assert_false(same(&r1, &r2));
	ocsp_cache_stats(c, &s);
	assert_int_equal(s.entries, 0);
	assert_int_equal(s.hits, 0);
	free(r1.der);
	free(r2.der);
	/* The error statuses are not cached either, and say so. */
	f.fail = 1;
	ask_cached(c, EVP_sha1(), SER_A, 0, &f, &r1);
	check_error(&r1, OCSP_RESPONSE_STATUS_TRYLATER, "tryLater");
	free(r1.der);
	ocsp_cache_free(c);
}

/* Bounded: the oldest entry goes first. */
static void
test_cache_evict(void **state)
{
	struct ocsp_cache	*c;
	struct ocsp_cache_stats	 s;
	struct ocsp_result	 r;
	struct fake		 f;
	const char		*order[] = { SER_A, SER_B, SER_C, SER_B,
				    SER_A };
	int			 want[] = { 0, 0, 0, 1, 0 };
	int			 i;

	assert_null(ocsp_cache_new(0));
	assert_non_null(c = ocsp_cache_new(2));
	ocsp_cache_set_clock(c, fake_clock);
	fake_now = time(NULL);
	fake_set(&f, OCSP_ST_GOOD, 0, -1);
	for (i = 0; i < 5; i++) {
		ask_cached(c, EVP_sha1(), order[i], 0, &f, &r);
		if (r.cached != want[i])
			fail_msg("request %d: cached %d", i, r.cached);
		free(r.der);
		ocsp_cache_stats(c, &s);
		assert_true(s.entries <= 2);
	}
	ocsp_cache_free(c);
	/* No cache at all: ocsp_respond(). */
	ask_cached(NULL, EVP_sha1(), SER_A, 0, &f, &r);
	assert_int_equal(r.cached, 0);
	OCSP_BASICRESP_free(check_basic(&r, 0));
	free(r.der);
}

struct hammer {
	struct ocsp_cache	*c;
	unsigned char		*req;
	size_t			 reqsz;
	unsigned char		*want;
	size_t			 wantsz;
	int			 bad;
};

static void *
hammer_run(void *arg)
{
	struct hammer		*h = arg;
	struct ocsp_result	 res;
	struct fake		 f;
	int			 i;

	fake_set(&f, OCSP_ST_GOOD, 0, -1);
	for (i = 0; i < 200; i++) {
		ocsp_respond_cached(h->c, ca, h->req, h->reqsz, VALIDITY,
		    fake_lookup, &f, &res);
		if (res.dersz != h->wantsz ||
		    memcmp(res.der, h->want, res.dersz) != 0)
			h->bad++;
		free(res.der);
	}
	return NULL;
}

/* Several threads on one cache: every answer the cached one. */
static void
test_cache_threads(void **state)
{
	struct hammer		 h;
	struct ocsp_result	 first;
	struct ocsp_cache_stats	 s;
	OCSP_REQUEST		*req;
	struct fake		 f;
	pthread_t		 t[4];
	int			 i;

	memset(&h, 0, sizeof(h));
	assert_non_null(h.c = ocsp_cache_new(16));
	fake_set(&f, OCSP_ST_GOOD, 0, -1);
	req = req_id(id_serial(EVP_sha1(), cacert, SER_B), 0);
	h.req = req_der(req, &h.reqsz);
	ocsp_respond_cached(h.c, ca, h.req, h.reqsz, VALIDITY, fake_lookup,
	    &f, &first);
	h.want = first.der;
	h.wantsz = first.dersz;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer_run, &h),
		    0);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(h.bad, 0);
	ocsp_cache_stats(h.c, &s);
	assert_int_equal(s.hits, 800);
	free(first.der);
	OPENSSL_free(h.req);
	OCSP_REQUEST_free(req);
	ocsp_cache_free(h.c);
}

/* Run "cmd" in "dir" and return its output (caller frees). */
static char *
run(const char *dir, const char *cmd)
{
	char	*full, *out;
	FILE	*fp;
	size_t	 n = 0;

	assert_true(asprintf(&full, "cd %s && %s 2>&1", dir, cmd) != -1);
	assert_non_null(fp = popen(full, "r"));
	assert_non_null(out = calloc(1, 65536));
	n = fread(out, 1, 65535, fp);
	out[n] = '\0';
	pclose(fp);
	free(full);
	return out;
}

/* openssl-ocsp(1) as the relying party, good and then revoked. */
static void
test_openssl_cli(void **state)
{
	struct ocsp_result	 res;
	struct fake		 f;
	OCSP_REQUEST		*req;
	unsigned char		*der;
	size_t			 len;
	char			*dir, *p, *out;
	int			 revoked;

	if (system("openssl version >/dev/null 2>&1") != 0)
		skip();
	assert_non_null(dir = tu_tmpdir());
	assert_non_null(p = tu_path(dir, "ca.pem"));
	assert_int_equal(tu_pem_cert(p, cacert, 0644), 0);
	free(p);
	assert_non_null(p = tu_path(dir, "leaf.pem"));
	assert_int_equal(tu_pem_cert(p, leaf, 0644), 0);
	free(p);
	for (revoked = 0; revoked <= 1; revoked++) {
		if (revoked)
			fake_set(&f, OCSP_ST_REVOKED, 1700000000, 1);
		else
			fake_set(&f, OCSP_ST_GOOD, 0, -1);
		req = req_cert(leaf, cacert, EVP_sha1(), 16);
		der = req_der(req, &len);
		assert_non_null(p = tu_path(dir, "req.der"));
		assert_int_equal(tu_write(p, der, len, 0644), 0);
		free(p);
		ocsp_respond(ca, der, len, VALIDITY, fake_lookup, &f, &res);
		assert_non_null(p = tu_path(dir, "resp.der"));
		assert_int_equal(tu_write(p, res.der, res.dersz, 0644), 0);
		free(p);
		/*
		 * -reqin: the nonce must come back.  (With -cert as well,
		 * openssl would put a nonce of its own in the request.)
		 * -verify_other: the CA signs and is not in the response.
		 */
		out = run(dir, "openssl ocsp -reqin req.der -respin resp.der "
		    "-CAfile ca.pem -verify_other ca.pem");
		if (strstr(out, "Response verify OK") == NULL ||
		    strstr(out, "WARNING") != NULL ||
		    strstr(out, "rror") != NULL)
			fail_msg("openssl ocsp said: %s (%s)", out, dir);
		free(out);
		out = run(dir, "openssl ocsp -respin resp.der -issuer ca.pem "
		    "-CAfile ca.pem -cert leaf.pem -no_nonce");
		if (strstr(out, "Response verify OK") == NULL ||
		    strstr(out, revoked ? "leaf.pem: revoked" :
		    "leaf.pem: good") == NULL ||
		    (revoked && strstr(out, "Reason: keyCompromise") == NULL))
			fail_msg("openssl ocsp said: %s (%s)", out, dir);
		free(out);
		free(res.der);
		OPENSSL_free(der);
		OCSP_REQUEST_free(req);
	}
	tu_rmrf(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_sha1),
		cmocka_unit_test(test_hashes_and_nonce),
		cmocka_unit_test(test_revoked),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_trylater),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_nonce_lengths),
		cmocka_unit_test(test_unauthorized),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_sixteen),
		cmocka_unit_test(test_serials),
		cmocka_unit_test(test_cache_reuse),
		cmocka_unit_test(test_cache_invalidate),
		cmocka_unit_test(test_cache_expiry),
		cmocka_unit_test(test_cache_never),
		cmocka_unit_test(test_cache_evict),
		cmocka_unit_test(test_cache_threads),
		cmocka_unit_test(test_openssl_cli),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
