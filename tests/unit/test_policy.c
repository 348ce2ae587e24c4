/*	SPDX-License-Identifier: ISC */
/*
 * test_policy.c: policy_enroll() and policy_renew() over hand-built
 * struct csr_info values, in plain C as policy.c itself is: key type and
 * size, subject or SAN, transactionID length, the challengePassword
 * (checklist AUTH-01..09), the template's subject and SAN rules and the
 * approval rules (issue #4 items 5, 6), and the renewal window, subject
 * and key rules (RFC 8894 2.5).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "conf_value.h"
#include "policy.h"
#include "util.h"

/* What enroll() answers for POLICY_PENDING. */
#define PENDING	((enum scep_fail)100)

/* DER of the Name "CN=x", and of an empty Name. */
static unsigned char	subject_x[] = {
	0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03,
	0x0c, 0x01, 0x78
};
static unsigned char	subject_empty[] = { 0x30, 0x00 };
/* DER GeneralNames { dNSName "a.example" } */
static unsigned char	san_dns[] = {
	0x30, 0x0b, 0x82, 0x09, 'a', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e'
};

static char		secret[] = "s3cret-Pw";

static struct conf_policy
pol_default(void)
{
	struct conf_policy p = {
		.rsa_min_bits = 2048,
		.rsa_max_bits = 8192,
		.key_types = CONF_KEY_RSA | CONF_KEY_EC,
		.ec_curves = CONF_EC_P256 | CONF_EC_P384,
		.challenge = NULL,
		.legacy = 0,
	};

	return p;
}

static struct csr_info
ci_rsa(int bits)
{
	struct csr_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.subject = subject_x;
	ci.subjectsz = sizeof(subject_x);
	ci.subject_txt = (char *)"CN=x";
	ci.key = CSR_KEY_RSA;
	ci.key_bits = bits;
	ci.challenge_state = CSR_CHALLENGE_NONE;
	return ci;
}

static void
ci_challenge(struct csr_info *ci, const char *pw)
{
	snprintf(ci->challenge, sizeof(ci->challenge), "%s", pw);
	ci->challengesz = strlen(pw);
	ci->challenge_state = CSR_CHALLENGE_ONE;
}

/* The default template, as conf.c fills it. */
static struct conf_cert
tc_default(void)
{
	struct conf_cert tc = { .validity_days = 365,
	    .san_copy = CONF_SAN_ALL };

	return tc;
}

/*
 * A profile around "p" and "tc": p->challenge set makes it a static
 * challenge, as conf.c would from a file holding it.
 */
static struct conf_profile
profile(const struct conf_policy *p, const struct conf_cert *tc)
{
	struct conf_profile pr = { .name = (char *)"test", .enabled = 1 };

	pr.policy = *p;
	pr.cert = tc != NULL ? *tc : tc_default();
	if (p->challenge != NULL) {
		pr.policy.challenge_mode = CONF_CHALLENGE_STATIC;
		assert_int_equal(sha256(p->challenge, strlen(p->challenge),
		    pr.policy.challenge_hash), 0);
	}
	return pr;
}

/*
 * policy_enroll as the engine calls it (a static challenge checked
 * first), from "peer"; SCEP_OK to issue, PENDING, or the failInfo.
 * A refusal always says why, and never reveals the challenge.
 */
static enum scep_fail
enroll_full(const struct conf_policy *p, const struct conf_cert *tc,
    const struct csr_info *ci, size_t txlen, const char *peer)
{
	struct conf_profile	pr = profile(p, tc);
	struct policy_req	rq = { .ci = ci, .txidlen = txlen,
	    .peer = peer };
	enum policy_verdict	v;
	enum scep_fail		f = SCEP_OK;
	char			why[256];

	if (pr.policy.challenge_mode == CONF_CHALLENGE_STATIC)
		rq.challenge = policy_static_challenge(&pr.policy, ci);
	rq.challenge_why = "challenge mismatch";
	memset(why, 0, sizeof(why));
	v = policy_enroll(&pr, &rq, &f, why, sizeof(why));
	if (v == POLICY_REJECT && why[0] == '\0')
		fail_msg("refused (%s) without a reason", scep_fail_str(f));
	if (v == POLICY_REJECT && f == SCEP_OK)
		fail_msg("refused with SCEP_OK");
	if (p->challenge != NULL && strstr(why, p->challenge) != NULL)
		fail_msg("reason \"%s\" reveals the challenge", why);
	return v == POLICY_ISSUE ? SCEP_OK : v == POLICY_PENDING ? PENDING :
	    f;
}

