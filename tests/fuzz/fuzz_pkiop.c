/*	SPDX-License-Identifier: ISC */
/*
 * fuzz_pkiop.c: libFuzzer target for a PKIOperation body, taken down the
 * road engine.c takes it: scep_req_parse() (RFC 8894 3.2); for anything
 * a CertRep can answer, scep_rep_encode() of the FAILURE that echoes its
 * transactionID and nonce (3.3.2); for a well-formed request, the CA
 * opens the envelope (key transport, or a PWRI under "s3cret") and
 * csr_parse() and policy_enroll() judge the CSR.
 *
 * Input: the low bit of byte 0 selects legacy mode (single DES, MD5);
 * the rest is the message.  The CA is the PEM pair named by
 * SCEPD_FUZZ_CA_CERT and SCEPD_FUZZ_CA_KEY when set (scripts/fuzz.sh
 * seeds messages addressed to it), else a throwaway one.
 * A broken contract (below) is a crash: abort().
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

/* A CA struct around a fresh RSA key, as ca_load() would fill it. */
static struct ca *
fz_ca_throwaway(void)
{
	struct ca	*c;
	EVP_PKEY	*key;
	X509		*cert;

	if ((key = tu_key_rsa(2048)) == NULL ||
	    (cert = tu_cert_self(key, "fuzz CA", 1)) == NULL ||
	    (c = ca_new(cert, key)) == NULL)
		abort();
	X509_free(cert);
	EVP_PKEY_free(key);
	return c;
}

static void
fz_init(void)
{
	struct conf_ca	 cc = { 0 };

	if (fz_ca != NULL)
		return;
	log_init(getenv("SCEPD_FUZZ_LOG") != NULL ? LOG_LVL_DEBUG :
	    LOG_LVL_ERROR);
	if (scep_asn1_init() == -1)
		abort();
	cc.cert = getenv("SCEPD_FUZZ_CA_CERT");
	cc.key = getenv("SCEPD_FUZZ_CA_KEY");
	if (cc.cert != NULL && cc.key != NULL) {
		if ((fz_ca = ca_load(&cc)) == NULL)
			abort();
	} else
		fz_ca = fz_ca_throwaway();
}

/* What engine_reply() does for a refused request. */
static void
fz_reply(const struct scep_req *rq, enum scep_fail f)
{
	struct scep_rep	 rep;
	unsigned char	*der;
	size_t		 n;

	memset(&rep, 0, sizeof(rep));
	rep.status = SCEP_STATUS_FAILURE;
	rep.fail = f == SCEP_OK ? SCEP_FAIL_BADREQUEST : f;
	rep.failtext = rq->why;
	rep.rq = rq;
	rep.recipient = rq->signer;
	/* Every request that got this far must get a signed answer. */
	if ((der = ca_certrep(fz_ca, &rep, &n)) == NULL)
		abort();
	free(der);
}

/* Open the envelope and judge the CSR, as engine.c's enrolment does. */
static void
fz_enroll(const struct scep_req *rq)
{
	struct conf_profile	 pr = { .name = (char *)"fuzz",
	    .policy = { .rsa_min_bits = 2048, .rsa_max_bits = 8192,
	    .key_types = CONF_KEY_RSA | CONF_KEY_EC,
	    .ec_curves = CONF_EC_P256 | CONF_EC_P384,
	    .challenge_mode = CONF_CHALLENGE_STATIC },
	    .cert = { .san_copy = CONF_SAN_ALL } };
	struct policy_req	 prq = { .peer = "127.0.0.1" };
	struct csr_info		 ci;
	enum scep_fail		 f;
	unsigned char		*inner = NULL;
	size_t			 n;
	char			 why[256];

	/* A PWRI (pwri.sh, record.sh) is under the seeds' "s3cret". */
	if ((rq->env_ktri ? ca_open_envelope(fz_ca, rq->env, &inner, &n) :
	    ca_open_envelope_password(rq->env, "s3cret", &inner, &n)) == -1) {
		if (inner != NULL)
			abort();
		return;
	}
	if (csr_parse(inner, n, &ci) == SCEP_OK) {
		prq.ci = &ci;
		prq.txidlen = strlen(rq->txid);
		prq.challenge = policy_static_challenge(&pr.policy, &ci);
		(void)policy_enroll(&pr, &prq, &f, why, sizeof(why));
	}
	csr_info_clear(&ci);
	free(inner);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scep_req	*rq = NULL;
	enum scep_fail	 f;

	fz_init();
	if (size < 1)
		return 0;
	f = scep_req_parse(data + 1, size - 1, data[0] & 1, &rq);
	/* scep.h: *rq is always set, except when out of memory. */
	if (rq == NULL) {
		if (f != SCEP_FAIL_INTERNAL)
			abort();
		return 0;
	}
	if (f != SCEP_OK && rq->why == NULL)
		abort();
	if (f != SCEP_FAIL_HTTP && f != SCEP_FAIL_INTERNAL) {
		/* Answerable: the transaction and nonce are known. */
		if (rq->txid[0] == '\0' || rq->noncesz == 0 ||
		    rq->noncesz > SCEP_NONCE_MAX)
			abort();
		fz_reply(rq, f);
	}
	if (f == SCEP_OK) {
		if (rq->env == NULL || rq->signer == NULL || rq->md == NULL ||
		    rq->cipher == NULL || (!rq->env_ktri && !rq->env_pwri))
			abort();
		fz_enroll(rq);
	}
	scep_req_free(rq);
	ERR_clear_error();
	return 0;
}
