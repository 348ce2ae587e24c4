/*	SPDX-License-Identifier: ISC */
/*
 * policy.c: decide whether a request may be issued (checklist 9:
 * AUTH-01..09, issue #4 items 5 and 6).  Reasons are written for the
 * requester's failInfoText and the log: they name the rule, never the
 * secret.  Plain C: conf.h, csr.h, util.h only.
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
		if (!(p->key_types & CONF_KEY_RSA))
			break;
		if (ci->key_bits < p->rsa_min_bits ||
		    ci->key_bits > p->rsa_max_bits) {
			snprintf(why, whysz, "RSA key of %d bits is outside "
			    "the allowed %d to %d", ci->key_bits,
			    p->rsa_min_bits, p->rsa_max_bits);
			return SCEP_FAIL_BADREQUEST;
		}
		return SCEP_OK;
	case CSR_KEY_EC_P256:
		if ((p->key_types & CONF_KEY_EC) &&
		    (p->ec_curves & CONF_EC_P256))
			return SCEP_OK;
		break;
	case CSR_KEY_EC_P384:
		if ((p->key_types & CONF_KEY_EC) &&
		    (p->ec_curves & CONF_EC_P384))
			return SCEP_OK;
		break;
	default:
		break;
	}
	snprintf(why, whysz, "key type or curve not allowed");
	return SCEP_FAIL_BADALG;
}

/* What the SAN walk found and needs. */
struct policy_sans {
	const struct conf_cert	*tc;
	size_t			 copied;	/* names the certificate gets */
	char			*why;
	size_t			 whysz;
};

static int
policy_san_bit(const char *type)
{
	if (strcmp(type, "dns") == 0)
		return CONF_SAN_DNS;
	if (strcmp(type, "email") == 0)
		return CONF_SAN_EMAIL;
	if (strcmp(type, "uri") == 0)
		return CONF_SAN_URI;
	if (strcmp(type, "ip") == 0)
		return CONF_SAN_IP;
	return CONF_SAN_OTHER;
}

/*
 * One requested name: types the template does not copy are left out of
 * the certificate; a copied one must match san.pattern (Intune's
 * "tag:microsoft.com,2022-09-14:sid:..." URI is a URI like any other).
 */
static int
policy_san_one(const char *type, const char *value, void *arg)
{
	struct policy_sans *ps = arg;

	if ((policy_san_bit(type) & ps->tc->san_copy) == 0)
		return 0;
	if (ps->tc->san_re != NULL && !conf_re_match(ps->tc->san_re, value)) {
		snprintf(ps->why, ps->whysz, "subjectAltName %s \"%.64s\" does "
		    "not match the profile's pattern", type, value);
		return -1;
	}
	ps->copied++;
	return 0;
}

/* Subject and subjectAltName rules of the template. */
static enum scep_fail
policy_names(const struct conf_cert *tc, const struct csr_info *ci,
    char *why, size_t whysz)
{
	struct policy_sans ps = { tc, 0, why, whysz };

	*why = '\0';
	if (ci->san != NULL && csr_san_each(ci->san, ci->sansz,
	    policy_san_one, &ps) == -1) {
		if (*why == '\0')
			snprintf(why, whysz, "subjectAltName unreadable");
		return SCEP_FAIL_BADREQUEST;
	}
	if (tc->subject_mode == CONF_SUBJECT_OVERRIDE)
		return SCEP_OK;
	if (tc->subject_mode == CONF_SUBJECT_REQUIRE &&
	    !conf_re_match(tc->subject_re, ci->subject_txt)) {
		snprintf(why, whysz, "subject \"%.96s\" does not match the "
		    "profile's pattern", ci->subject_txt);
		return SCEP_FAIL_BADREQUEST;
	}
	/* An empty Name is 30 00; it needs a subjectAltName (RFC 5280). */
	if (ci->subjectsz <= 2 && ps.copied == 0) {
		snprintf(why, whysz, "empty subject and no subjectAltName");
		return SCEP_FAIL_BADREQUEST;
	}
	return SCEP_OK;
}

/*
 * What every request, new or renewal, must meet: transactionID length,
 * key policy, names.
 */
