/*	SPDX-License-Identifier: ISC */
/*
 * fuzz_ocsp.c: libFuzzer target for an OCSPRequest (RFC 6960 4.1), as
 * POST /ocsp and GET /ocsp/<base64> hand it to ocsp.c once http.c has
 * the DER: ocsp_request_names(), then ocsp_respond() or, through a
 * cache, ocsp_respond_cached(), with a lookup whose answers the input
 * chooses.  A CertID is answered only if it names our CA by SHA-x
 * hashes the fuzzer cannot guess for a CA made at start, so the harness
 * can write the CA's hashes into every CertID first ("fix-up").
 *
 * Input: byte 0: bit 0 fix-up, bit 1 through the cache, bits 2-3 the
 * lookup (all good, all revoked, all unknown, by serial with store
 * failures); the rest is the OCSPRequest.
 * A broken contract of ocsp.h is a crash: abort().
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "ca.h"
#include "fuzz.h"
#include "ocsp.h"
#include "server.h"

static struct ocsp_cache	*fz_cache;

/* ocsp.h: the serial is upper-case hex of at most 20 octets. */
static int
fz_lookup(void *arg, const char *serial, struct ocsp_status *st)
{
	unsigned int	 mode = *(unsigned int *)arg;
	size_t		 n = strlen(serial), i;
	unsigned int	 h = 0;

	if (n == 0 || n > 40 || n % 2 != 0 || st->status != OCSP_ST_UNKNOWN)
		abort();
	for (i = 0; i < n; i++) {
		if (strchr("0123456789ABCDEF", serial[i]) == NULL)
			abort();
		h = h * 31 + (unsigned char)serial[i];
	}
	if (mode == 3)
		mode = h % 5;
	switch (mode) {
	case 0:
		st->status = OCSP_ST_GOOD;
		break;
	case 1:
		st->status = OCSP_ST_REVOKED;
		st->revoked_at = 1600000000 + (int64_t)h;
		st->reason = (int)(h % 12) - 1;
		break;
	case 4:
		return -1;
	default:
		break;
	}
	return 0;
}

/* Write our CA's issuerNameHash and issuerKeyHash into every CertID. */
static unsigned char *
fz_fixup(const struct ca *ca, const uint8_t *der, size_t n, size_t *outsz)
{
	OCSP_REQUEST		*req;
	OCSP_CERTID		*cid;
	ASN1_OCTET_STRING	*nh, *kh;
	ASN1_OBJECT		*alg;
	ASN1_INTEGER		*serial;
	const EVP_MD		*md;
	const unsigned char	*p = der;
	unsigned char		 buf[EVP_MAX_MD_SIZE], *out = NULL;
	unsigned int		 len;
	int			 i, k;

	if (n > 65536 || (req = d2i_OCSP_REQUEST(NULL, &p, (long)n)) == NULL)
		return NULL;
	for (i = 0; i < OCSP_request_onereq_count(req); i++) {
		cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i));
		if (!OCSP_id_get0_info(&nh, &alg, &kh, &serial, cid) ||
		    (md = EVP_get_digestbyobj(alg)) == NULL)
			continue;
		if (X509_NAME_digest(X509_get_subject_name(ca_cert(ca)), md,
		    buf, &len))
			ASN1_OCTET_STRING_set(nh, buf, (int)len);
		if (X509_pubkey_digest(ca_cert(ca), md, buf, &len))
			ASN1_OCTET_STRING_set(kh, buf, (int)len);
	}
	if ((k = i2d_OCSP_REQUEST(req, &out)) <= 0)
		out = NULL;
	else
		*outsz = (size_t)k;
	OCSP_REQUEST_free(req);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_srv		*fs = fz_srv();
	const struct ca		*ca = fs->srv->cas[0].ca;
	struct ocsp_result	 res;
	const unsigned char	*req;
	unsigned char		*fixed = NULL;
	OCSP_RESPONSE		*rsp;
	const unsigned char	*p;
	size_t			 reqsz;
	unsigned int		 mode;

	if (size < 1)
		return 0;
	if (fz_cache == NULL && (fz_cache = ocsp_cache_new(64)) == NULL)
		abort();
	req = data + 1;
	reqsz = size - 1;
	if ((data[0] & 1) && (fixed = fz_fixup(ca, req, reqsz, &reqsz)) !=
	    NULL)
		req = fixed;
	mode = (data[0] >> 2) & 3;
	(void)ocsp_request_names(ca, req, reqsz);
	memset(&res, 0x5a, sizeof(res));
	if (data[0] & 2)
		ocsp_respond_cached(fz_cache, ca, req, reqsz, 3600, fz_lookup,
		    &mode, &res);
	else
		ocsp_respond(ca, req, reqsz, 3600, fz_lookup, &mode, &res);
	if ((res.der == NULL) != (res.http == 500) || res.outcome == NULL ||
	    memchr(res.serial, '\0', sizeof(res.serial)) == NULL)
		abort();
	/* Whatever was asked, the answer is an OCSPResponse. */
	p = res.der;
	if (res.der != NULL && ((rsp = d2i_OCSP_RESPONSE(NULL, &p,
	    (long)res.dersz)) == NULL || p != res.der + res.dersz))
		abort();
	if (res.der != NULL)
		OCSP_RESPONSE_free(rsp);
	free(res.der);
	OPENSSL_free(fixed);
	ERR_clear_error();
	return 0;
}