static enum scep_fail
enroll(const struct conf_policy *p, const struct csr_info *ci, size_t txlen)
{
	return enroll_full(p, NULL, ci, txlen, "192.0.2.1");
}

static void
test_rsa_sizes(void **state)
{
	struct conf_policy	p = pol_default();
	struct csr_info		ci;

	ci = ci_rsa(1024);
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADREQUEST);
	ci = ci_rsa(2047);
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADREQUEST);
	ci = ci_rsa(2048);
	assert_int_equal(enroll(&p, &ci, 32), SCEP_OK);
	ci = ci_rsa(4096);
	assert_int_equal(enroll(&p, &ci, 32), SCEP_OK);
	ci = ci_rsa(8192);
	assert_int_equal(enroll(&p, &ci, 32), SCEP_OK);
	ci = ci_rsa(16384);
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADREQUEST);
	/* The configured floor is the floor. */
	p.rsa_min_bits = 1024;
	ci = ci_rsa(1024);
	assert_int_equal(enroll(&p, &ci, 32), SCEP_OK);
}

static void
test_ec_curves(void **state)
{
	struct conf_policy	p = pol_default();
	struct csr_info		ci = ci_rsa(0);

	ci.key = CSR_KEY_EC_P256;
	ci.key_bits = 256;
	assert_int_equal(enroll(&p, &ci, 32), SCEP_OK);
	ci.key = CSR_KEY_EC_P384;
	ci.key_bits = 384;
	assert_int_equal(enroll(&p, &ci, 32), SCEP_OK);

	p.ec_curves = CONF_EC_P256;
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADALG);
	ci.key = CSR_KEY_EC_P256;
	assert_int_equal(enroll(&p, &ci, 32), SCEP_OK);
	p.ec_curves = CONF_EC_P384;
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADALG);
	/* keys.types = [ "rsa" ]: no EC at all, RSA still fine. */
	p.ec_curves = CONF_EC_P256 | CONF_EC_P384;
	p.key_types = CONF_KEY_RSA;
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADALG);
	ci = ci_rsa(2048);
	assert_int_equal(enroll(&p, &ci, 32), SCEP_OK);
	p.key_types = CONF_KEY_EC;
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADALG);
}

static void
test_other_keys(void **state)
{
	struct conf_policy	p = pol_default();
	struct csr_info		ci = ci_rsa(256);

	ci.key = CSR_KEY_EC_OTHER;
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADALG);
	ci.key = CSR_KEY_OTHER;
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADALG);
}

static void
test_challenge_required(void **state)
{
	struct conf_policy	p = pol_default();
	struct csr_info		ci = ci_rsa(2048);

	p.challenge = secret;
	ci.challenge_state = CSR_CHALLENGE_NONE;
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADREQUEST);
	ci.challenge_state = CSR_CHALLENGE_BAD;
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADREQUEST);
	/* A value left over from parsing does not count when state is BAD. */
	ci_challenge(&ci, secret);
	ci.challenge_state = CSR_CHALLENGE_BAD;
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADREQUEST);
}

static void
test_challenge_compare(void **state)
{
	struct conf_policy	p = pol_default();
	struct csr_info		ci = ci_rsa(2048);

	p.challenge = secret;
	ci_challenge(&ci, "S3cret-Pw");			/* case differs */
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADREQUEST);
	ci_challenge(&ci, "s3cret-pw");
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADREQUEST);
	ci_challenge(&ci, "s3cret-P");			/* a prefix */
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADREQUEST);
	ci_challenge(&ci, "s3cret-Pw ");		/* longer */
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADREQUEST);
	ci_challenge(&ci, "x");
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADREQUEST);
	ci_challenge(&ci, secret);
	assert_int_equal(enroll(&p, &ci, 32), SCEP_OK);

	/* challengesz, not the NUL, is what counts. */
	ci.challengesz = strlen(secret) - 1;
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADREQUEST);
}

