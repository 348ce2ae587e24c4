/*	SPDX-License-Identifier: ISC */
/*
 * test_policy.c: policy_enroll() and policy_renew() over hand-built
 * struct csr_info values, in plain C as policy.c itself is: key type and
 * size, subject or SAN, transactionID length, the challengePassword
 * (checklist AUTH-01..09), and the renewal window, subject and key rules
 * (RFC 8894 2.5).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"

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
		.ec_p256 = 1,
		.ec_p384 = 1,
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

/* policy_enroll, checking that a refusal always says why. */
static enum scep_fail
enroll(const struct conf_policy *p, const struct csr_info *ci, size_t txlen)
{
	enum scep_fail	f;
	char		why[256];

	memset(why, 0, sizeof(why));
	f = policy_enroll(p, ci, txlen, why, sizeof(why));
	if (f != SCEP_OK && why[0] == '\0')
		fail_msg("refused (%s) without a reason", scep_fail_str(f));
	/* The reason goes to the client and the log: never the secret. */
	if (p->challenge != NULL && strstr(why, p->challenge) != NULL)
		fail_msg("reason \"%s\" reveals the challenge", why);
	return f;
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

	p.ec_p384 = 0;
	assert_int_equal(enroll(&p, &ci, 32), SCEP_FAIL_BADALG);
	ci.key = CSR_KEY_EC_P256;
	assert_int_equal(enroll(&p, &ci, 32), SCEP_OK);
	p.ec_p256 = 0;
	p.ec_p384 = 1;
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

	memset(why, 'Z', sizeof(why));
	assert_int_equal(policy_enroll(&p, &ci, 32, why, sizeof(why)),
	    SCEP_FAIL_BADREQUEST);
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
	enum scep_fail	f;
	char		why[256];

	memset(why, 0, sizeof(why));
	f = policy_renew(p, ci, sg, NOW, txlen, why, sizeof(why));
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
