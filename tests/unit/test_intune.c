/*	SPDX-License-Identifier: ISC */
/*
 * test_intune.c: the JSON of challenge.mode intune (intune_json.c), as
 * ../shared/docs/INTUNE.md gives it: every body scepd sends, field by
 * field, and the reading of every answer, good, refused and broken.
 * The HTTP side runs against tools/intune_standin.py in
 * tests/integration/intune.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "intune.h"
#include "util.h"

static const unsigned char csr[] = { 0x30, 0x03, 0x02, 0x01, 0xff };
static const struct intune_req rq = { .txid = "TX-1", .csr = csr,
    .csrsz = sizeof(csr) };

/* A buf over a string, as libcurl would have filled it. */
static struct buf
b_of(const char *s)
{
	return (struct buf){ .data = (unsigned char *)s, .len = strlen(s),
	    .cap = strlen(s), .max = strlen(s) };
}

/* Parse "s" (freed) as a JSON object, and give o[wrap]. */
static json_t *
load(char *s, const char *wrap, json_t **root)
{
	json_error_t	 e;

	assert_non_null(s);
	assert_non_null(*root = json_loads(s, JSON_REJECT_DUPLICATES, &e));
	free(s);
	return wrap == NULL ? *root : json_object_get(*root, wrap);
}

static const char *
str(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	assert_true(json_is_string(v));
	return json_string_value(v);
}

static void
test_validate_body(void **state)
{
	json_t	*root, *r;

	r = load(intune_json_validate(&rq, "scepd/1"), "request", &root);
	assert_int_equal(json_object_size(root), 1);
	assert_int_equal(json_object_size(r), 3);
	assert_string_equal(str(r, "transactionId"), "TX-1");
	assert_string_equal(str(r, "certificateRequest"), "MAMCAf8=");
	assert_string_equal(str(r, "callerInfo"), "scepd/1");
	json_decref(root);
	/* A transactionID that is not UTF-8 cannot be sent: NULL. */
	assert_null(intune_json_validate(&(struct intune_req){ .txid =
	    "\xff\xfe", .csr = csr, .csrsz = sizeof(csr) }, "scepd/1"));
}

static void
test_success_body(void **state)
{
	struct intune_issued	 is = { .serial = "0A1B", .not_after =
	    1800000000, .issuer = "CN=Test CA,O=x", .ca = "default" };
	json_t			*root, *n;

	memcpy(is.thumbprint, "0123456789ABCDEF0123456789ABCDEF01234567", 41);
	n = load(intune_json_success(&rq, &is, "scepd/1"), "notification",
	    &root);
	assert_int_equal(json_object_size(n), 9);
	assert_string_equal(str(n, "transactionId"), "TX-1");
	assert_string_equal(str(n, "certificateRequest"), "MAMCAf8=");
	assert_string_equal(str(n, "certificateThumbprint"),
	    "0123456789ABCDEF0123456789ABCDEF01234567");
	assert_string_equal(str(n, "certificateSerialNumber"), "0A1B");
	assert_string_equal(str(n, "certificateExpirationDateUtc"),
	    "2027-01-15T08:00:00.000Z");
	assert_string_equal(str(n, "issuingCertificateAuthority"),
	    "CN=Test CA,O=x");
	assert_string_equal(str(n, "callerInfo"), "scepd/1");
	assert_string_equal(str(n, "caConfiguration"), "scepd");
	assert_string_equal(str(n, "certificateAuthority"), "default");
	json_decref(root);
}