static void
test_no_challenge_configured(void **state)
{
	struct conf_policy	p = pol_default();
	struct csr_info		ci = ci_rsa(2048);

	assert_int_equal(enroll(&p, &ci, 32), SCEP_OK);
	ci_challenge(&ci, "anything");
	assert_int_equal(enroll(&p, &ci, 32), SCEP_OK);
	ci.challenge_state = CSR_CHALLENGE_BAD;
	assert_int_equal(enroll(&p, &ci, 32), SCEP_OK);
}

static void
test_txid_length(void **state)
{
	struct conf_policy	p = pol_default();
	struct csr_info		ci = ci_rsa(2048);

	assert_int_equal(enroll(&p, &ci, 1), SCEP_OK);
	assert_int_equal(enroll(&p, &ci, SCEP_TXID_POLICY_MAX), SCEP_OK);
	assert_int_equal(enroll(&p, &ci, SCEP_TXID_POLICY_MAX + 1),
	    SCEP_FAIL_BADREQUEST);
	assert_int_equal(enroll(&p, &ci, 256), SCEP_FAIL_BADREQUEST);
}

static void
test_empty_subject(void **state)
{
	struct conf_policy	p = pol_default();
	struct csr_info		ci = ci_rsa(2048);

	ci.subject = subject_empty;
	ci.subjectsz = sizeof(subject_empty);
	ci.subject_txt = (char *)"";
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADREQUEST);
	/* RFC 5280 4.1.2.6: an empty subject is fine with a SAN. */
	ci.san = san_dns;
	ci.sansz = sizeof(san_dns);
	assert_int_equal(enroll(&p, &ci, 32), SCEP_OK);
}

/* The first rule broken decides the failInfo; none is skipped. */
static void
test_order(void **state)
{
	struct conf_policy	p = pol_default();
	struct csr_info		ci = ci_rsa(2048);

	p.challenge = secret;
	ci_challenge(&ci, secret);
	ci.key = CSR_KEY_OTHER;
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADALG);
	assert_int_equal(enroll(&p, &ci, 300), SCEP_FAIL_BADREQUEST);
	ci.key = CSR_KEY_RSA;
	ci.subject = subject_empty;
	ci.subjectsz = sizeof(subject_empty);
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADREQUEST);
}

static void
test_small_why(void **state)
{
	struct conf_policy	p = pol_default();
	struct csr_info		ci = ci_rsa(1024);
	char			why[8];

	struct conf_profile	pr = profile(&p, NULL);
	struct policy_req	rq = { .ci = &ci, .txidlen = 32,
	    .peer = "192.0.2.1" };
	enum scep_fail		f;

	memset(why, 'Z', sizeof(why));
	assert_int_equal(policy_enroll(&pr, &rq, &f, why, sizeof(why)),
	    POLICY_REJECT);
	assert_int_equal(f, SCEP_FAIL_BADREQUEST);
	assert_int_equal(strlen(why), sizeof(why) - 1);
}

/* DER of the Name "CN=y": a different subject of the same size. */
static unsigned char	subject_y[] = {
	0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03,
	0x0c, 0x01, 0x79
};
static unsigned char	kid_old[CSR_KID_LEN] = { 1 };
static unsigned char	kid_new[CSR_KID_LEN] = { 2 };

#define NOW	((int64_t)1800000000)
#define DAY	((int64_t)86400)

/* A renewal of a certificate for "CN=x" expiring in "days" days. */
static struct policy_signer
signer(int64_t days)
{
	struct policy_signer sg = {
		.subject = subject_x,
		.subjectsz = sizeof(subject_x),
		.kid = kid_old,
		.not_after = NOW + days * DAY,
	};

	return sg;
}