static enum scep_fail
policy_common(const struct conf_profile *pr, const struct csr_info *ci,
    size_t txidlen, char *why, size_t whysz)
{
	enum scep_fail f;

	if (txidlen > SCEP_TXID_POLICY_MAX) {
		snprintf(why, whysz, "transactionID longer than %d",
		    SCEP_TXID_POLICY_MAX);
		return SCEP_FAIL_BADREQUEST;
	}
	if ((f = policy_key(&pr->policy, ci, why, whysz)) != SCEP_OK)
		return f;
	return policy_names(&pr->cert, ci, why, whysz);
}

enum policy_challenge
policy_static_challenge(const struct conf_policy *p,
    const struct csr_info *ci)
{
	unsigned char h[CONF_HASH_LEN];

	if (ci->challenge_state == CSR_CHALLENGE_NONE)
		return POLICY_CH_NONE;
	if (ci->challenge_state != CSR_CHALLENGE_ONE ||
	    sha256(ci->challenge, ci->challengesz, h) == -1)
		return POLICY_CH_BAD;
	return ct_equal(h, sizeof(h), p->challenge_hash,
	    sizeof(p->challenge_hash)) ? POLICY_CH_VALID : POLICY_CH_BAD;
}

/* Do all the given approval rules hold? */
static int
policy_rules(const struct conf_policy *p, const struct policy_req *rq)
{
	if (p->nets.n > 0 && !conf_net_match(&p->nets, rq->peer))
		return 0;
	if (p->rule_subject != NULL &&
	    !conf_re_match(p->rule_subject, rq->ci->subject_txt))
		return 0;
	if (p->rule_challenge && rq->challenge != POLICY_CH_VALID)
		return 0;
	return 1;
}

enum policy_verdict
policy_enroll(const struct conf_profile *pr, const struct policy_req *rq,
    enum scep_fail *f, char *why, size_t whysz)
{
	const struct conf_policy	*p = &pr->policy;
	int				 needed;

	if ((*f = policy_common(pr, rq->ci, rq->txidlen, why, whysz)) !=
	    SCEP_OK)
		return POLICY_REJECT;
	*f = SCEP_FAIL_BADREQUEST;
	if (rq->challenge == POLICY_CH_BAD) {
		snprintf(why, whysz, "%s", rq->challenge_why != NULL ?
		    rq->challenge_why : "challenge mismatch");
		return POLICY_REJECT;
	}
	needed = p->challenge_mode != CONF_CHALLENGE_NONE;
	if (p->manual)
		/* AUTH-04: without a challenge, an administrator decides. */
		return POLICY_PENDING;
	if (p->rules) {
		if (policy_rules(p, rq) && (!needed ||
		    rq->challenge == POLICY_CH_VALID))
			return POLICY_ISSUE;
		if (p->otherwise == CONF_OTHERWISE_PENDING)
			return POLICY_PENDING;
		snprintf(why, whysz, "the profile's approval rules do not "
		    "allow this request");
		return POLICY_REJECT;
	}
	if (needed && rq->challenge != POLICY_CH_VALID) {
		snprintf(why, whysz, "challengePassword required");
		return POLICY_REJECT;
	}
	*f = SCEP_OK;
	return POLICY_ISSUE;
}

enum scep_fail
policy_renew(const struct conf_profile *pr, const struct csr_info *ci,
    const struct policy_signer *sg, int64_t now, size_t txidlen, char *why,
    size_t whysz)
{
	const struct conf_policy	*p = &pr->policy;
	enum scep_fail			 f;
	int64_t				 left = sg->not_after - now;

	if ((f = policy_common(pr, ci, txidlen, why, whysz)) != SCEP_OK)
		return f;
	if (p->renew_window > 0 && left > (int64_t)p->renew_window * 86400) {
		snprintf(why, whysz, "renewal opens %d days before expiry; "
		    "%lld days left", p->renew_window,
		    (long long)(left / 86400));
		return SCEP_FAIL_BADREQUEST;
	}
	/* REN-04: without proof of possession, the name must not move. */
	if (!p->renew_subject &&
	    pr->cert.subject_mode != CONF_SUBJECT_OVERRIDE &&
	    (ci->subjectsz != sg->subjectsz ||
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