static void
test_failure_body(void **state)
{
	char	 desc[400], *p;
	json_t	*root, *n;
	size_t	 i;

	n = load(intune_json_failure(&rq, INTUNE_HR_DENIED, "no\ttabs",
	    "scepd/1"), "notification", &root);
	assert_int_equal(json_object_size(n), 5);
	assert_int_equal(json_integer_value(json_object_get(n, "hResult")),
	    -2146877422);
	assert_string_equal(str(n, "errorDescription"), "no?tabs");
	assert_string_equal(str(n, "transactionId"), "TX-1");
	assert_string_equal(str(n, "certificateRequest"), "MAMCAf8=");
	assert_string_equal(str(n, "callerInfo"), "scepd/1");
	json_decref(root);
	/* 255 at most, cut between characters: 2-byte "é" from byte 254. */
	memset(desc, 'a', 254);
	for (p = desc + 254, i = 0; i < 40; i++, p += 2)
		memcpy(p, "\xc3\xa9", 2);
	*p = '\0';
	n = load(intune_json_failure(&rq, INTUNE_HR_FAIL, desc, "c"),
	    "notification", &root);
	assert_int_equal(strlen(str(n, "errorDescription")), 254);
	assert_int_equal(json_integer_value(json_object_get(n, "hResult")),
	    -2147467259);
	json_decref(root);
}

static void
test_queue_bodies(void **state)
{
	struct intune_revocation	 v[2];
	json_t				*root, *d, *r;

	d = load(intune_json_download(500), "downloadParameters", &root);
	assert_int_equal(json_integer_value(json_object_get(d,
	    "maxRequests")), 500);
	assert_true(json_is_null(json_object_get(d, "issuerName")));
	json_decref(root);

	memset(v, 0, sizeof(v));
	snprintf(v[0].context, sizeof(v[0].context), "ctx-0");
	v[0].succeeded = 1;
	v[0].error = "None";
	snprintf(v[0].message, sizeof(v[0].message), "revoked");
	snprintf(v[1].context, sizeof(v[1].context), "ctx-1");
	v[1].error = "CertificateNotFoundError";
	r = load(intune_json_upload(v, 2), "results", &root);
	assert_int_equal(json_array_size(r), 2);
	assert_string_equal(str(json_array_get(r, 0), "requestContext"),
	    "ctx-0");
	assert_true(json_is_true(json_object_get(json_array_get(r, 0),
	    "succeeded")));
	assert_string_equal(str(json_array_get(r, 0), "errorCode"), "None");
	assert_string_equal(str(json_array_get(r, 0), "errorMessage"),
	    "revoked");
	assert_true(json_is_false(json_object_get(json_array_get(r, 1),
	    "succeeded")));
	assert_string_equal(str(json_array_get(r, 1), "errorCode"),
	    "CertificateNotFoundError");
	json_decref(root);
}

static void
test_token_form(void **state)
{
	char	*f;

	f = intune_json_token_form("app", "s&e=c r+t", NULL,
	    "https://api.manage.microsoft.com//.default");
	assert_non_null(f);
	assert_string_equal(f, "grant_type=client_credentials&client_id=app&"
	    "scope=https%3A%2F%2Fapi.manage.microsoft.com%2F%2F.default&"
	    "client_secret=s%26e%3Dc%20r%2Bt");
	free(f);
	f = intune_json_token_form("app", NULL, "a.b.c", "s");
	assert_non_null(f);
	assert_string_equal(f, "grant_type=client_credentials&client_id=app&"
	    "scope=s&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3A"
	    "client-assertion-type%3Ajwt-bearer&client_assertion=a.b.c");
	assert_null(strstr(f, "client_secret"));
	free(f);
}