static enum scep_fail
renew(const struct conf_policy *p, const struct csr_info *ci,
    const struct policy_signer *sg, size_t txlen)
{
	struct conf_profile	pr = profile(p, NULL);
	enum scep_fail		f;
	char			why[256];

	memset(why, 0, sizeof(why));
	f = policy_renew(&pr, ci, sg, NOW, txlen, why, sizeof(why));
	if (f != SCEP_OK && why[0] == '\0')
		fail_msg("refused (%s) without a reason", scep_fail_str(f));
	return f;
}

static void
test_renew_basic(void **state)
{
	struct conf_policy	p = pol_default();
	struct csr_info		ci = ci_rsa(2048);
	struct policy_signer	sg = signer(10);

	p.renew_same_key = 1;
	memcpy(ci.kid, kid_new, CSR_KID_LEN);
	assert_int_equal(renew(&p, &ci, &sg, 32), SCEP_OK);
	/* A renewal is authenticated by its signer: no challenge asked. */
	p.challenge = secret;
	assert_int_equal(renew(&p, &ci, &sg, 32), SCEP_OK);
	/* The common rules still hold. */
	assert_int_equal(renew(&p, &ci, &sg, SCEP_TXID_POLICY_MAX + 1),
	    SCEP_FAIL_BADREQUEST);
	ci.key_bits = 1024;
	assert_int_equal(renew(&p, &ci, &sg, 32), SCEP_FAIL_BADREQUEST);
	ci.key = CSR_KEY_EC_OTHER;
	assert_int_equal(renew(&p, &ci, &sg, 32), SCEP_FAIL_BADALG);
}

static void
test_renew_window(void **state)
{
	struct conf_policy	p = pol_default();
	struct csr_info		ci = ci_rsa(2048);
	struct policy_signer	sg;

	p.renew_same_key = 1;
	p.renew_window = 0;		/* any time */
	sg = signer(300);
	assert_int_equal(renew(&p, &ci, &sg, 32), SCEP_OK);
	p.renew_window = 30;
	assert_int_equal(renew(&p, &ci, &sg, 32), SCEP_FAIL_BADREQUEST);
	sg = signer(31);
	assert_int_equal(renew(&p, &ci, &sg, 32), SCEP_FAIL_BADREQUEST);
	sg = signer(30);
	assert_int_equal(renew(&p, &ci, &sg, 32), SCEP_OK);
	sg = signer(1);
	assert_int_equal(renew(&p, &ci, &sg, 32), SCEP_OK);
}

static void
test_renew_subject(void **state)
{
	struct conf_policy	p = pol_default();
	struct csr_info		ci = ci_rsa(2048);
	struct policy_signer	sg = signer(10);

	p.renew_same_key = 1;
	ci.subject = subject_y;
	ci.subjectsz = sizeof(subject_y);
	assert_int_equal(renew(&p, &ci, &sg, 32), SCEP_FAIL_BADREQUEST);
	ci.subject = subject_empty;
	ci.subjectsz = sizeof(subject_empty);
	assert_int_equal(renew(&p, &ci, &sg, 32), SCEP_FAIL_BADREQUEST);
	p.renew_subject = 1;
	ci.subject = subject_y;
	ci.subjectsz = sizeof(subject_y);
	assert_int_equal(renew(&p, &ci, &sg, 32), SCEP_OK);
}

/*
 * A renewal allowed to change its subject must still name someone: an
 * empty subject needs a subjectAltName (RFC 5280 4.1.2.6), as for a
 * new enrolment.
 */
static void
test_renew_empty_subject(void **state)
{
	struct conf_policy	p = pol_default();
	struct csr_info		ci = ci_rsa(2048);
	struct policy_signer	sg = signer(10);

	p.renew_same_key = 1;
	p.renew_subject = 1;
	ci.subject = subject_empty;
	ci.subjectsz = sizeof(subject_empty);
	assert_int_equal(renew(&p, &ci, &sg, 32), SCEP_FAIL_BADREQUEST);
	ci.san = san_dns;
	ci.sansz = sizeof(san_dns);
	assert_int_equal(renew(&p, &ci, &sg, 32), SCEP_OK);
}

