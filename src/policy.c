/*	SPDX-License-Identifier: ISC */
/*
 * policy.c: decide whether a request may be issued (checklist 9:
 * AUTH-01..09).  Reasons are written for the requester's failInfoText
 * and the log: they name the rule, never the secret.
 * Plain C: conf.h, csr.h, util.h only.
 */
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "util.h"

static enum scep_fail
policy_key(const struct conf_policy *p, const struct csr_info *ci,
    char *why, size_t whysz)
{
	switch (ci->key) {
	case CSR_KEY_RSA:
		if (ci->key_bits < p->rsa_min_bits ||
		    ci->key_bits > p->rsa_max_bits) {
			snprintf(why, whysz, "RSA key of %d bits is outside "
			    "the allowed %d to %d", ci->key_bits,
			    p->rsa_min_bits, p->rsa_max_bits);
			return SCEP_FAIL_BADREQUEST;
		}
		return SCEP_OK;
	case CSR_KEY_EC_P256:
		if (p->ec_p256)
			return SCEP_OK;
		break;
	case CSR_KEY_EC_P384:
		if (p->ec_p384)
			return SCEP_OK;
		break;
	default:
		break;
	}
	snprintf(why, whysz, "key type or curve not allowed");
	return SCEP_FAIL_BADALG;
}

static enum scep_fail
policy_challenge(const struct conf_policy *p, const struct csr_info *ci,
    char *why, size_t whysz)
{
	if (p->challenge == NULL)
		return SCEP_OK;
	switch (ci->challenge_state) {
	case CSR_CHALLENGE_NONE:
		/* AUTH-04: without one, an administrator decides. */
		if (p->manual)
			return SCEP_OK;
		snprintf(why, whysz, "challengePassword required");
		return SCEP_FAIL_BADREQUEST;
	case CSR_CHALLENGE_BAD:
		snprintf(why, whysz, "challengePassword malformed "
		    "(RFC 2985 5.4.1: one DirectoryString of 1 to 255)");
		return SCEP_FAIL_BADREQUEST;
	case CSR_CHALLENGE_ONE:
		break;
	}
	if (!ct_equal(ci->challenge, ci->challengesz, p->challenge,
	    strlen(p->challenge))) {
		snprintf(why, whysz, "challenge mismatch");
		return SCEP_FAIL_BADREQUEST;
	}
	return SCEP_OK;
}

/*
 * What every request, new or renewal, must meet: transactionID length,
 * key policy, a name to certify.
 */
static enum scep_fail
policy_common(const struct conf_policy *p, const struct csr_info *ci,
    size_t txidlen, char *why, size_t whysz)
{
	enum scep_fail f;

	if (txidlen > SCEP_TXID_POLICY_MAX) {
		snprintf(why, whysz, "transactionID longer than %d",
		    SCEP_TXID_POLICY_MAX);
		return SCEP_FAIL_BADREQUEST;
	}
	if ((f = policy_key(p, ci, why, whysz)) != SCEP_OK)
		return f;
	/* An empty Name is 30 00; it needs a subjectAltName (RFC 5280). */
	if (ci->subjectsz <= 2 && ci->san == NULL) {
		snprintf(why, whysz, "empty subject and no subjectAltName");
		return SCEP_FAIL_BADREQUEST;
	}
	return SCEP_OK;
}

enum scep_fail
policy_renew(const struct conf_policy *p, const struct csr_info *ci,
    const struct policy_signer *sg, int64_t now, size_t txidlen, char *why,
    size_t whysz)
{
	enum scep_fail	f;
	int64_t		left = sg->not_after - now;

	if ((f = policy_common(p, ci, txidlen, why, whysz)) != SCEP_OK)
		return f;
	if (p->renew_window > 0 && left > (int64_t)p->renew_window * 86400) {
		snprintf(why, whysz, "renewal opens %d days before expiry; "
		    "%lld days left", p->renew_window,
		    (long long)(left / 86400));
		return SCEP_FAIL_BADREQUEST;
	}
	/* REN-04: without proof of possession, the name must not move. */
	if (!p->renew_subject && (ci->subjectsz != sg->subjectsz ||
	    memcmp(ci->subject, sg->subject, sg->subjectsz) != 0)) {
		snprintf(why, whysz, "renewal must keep the subject");
		return SCEP_FAIL_BADREQUEST;
	}
	if (!p->renew_same_key &&
	    memcmp(ci->kid, sg->kid, CSR_KID_LEN) == 0) {
		snprintf(why, whysz, "renewal must use a new key");
		return SCEP_FAIL_BADREQUEST;
	}
	return SCEP_OK;
}

enum scep_fail
policy_enroll(const struct conf_policy *p, const struct csr_info *ci,
    size_t txidlen, char *why, size_t whysz)
{
	enum scep_fail f;

	if ((f = policy_common(p, ci, txidlen, why, whysz)) != SCEP_OK)
		return f;
	return policy_challenge(p, ci, why, whysz);
}