static void
test_token_answer(void **state)
{
	struct intune_result	 r;
	struct buf		 b;
	char			*t;
	int64_t			 life;

	memset(&r, 0, sizeof(r));
	b = b_of("{\"token_type\":\"Bearer\",\"expires_in\":3599,"
	    "\"access_token\":\"eyJ0.x.y\"}");
	assert_int_equal(intune_json_token(200, &b, &t, &life, &r), 0);
	assert_string_equal(t, "eyJ0.x.y");
	assert_int_equal(life, 3599);
	free(t);
	/* v1.0 endpoints send expires_in as a string. */
	b = b_of("{\"expires_in\":\"60\",\"access_token\":\"tok\"}");
	assert_int_equal(intune_json_token(200, &b, &t, &life, &r), 0);
	assert_int_equal(life, 60);
	free(t);
	b = b_of("{\"error\":\"invalid_client\",\"error_description\":"
	    "\"AADSTS7000215: Invalid client secret provided.\\r\\nTrace\"}");
	assert_int_equal(intune_json_token(401, &b, &t, &life, &r), -1);
	assert_null(t);
	assert_string_equal(r.code, "invalid_client");
	assert_string_equal(r.desc, "AADSTS7000215: Invalid client secret "
	    "provided.??Trace");
	assert_int_equal(r.http, 401);
	/* 2xx without a usable token, and not JSON at all. */
	b = b_of("{\"expires_in\":3599}");
	assert_int_equal(intune_json_token(200, &b, &t, &life, &r), -1);
	b = b_of("{\"expires_in\":0,\"access_token\":\"x\"}");
	assert_int_equal(intune_json_token(200, &b, &t, &life, &r), -1);
	b = b_of("{\"expires_in\":9,\"access_token\":\"a b\"}");
	assert_int_equal(intune_json_token(200, &b, &t, &life, &r), -1);
	b = b_of("<html>");
	assert_int_equal(intune_json_token(500, &b, &t, &life, &r), -1);
	assert_string_equal(r.desc, "HTTP status 500");
}

static void
test_services(void **state)
{
	struct intune_result	 r;
	struct buf		 b;
	char			 s[INTUNE_URI_MAX], p[INTUNE_URI_MAX];

	memset(&r, 0, sizeof(r));
	b = b_of("{\"value\":[{\"providerName\":\"Other\",\"uri\":"
	    "\"https://o\"},{\"providerName\":\"SCEPREQUESTVALIDATIONFESERVICE\","
	    "\"uri\":\"https://fef.msub01.manage.microsoft.com/"
	    "ScepRequestValidationFEService/\"},{\"serviceName\":"
	    "\"PkiConnectorFEService\",\"uri\":\"https://p.example/pki\"}]}");
	assert_int_equal(intune_json_services(&b, s, p, &r), 0);
	assert_string_equal(s, "https://fef.msub01.manage.microsoft.com/"
	    "ScepRequestValidationFEService");
	assert_string_equal(p, "https://p.example/pki");
	/* Listed, but not over https: as good as not listed. */
	b = b_of("{\"value\":[{\"providerName\":\"ScepRequestValidation"
	    "FEService\",\"uri\":\"http://plain\"}]}");
	assert_int_equal(intune_json_services(&b, s, p, &r), 0);
	assert_string_equal(s, "");
	assert_string_equal(p, "");
	/* A control character or a space: not a URL scepd will call. */
	b = b_of("{\"value\":[{\"providerName\":\"ScepRequestValidation"
	    "FEService\",\"uri\":\"https://a\\u007fb\"},{\"providerName\":"
	    "\"PkiConnectorFEService\",\"uri\":\"https://a b\"}]}");
	assert_int_equal(intune_json_services(&b, s, p, &r), 0);
	assert_string_equal(s, "");
	assert_string_equal(p, "");
	b = b_of("{\"value\":{}}");
	assert_int_equal(intune_json_services(&b, s, p, &r), -1);
	b = b_of("[]");
	assert_int_equal(intune_json_services(&b, s, p, &r), -1);
}