static void
test_renew_key(void **state)
{
	struct conf_policy	p = pol_default();
	struct csr_info		ci = ci_rsa(2048);
	struct policy_signer	sg = signer(10);

	p.renew_same_key = 0;
	memcpy(ci.kid, kid_old, CSR_KID_LEN);
	assert_int_equal(renew(&p, &ci, &sg, 32), SCEP_FAIL_BADREQUEST);
	memcpy(ci.kid, kid_new, CSR_KID_LEN);
	assert_int_equal(renew(&p, &ci, &sg, 32), SCEP_OK);
	p.renew_same_key = 1;
	memcpy(ci.kid, kid_old, CSR_KID_LEN);
	assert_int_equal(renew(&p, &ci, &sg, 32), SCEP_OK);
}

/* A compiled expression, as cv_regex() makes one (freed by the test). */
static struct conf_re *
re(const char *src)
{
	struct conf_re *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->src = strdup(src);
	assert_int_equal(regcomp(&r->re, src, REG_EXTENDED | REG_NOSUB), 0);
	return r;
}

/* DER GeneralNames { dNSName "a.example", URI "tag:microsoft.com,..." } */
static unsigned char	san_dns_uri[] = {
	0x30, 0x3a, 0x82, 0x09, 'a', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	0x86, 0x2d, 't', 'a', 'g', ':', 'm', 'i', 'c', 'r', 'o', 's', 'o',
	'f', 't', '.', 'c', 'o', 'm', ',', '2', '0', '2', '2', '-', '0', '9',
	'-', '1', '4', ':', 's', 'i', 'd', ':', 'S', '-', '1', '-', '5', '-',
	'2', '1', '-', '1', '2', '3'
};

/* approval.manual: every new enrolment waits, challenge or not (AUTH-04). */
static void
test_manual(void **state)
{
	struct conf_policy	p = pol_default();
	struct csr_info		ci = ci_rsa(2048);

	p.manual = 1;
	assert_int_equal(enroll(&p, &ci, 32), PENDING);
	p.challenge = secret;
	assert_int_equal(enroll(&p, &ci, 32), PENDING);
	ci_challenge(&ci, secret);
	assert_int_equal(enroll(&p, &ci, 32), PENDING);
	/* A wrong challenge is refused, not queued. */
	ci_challenge(&ci, "wrong");
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADREQUEST);
	/* Nor does waiting excuse a bad key. */
	ci = ci_rsa(1024);
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADREQUEST);
}

/* approval.rules: issue only when every given condition holds. */
static void
test_rules(void **state)
{
	struct conf_policy	p = pol_default();
	struct csr_info		ci = ci_rsa(2048);
	struct conf_net		nets[2] = {
		{ AF_INET, { 10, 0, 0, 0 }, 8 },
		{ AF_INET6, { 0x20, 0x01, 0x0d, 0xb8 }, 32 },
	};

	p.rules = 1;
	p.nets.v = nets;
	p.nets.n = 2;
	assert_int_equal(enroll_full(&p, NULL, &ci, 32, "10.1.2.3"), SCEP_OK);
	assert_int_equal(enroll_full(&p, NULL, &ci, 32, "::ffff:10.9.9.9"),
	    SCEP_OK);
	assert_int_equal(enroll_full(&p, NULL, &ci, 32, "2001:db8::7"),
	    SCEP_OK);
	assert_int_equal(enroll_full(&p, NULL, &ci, 32, "11.0.0.1"), PENDING);
	assert_int_equal(enroll_full(&p, NULL, &ci, 32, "2001:db9::1"),
	    PENDING);
	p.otherwise = CONF_OTHERWISE_REJECT;
	assert_int_equal(enroll_full(&p, NULL, &ci, 32, "11.0.0.1"),
	    SCEP_FAIL_BADREQUEST);

	/* And the subject, and a valid challenge. */
	p.rule_subject = re("^CN=x$");
	assert_int_equal(enroll_full(&p, NULL, &ci, 32, "10.0.0.1"), SCEP_OK);
	ci.subject_txt = (char *)"CN=other";
	assert_int_equal(enroll_full(&p, NULL, &ci, 32, "10.0.0.1"),
	    SCEP_FAIL_BADREQUEST);
	ci.subject_txt = (char *)"CN=x";
	p.rule_challenge = 1;
	p.challenge = secret;
	p.otherwise = CONF_OTHERWISE_PENDING;
	assert_int_equal(enroll_full(&p, NULL, &ci, 32, "10.0.0.1"), PENDING);
	ci_challenge(&ci, secret);
	assert_int_equal(enroll_full(&p, NULL, &ci, 32, "10.0.0.1"), SCEP_OK);
	ci_challenge(&ci, "wrong");
	assert_int_equal(enroll_full(&p, NULL, &ci, 32, "10.0.0.1"),
	    SCEP_FAIL_BADREQUEST);
	cv_regex_free(p.rule_subject);
}

