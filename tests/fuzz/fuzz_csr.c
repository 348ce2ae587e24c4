/*	SPDX-License-Identifier: ISC */
/*
 * fuzz_csr.c: libFuzzer target for a PKCS#10 request (RFC 2986) as it
 * comes out of a pkcsPKIEnvelope: csr_parse(), then for a parsed one
 * policy_enroll() and ca_issue() with a throwaway CA, since the subject
 * and subjectAltName DER are copied into the certificate.
 * A broken contract of csr.h is a crash: abort().
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "ca.h"
#include "csr.h"
#include "fuzz.h"
#include "log.h"
#include "policy.h"
#include "scep.h"
#include "testutil.h"

static struct ca	*fz_ca;

/* An EC CA: signing per input must be cheap. */
static void
fz_init(void)
{
	EVP_PKEY	*key;
	X509		*cert;

	if (fz_ca != NULL)
		return;
	log_init(getenv("SCEPD_FUZZ_LOG") != NULL ? LOG_LVL_DEBUG :
	    LOG_LVL_ERROR);
	if ((key = tu_key_ec("P-256")) == NULL ||
	    (cert = tu_cert_self(key, "fuzz CA", 1)) == NULL ||
	    (fz_ca = ca_new(cert, key)) == NULL)
		abort();
	X509_free(cert);
	EVP_PKEY_free(key);
}

/* csr.h's promises about a parsed request. */
static void
fz_check(const struct csr_info *ci)
{
	if (ci->subject == NULL || ci->subjectsz < 2 || ci->spki == NULL ||
	    ci->spkisz == 0 || ci->subject_txt == NULL || ci->why != NULL)
		abort();
	if ((ci->san == NULL) != (ci->sansz == 0))
		abort();
	if (ci->challengesz > CSR_CHALLENGE_MAX ||
	    ci->challenge[ci->challengesz] != '\0' ||
	    (ci->challenge_state == CSR_CHALLENGE_ONE &&
	    (ci->challengesz == 0 ||
	    strlen(ci->challenge) != ci->challengesz)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_profile	 pr = { .name = (char *)"fuzz",
	    .policy = { .rsa_min_bits = 1024, .rsa_max_bits = 16384,
	    .key_types = CONF_KEY_RSA | CONF_KEY_EC,
	    .ec_curves = CONF_EC_P256 | CONF_EC_P384 },
	    .cert = { .validity_days = 30, .san_copy = CONF_SAN_ALL,
	    .digest = (char *)"sha256", .eku = (char *)"clientAuth" } };
	struct policy_req	 prq = { .peer = "127.0.0.1", .txidlen = 8 };
	struct csr_info		 ci;
	enum scep_fail		 f, pf;
	X509			*x;
	char			 why[256], serial[64];

	fz_init();
	f = csr_parse(data, size, &ci);
	if (f == SCEP_OK) {
		fz_check(&ci);
		prq.ci = &ci;
		if (policy_enroll(&pr, &prq, &pf, why, sizeof(why)) ==
		    POLICY_ISSUE) {
			x = ca_issue(fz_ca, &ci, &pr.cert, serial);
			X509_free(x);
		}
	} else if (ci.why == NULL || (f != SCEP_FAIL_BADREQUEST &&
	    f != SCEP_FAIL_BADALG))
		abort();
	csr_info_clear(&ci);
	ERR_clear_error();
	return 0;
}
