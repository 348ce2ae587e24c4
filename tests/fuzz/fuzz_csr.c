/*	SPDX-License-Identifier: ISC */
/*
 * fuzz_csr.c: libFuzzer target for a PKCS#10 request (RFC 2986) as it
 * comes out of a pkcsPKIEnvelope, past its signature: the fuzzer's
 * input is the CertificationRequestInfo, which the harness re-signs
 * (fz_csr_make()), so mutated subjects, attributes and extensions reach
 * csr_parse(), the SAN walker csr_san_each(), policy_enroll() and
 * policy_renew() under each profile of the test server, and issue_sign()
 * (ca_issue()) with its CA, since the subject and subjectAltName DER
 * are copied into the certificate.
 *
 * Input: byte 0 chooses the key (bits 0-2, enum fz_key), whether the
 * input's own subjectPKInfo is kept (bit 3: the proof of possession
 * then fails unless it is the key's), the digest (bits 4-5, fz_md())
 * and the profile (bits 6-7); byte 1 the challenge outcome and peer
 * the engine would report; the rest is the CertificationRequestInfo.
 * A broken contract of csr.h or policy.h is a crash: abort().
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "ca.h"
#include "csr.h"
#include "fuzz.h"
#include "issue.h"
#include "policy.h"
#include "scep.h"
#include "server.h"
#include "store.h"

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

/* csr_san_each(): both strings are plain printable text. */
static int
fz_san_cb(const char *type, const char *value, void *arg)
{
	size_t	*n = arg;

	if (type == NULL || value == NULL || type[0] == '\0')
		abort();
	(*n)++;
	return *n > 64 && value[0] == 'x' ? -1 : 0;	/* stop sometimes */
}

/* What the engine would do with a CSR that parsed. */
static void
fz_judge(const struct server_profile *sp, struct csr_info *ci,
    unsigned int b1)
{
	static const char *const peers[] = { "127.0.0.1", "10.9.8.7",
	    "::1", "2001:db8::1" };
	struct policy_req	 prq = { .ci = ci, .txidlen = 1 + (b1 >> 4),
	    .peer = peers[(b1 >> 2) & 3] };
	struct policy_signer	 sg;
	struct issue_ctx	 ic = { .txid = "fz", .peer = prq.peer,
	    .profile = sp->conf->name, .ca = STORE_CA_DEFAULT,
	    .renewed_from = "" };
	struct store_cert	 rec;
	struct x509_st		*x;
	enum scep_fail		 f;
	enum policy_verdict	 v;
	unsigned char		 kid[CSR_KID_LEN];
	char			 why[256];
	size_t			 n = 0;

	if (csr_san_each(ci->san, ci->sansz, fz_san_cb, &n) == 0 &&
	    ci->san == NULL && n != 0)
		abort();
	prq.challenge = (b1 & 3) == 3 ? policy_static_challenge(
	    &sp->conf->policy, ci) : (int)(b1 & 3) % 3;
	prq.challenge_why = prq.challenge == POLICY_CH_BAD ? "bad" : NULL;
	why[0] = '\0';
	v = policy_enroll(sp->conf, &prq, &f, why, sizeof(why));
	if (v == POLICY_REJECT && (f == SCEP_OK || why[0] == '\0'))
		abort();
	if (v == POLICY_ISSUE) {
		x = issue_sign(sp->sca->ca, &sp->conf->cert, ci, &ic, &rec);
		if (x != NULL && (rec.der == NULL || rec.serial[0] == '\0'))
			abort();
		x509_free(x);
		if (x != NULL)
			store_cert_clear(&rec);
	}
	/* The same CSR as a renewal, by a signer of another key. */
	memset(kid, b1, sizeof(kid));
	sg.subject = ci->subject;
	sg.subjectsz = ci->subjectsz;
	sg.kid = (b1 & 0x80) ? ci->kid : kid;
	sg.not_after = (int64_t)time(NULL) + (int64_t)(b1 & 0x70) * 86400;
	why[0] = '\0';
	if (policy_renew(sp->conf, ci, &sg, (int64_t)time(NULL), prq.txidlen,
	    why, sizeof(why)) != SCEP_OK && why[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_srv		*fs = fz_srv();
	const struct server_profile *sp;
	struct csr_info		 ci;
	unsigned char		*der;
	size_t			 dersz;
	enum scep_fail		 f;

	if (size < 2)
		return 0;
	if ((der = fz_csr_make(data + 2, size - 2,
	    fz_key((data[0] & 7) % FZ_KEY__MAX), fz_md(data[0] >> 4),
	    data[0] & 8, &dersz)) == NULL)
		return 0;
	sp = &fs->srv->profiles[(data[0] >> 6) % fs->srv->nprofiles];
	f = csr_parse(der, dersz, &ci);
	if (f == SCEP_OK) {
		fz_check(&ci);
		fz_judge(sp, &ci, data[1]);
	} else if (ci.why == NULL || (f != SCEP_FAIL_BADREQUEST &&
	    f != SCEP_FAIL_BADALG))
		abort();
	csr_info_clear(&ci);
	free(der);
	ERR_clear_error();
	return 0;
}