/* certificate.subject: keep, require a pattern, override. */
static void
test_subject_template(void **state)
{
	struct conf_policy	p = pol_default();
	struct conf_cert	tc = tc_default();
	struct csr_info		ci = ci_rsa(2048);

	tc.subject_mode = CONF_SUBJECT_REQUIRE;
	tc.subject_re = re("^CN=[a-z]+$");
	assert_int_equal(enroll_full(&p, &tc, &ci, 32, "::1"), SCEP_OK);
	ci.subject_txt = (char *)"CN=X1,O=evil";
	assert_int_equal(enroll_full(&p, &tc, &ci, 32, "::1"),
	    SCEP_FAIL_BADREQUEST);
	/* Override: whatever the CSR says, even nothing. */
	tc.subject_mode = CONF_SUBJECT_OVERRIDE;
	tc.subject_value = (char *)"CN=fixed";
	assert_int_equal(enroll_full(&p, &tc, &ci, 32, "::1"), SCEP_OK);
	ci.subject = subject_empty;
	ci.subjectsz = sizeof(subject_empty);
	assert_int_equal(enroll_full(&p, &tc, &ci, 32, "::1"), SCEP_OK);
	cv_regex_free(tc.subject_re);
}

/* certificate.san: types copied, values matched, Intune's URI kept. */
static void
test_san_template(void **state)
{
	struct conf_policy	p = pol_default();
	struct conf_cert	tc = tc_default();
	struct csr_info		ci = ci_rsa(2048);

	ci.subject = subject_empty;
	ci.subjectsz = sizeof(subject_empty);
	ci.subject_txt = (char *)"";
	ci.san = san_dns_uri;
	ci.sansz = sizeof(san_dns_uri);
	assert_int_equal(enroll_full(&p, &tc, &ci, 32, "::1"), SCEP_OK);
	tc.san_re = re("^(a\\.example|tag:microsoft\\.com,2022-09-14:sid:.*)$");
	assert_int_equal(enroll_full(&p, &tc, &ci, 32, "::1"), SCEP_OK);
	cv_regex_free(tc.san_re);
	tc.san_re = re("\\.example$");
	assert_int_equal(enroll_full(&p, &tc, &ci, 32, "::1"),
	    SCEP_FAIL_BADREQUEST);
	/* URIs not copied: not checked, and the DNS name still names it. */
	tc.san_copy = CONF_SAN_DNS;
	assert_int_equal(enroll_full(&p, &tc, &ci, 32, "::1"), SCEP_OK);
	/* Nothing copied and no subject: nobody is named. */
	tc.san_copy = CONF_SAN_EMAIL;
	assert_int_equal(enroll_full(&p, &tc, &ci, 32, "::1"),
	    SCEP_FAIL_BADREQUEST);
	cv_regex_free(tc.san_re);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa_sizes),
		cmocka_unit_test(test_ec_curves),
		cmocka_unit_test(test_other_keys),
		cmocka_unit_test(test_challenge_required),
		cmocka_unit_test(test_challenge_compare),
		cmocka_unit_test(test_no_challenge_configured),
		cmocka_unit_test(test_txid_length),
		cmocka_unit_test(test_empty_subject),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_small_why),
		cmocka_unit_test(test_renew_basic),
		cmocka_unit_test(test_renew_window),
		cmocka_unit_test(test_renew_subject),
		cmocka_unit_test(test_renew_empty_subject),
		cmocka_unit_test(test_renew_key),
		cmocka_unit_test(test_manual),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_subject_template),
		cmocka_unit_test(test_san_template),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