static void
test_code(void **state)
{
	struct intune_result	 r;
	struct buf		 b;

	memset(&r, 0, sizeof(r));
	b = b_of("{\"code\":\"Success\",\"errorDescription\":\"\"}");
	intune_json_code(200, &b, &r);
	assert_int_equal(r.verdict, INTUNE_OK);
	b = b_of("{\"code\":\"ChallengeExpired\",\"errorDescription\":"
	    "\"The challenge has expired\"}");
	intune_json_code(200, &b, &r);
	assert_int_equal(r.verdict, INTUNE_REFUSED);
	assert_string_equal(r.code, "ChallengeExpired");
	assert_string_equal(r.desc, "The challenge has expired");
	/* "success" is not "Success": refused, never issued. */
	b = b_of("{\"code\":\"success\"}");
	intune_json_code(200, &b, &r);
	assert_int_equal(r.verdict, INTUNE_REFUSED);
	b = b_of("{\"code\":\"Success\"}");
	intune_json_code(500, &b, &r);
	assert_int_equal(r.verdict, INTUNE_ERROR);
	b = b_of("{\"error\":{\"code\":\"Authorization_RequestDenied\","
	    "\"message\":\"Insufficient privileges\"}}");
	intune_json_code(403, &b, &r);
	assert_int_equal(r.verdict, INTUNE_ERROR);
	assert_string_equal(r.code, "Authorization_RequestDenied");
	assert_string_equal(r.desc, "Insufficient privileges");
	b = b_of("{\"code\":7}");
	intune_json_code(200, &b, &r);
	assert_int_equal(r.verdict, INTUNE_ERROR);
	b = b_of("");
	intune_json_code(204, &b, &r);
	assert_int_equal(r.verdict, INTUNE_ERROR);
}

static void
test_revocations(void **state)
{
	struct intune_revocation	 v[2];
	struct intune_result		 r;
	struct buf			 b;
	size_t				 n;

	memset(&r, 0, sizeof(r));
	b = b_of("{\"value\":[{\"requestContext\":\"c1\",\"serialNumber\":"
	    "\"0a1b\",\"issuerName\":\"CN=x\",\"caConfiguration\":\"\"},"
	    "{\"serialNumber\":\"01\"},"
	    "{\"requestContext\":\"c2\",\"serialNumber\":\"" "0123456789"
	    "0123456789012345678901234567890123456789012345678901234567890\"},"
	    "{\"requestContext\":\"c3\",\"serialNumber\":\"03\"}]}");
	assert_int_equal(intune_json_revocations(&b, v, 2, &n, &r), 0);
	/* No context: skipped; past "max": left for the next round. */
	assert_int_equal(n, 2);
	assert_string_equal(v[0].context, "c1");
	assert_string_equal(v[0].serial, "0a1b");
	assert_string_equal(v[0].issuer, "CN=x");
	assert_string_equal(v[1].context, "c2");
	assert_string_equal(v[1].serial, "");		/* too long */
	b = b_of("{\"value\":[]}");
	assert_int_equal(intune_json_revocations(&b, v, 2, &n, &r), 0);
	assert_int_equal(n, 0);
	b = b_of("{\"values\":[]}");
	assert_int_equal(intune_json_revocations(&b, v, 2, &n, &r), -1);
	b = b_of("{\"value\":true}");
	assert_int_equal(intune_json_uploaded(&b, &r), 0);
	b = b_of("{\"value\":false}");
	assert_int_equal(intune_json_uploaded(&b, &r), -1);
	b = b_of("true");
	assert_int_equal(intune_json_uploaded(&b, &r), -1);
}

static void
test_clean_time(void **state)
{
	char	 out[25], small[4];

	intune_json_clean(small, sizeof(small), "ab\x01\x7f");
	assert_string_equal(small, "ab?");
	intune_json_clean(small, sizeof(small), "\xe2\x82\xac");
	assert_string_equal(small, "\xe2\x82\xac");	/* fits */
	intune_json_clean(small, sizeof(small), "a\xe2\x82\xac");
	assert_string_equal(small, "a");	/* not half a euro sign */
	intune_json_time(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	intune_json_time(1800000000, out);
	assert_string_equal(out, "2027-01-15T08:00:00.000Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_body),
		cmocka_unit_test(test_success_body),
		cmocka_unit_test(test_failure_body),
		cmocka_unit_test(test_queue_bodies),
		cmocka_unit_test(test_token_form),
		cmocka_unit_test(test_token_answer),
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_code),
		cmocka_unit_test(test_revocations),
		cmocka_unit_test(test_clean_time),
	};

	json_object_seed(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
