/*	SPDX-License-Identifier: ISC */
/*
 * test_codec.c: the SCEP codec end to end in one process.  Real PKCSReq
 * pkiMessages (RFC 8894 3.2) are built with OpenSSL's CMS API and fed to
 * scep_req_parse(); the envelope is opened with a CA loaded by ca_load()
 * and its CSR parsed; certificates are issued with ca_issue(); CertReps
 * from scep_rep_encode() (3.3.2) are taken apart again and checked the
 * way a client would: signature, signed attributes, envelope, and the
 * degenerate certs-only or CRL-only SignedData inside (3.4, 3.3.2.1).
 * Also the messageData of CertPoll, GetCert and GetCRL (3.3.3, 3.3.4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "conf.h"
#include "csr.h"
#include "scep.h"
#include "testutil.h"

#define CHALLENGE	"s3cret"
#define TXID		"4F2A9C1D-txid"

/* Built once: a CA on disk and loaded, and one requester. */
static char		*dir, *ca_cert_path, *ca_key_path;
static EVP_PKEY		*cakey, *reqkey;
static X509		*cacert, *reqcert;
static struct ca	*ca;
static unsigned char	*csr;
static size_t		 csrsz;
static unsigned char	 nonce[16];

static int
setup(void **state)
{
	struct conf_ca	 cc = { .name = (char *)"default" };
	X509_REQ	*req;

	if (scep_asn1_init() == -1 || (dir = tu_tmpdir()) == NULL ||
	    (ca_cert_path = tu_path(dir, "ca.pem")) == NULL ||
	    (ca_key_path = tu_path(dir, "ca.key")) == NULL ||
	    (cakey = tu_key_rsa(2048)) == NULL ||
	    (reqkey = tu_key_rsa(2048)) == NULL ||
	    (cacert = tu_cert_self(cakey, "scepd test CA", 1)) == NULL ||
	    (reqcert = tu_cert_self(reqkey, "client-1", 0)) == NULL ||
	    tu_pem_cert(ca_cert_path, cacert, 0644) == -1 ||
	    tu_pem_key(ca_key_path, cakey, 0600) == -1)
		return -1;
	cc.cert = ca_cert_path;
	cc.key = ca_key_path;
	cc.chain = NULL;
	if ((ca = ca_load(&cc)) == NULL)
		return -1;
	if ((req = tu_req_new(reqkey, "client-1")) == NULL ||
	    !X509_REQ_add1_attr_by_NID(req, NID_pkcs9_challengePassword,
	    V_ASN1_PRINTABLESTRING, (const unsigned char *)CHALLENGE,
	    (int)strlen(CHALLENGE)) ||
	    !tu_req_add_san(req, "DNS:client-1.example"))
		return -1;
	csr = tu_req_sign(req, reqkey, EVP_sha256(), &csrsz);
	X509_REQ_free(req);
	tu_fill(nonce, sizeof(nonce), 16);
	return csr == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	ca_free(ca);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(reqkey);
	X509_free(cacert);
	X509_free(reqcert);
	free(csr);
	tu_rmrf(dir);
	free(dir);
	free(ca_cert_path);
	free(ca_key_path);
	tu_legacy_provider_unload();
	return 0;
}

/* A well-formed PKCSReq, to be changed by each test. */
static struct tu_msg
msg_default(void)
{
	struct tu_msg m = {
		.signcert = reqcert,
		.signkey = reqkey,
		.md = EVP_sha256(),
		.recipient = cacert,
		.cipher = EVP_aes_128_cbc(),
		.content = csr,
		.contentsz = csrsz,
		.msgtype = "19",
		.txid = TXID,
		.nonce = nonce,
		.noncesz = sizeof(nonce),
	};

	return m;
}

/* Build "m", parse it, and return the verdict; *rq for the caller. */
static enum scep_fail
build_parse(const struct tu_msg *m, int legacy, struct scep_req **rq)
{
	unsigned char	*der;
	size_t		 n;
	enum scep_fail	 f;

	assert_non_null(der = tu_pkimsg(m, &n));
	f = scep_req_parse(der, n, legacy, rq);
	free(der);
	assert_non_null(*rq);
	if (f != SCEP_OK && (*rq)->why == NULL)
		fail_msg("%s without a reason", scep_fail_str(f));
	return f;
}

/* Parse must give "want"; the request is freed. */
static void
expect(const struct tu_msg *m, int legacy, enum scep_fail want)
{
	struct scep_req	*rq;
	enum scep_fail	 f;

	f = build_parse(m, legacy, &rq);
	if (f != want)
		fail_msg("got %s (%s), want %s", scep_fail_str(f),
		    rq->why != NULL ? rq->why : "", scep_fail_str(want));
	scep_req_free(rq);
}

static void
test_parse_ok(void **state)
{
	struct tu_msg	 m = msg_default();
	struct scep_req	*rq;

	assert_int_equal(build_parse(&m, 0, &rq), SCEP_OK);
	assert_string_equal(rq->txid, TXID);
	assert_int_equal(rq->txid_asn1, V_ASN1_PRINTABLESTRING);
	assert_int_equal(rq->noncesz, sizeof(nonce));
	assert_memory_equal(rq->nonce, nonce, sizeof(nonce));
	assert_int_equal(rq->type_seen, 1);
	assert_int_equal(rq->type, SCEP_MSG_PKCSREQ);
	assert_non_null(rq->md);
	assert_int_equal(EVP_MD_get_type(rq->md), NID_sha256);
	assert_non_null(rq->cipher);
	assert_int_equal(EVP_CIPHER_get_nid(rq->cipher), NID_aes_128_cbc);
	assert_non_null(rq->signer);
	assert_int_equal(X509_cmp(rq->signer, reqcert), 0);
	assert_int_equal(sk_X509_num(rq->certs), 1);
	assert_non_null(rq->env);
	assert_int_equal(rq->env_ktri, 1);
	scep_req_free(rq);
	scep_req_free(NULL);
}

static void
test_parse_algorithms(void **state)
{
	struct tu_msg	 m = msg_default();
	struct scep_req	*rq;
	const struct {
		const EVP_MD		*(*md)(void);
		const EVP_CIPHER	*(*cipher)(void);
		int			 mdnid, ciphernid;
	} ok[] = {
		{ EVP_sha1, EVP_aes_256_cbc, NID_sha1, NID_aes_256_cbc },
		{ EVP_sha512, EVP_des_ede3_cbc, NID_sha512, NID_des_ede3_cbc },
		{ EVP_sha384, EVP_aes_192_cbc, NID_sha384, NID_aes_192_cbc },
		{ EVP_sha224, EVP_aes_128_cbc, NID_sha224, NID_aes_128_cbc },
	};
	size_t		 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		m.md = ok[i].md();
		m.cipher = ok[i].cipher();
		assert_int_equal(build_parse(&m, 0, &rq), SCEP_OK);
		assert_int_equal(EVP_MD_get_type(rq->md), ok[i].mdnid);
		assert_int_equal(EVP_CIPHER_get_nid(rq->cipher),
		    ok[i].ciphernid);
		scep_req_free(rq);
	}
	/* Not CBC: AES-GCM is not in RFC 8894 2.9's list. */
	m = msg_default();
	m.cipher = EVP_aes_128_ofb();
	expect(&m, 0, SCEP_FAIL_BADALG);
	expect(&m, 1, SCEP_FAIL_BADALG);
}

/* Single DES lives in OpenSSL 3's legacy provider. */
static void
test_parse_des(void **state)
{
	struct tu_msg	 m = msg_default();
	struct scep_req	*rq;
	unsigned char	*inner;
	size_t		 innersz;

	if (tu_legacy_provider() == -1) {
		print_message("OpenSSL legacy provider missing: DES-CBC "
		    "messages cannot be built; skipped\n");
		skip();
	}
	m.cipher = EVP_des_cbc();
	assert_int_equal(build_parse(&m, 0, &rq), SCEP_FAIL_BADALG);
	assert_string_equal(rq->txid, TXID);
	assert_int_equal(rq->noncesz, sizeof(nonce));
	scep_req_free(rq);

	assert_int_equal(build_parse(&m, 1, &rq), SCEP_OK);
	assert_int_equal(EVP_CIPHER_get_nid(rq->cipher), NID_des_cbc);
	/* The CA opens it too (the legacy provider is loaded here). */
	assert_int_equal(ca_open_envelope(ca, rq->env, &inner, &innersz), 0);
	assert_int_equal(innersz, csrsz);
	assert_memory_equal(inner, csr, csrsz);
	free(inner);
	scep_req_free(rq);
}

static void
test_parse_md5(void **state)
{
	struct tu_msg	 m = msg_default();
	struct scep_req	*rq;

	m.md = EVP_md5();
	assert_int_equal(build_parse(&m, 0, &rq), SCEP_FAIL_BADALG);
	/* A CertRep can still answer: the transaction is known. */
	assert_string_equal(rq->txid, TXID);
	assert_int_equal(rq->noncesz, sizeof(nonce));
	scep_req_free(rq);

	assert_int_equal(build_parse(&m, 1, &rq), SCEP_OK);
	assert_int_equal(EVP_MD_get_type(rq->md), NID_md5);
	scep_req_free(rq);
}

static void
test_parse_bad_signature(void **state)
{
	struct tu_msg	 m = msg_default();
	struct scep_req	*rq;

	m.flip_sig = 1;
	assert_int_equal(build_parse(&m, 0, &rq), SCEP_FAIL_BADMESSAGECHECK);
	assert_string_equal(rq->txid, TXID);
	assert_int_equal(rq->noncesz, sizeof(nonce));
	assert_memory_equal(rq->nonce, nonce, sizeof(nonce));
	assert_non_null(rq->why);
	scep_req_free(rq);
}

/*
 * Signed by a key other than the CSR's: well-formed, so the codec says
 * OK and reports the signer; refusing it is the engine's job (RFC 8894
 * 2.3), which compares the two key ids.
 */
static void
test_parse_other_signer(void **state)
{
	struct tu_msg	 m = msg_default();
	struct scep_req	*rq;
	struct csr_info	 ci;
	EVP_PKEY	*k;
	X509		*other;
	unsigned char	 kid[CSR_KID_LEN];

	assert_non_null(k = tu_key_ec("P-256"));
	assert_non_null(other = tu_cert_self(k, "other", 0));
	m.signcert = other;
	m.signkey = k;
	assert_int_equal(build_parse(&m, 0, &rq), SCEP_OK);
	assert_int_equal(X509_cmp(rq->signer, other), 0);
	assert_int_equal(x509_kid(rq->signer, kid), 0);
	assert_int_equal(csr_parse(csr, csrsz, &ci), SCEP_OK);
	assert_memory_not_equal(kid, ci.kid, CSR_KID_LEN);
	csr_info_clear(&ci);
	scep_req_free(rq);
	X509_free(other);
	EVP_PKEY_free(k);
}

static void
test_parse_missing_attrs(void **state)
{
	struct tu_msg	 m = msg_default();
	struct scep_req	*rq;

	m.txid = NULL;
	assert_int_equal(build_parse(&m, 0, &rq), SCEP_FAIL_HTTP);
	assert_string_equal(rq->txid, "");
	scep_req_free(rq);

	m = msg_default();
	m.noncesz = 0;
	assert_int_equal(build_parse(&m, 0, &rq), SCEP_FAIL_HTTP);
	assert_string_equal(rq->txid, TXID);
	scep_req_free(rq);

	/* Without messageType a CertRep can still say badRequest. */
	m = msg_default();
	m.msgtype = NULL;
	assert_int_equal(build_parse(&m, 0, &rq), SCEP_FAIL_BADREQUEST);
	assert_string_equal(rq->txid, TXID);
	assert_int_equal(rq->type_seen, 0);
	scep_req_free(rq);
}

static void
test_parse_txid_sizes(void **state)
{
	struct tu_msg	 m = msg_default();
	struct scep_req	*rq;
	char		 big[SCEP_TXID_MAX + 2];

	memset(big, 'A', sizeof(big));
	big[SCEP_TXID_MAX] = '\0';
	m.txid = big;
	assert_int_equal(build_parse(&m, 0, &rq), SCEP_OK);
	assert_string_equal(rq->txid, big);
	scep_req_free(rq);

	big[SCEP_TXID_MAX] = 'A';
	big[SCEP_TXID_MAX + 1] = '\0';
	expect(&m, 0, SCEP_FAIL_HTTP);
	m.txid = "";
	expect(&m, 0, SCEP_FAIL_HTTP);
}

static void
test_parse_msgtype(void **state)
{
	struct tu_msg	 m = msg_default();
	struct scep_req	*rq;
	const char	*bad[] = { "99", "019", " 19", "19 ", "3", "18", "",
	    "+19", "0x13" };
	const struct {
		const char		*txt;
		enum scep_msgtype	 type;
	} good[] = {
		{ "17", SCEP_MSG_RENEWALREQ }, { "20", SCEP_MSG_CERTPOLL },
		{ "21", SCEP_MSG_GETCERT }, { "22", SCEP_MSG_GETCRL },
	};
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m.msgtype = bad[i];
		assert_int_equal(build_parse(&m, 0, &rq),
		    SCEP_FAIL_BADREQUEST);
		assert_string_equal(rq->txid, TXID);
		scep_req_free(rq);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		m.msgtype = good[i].txt;
		assert_int_equal(build_parse(&m, 0, &rq), SCEP_OK);
		assert_int_equal(rq->type, good[i].type);
		scep_req_free(rq);
	}
}

static void
test_parse_garbage(void **state)
{
	struct tu_msg	 m = msg_default();
	struct scep_req	*rq;
	unsigned char	 junk[2048], *der, *longer;
	size_t		 n, i;

	for (i = 0; i < 16; i++) {
		tu_fill(junk, sizeof(junk), (uint32_t)i + 100);
		if (i % 2)
			junk[0] = 0x30;
		assert_int_equal(scep_req_parse(junk, sizeof(junk) - i * 7, 0,
		    &rq), SCEP_FAIL_HTTP);
		assert_non_null(rq);
		assert_string_equal(rq->txid, "");
		scep_req_free(rq);
	}
	assert_int_equal(scep_req_parse(junk, 0, 0, &rq), SCEP_FAIL_HTTP);
	scep_req_free(rq);

	/* A valid message, cut short or followed by junk. */
	assert_non_null(der = tu_pkimsg(&m, &n));
	for (i = 0; i < n; i += 97) {
		assert_int_equal(scep_req_parse(der, i, 0, &rq),
		    SCEP_FAIL_HTTP);
		scep_req_free(rq);
	}
	assert_non_null(longer = malloc(n + 3));
	memcpy(longer, der, n);
	memcpy(longer + n, "\x00\x00\x00", 3);
	assert_int_equal(scep_req_parse(longer, n + 3, 0, &rq),
	    SCEP_FAIL_HTTP);
	scep_req_free(rq);
	free(longer);
	free(der);
}

/* The signed content must be an envelope, not the bare CSR. */
static void
test_parse_not_enveloped(void **state)
{
	CMS_ContentInfo	*cms;
	CMS_SignerInfo	*si;
	BIO		*in;
	unsigned char	*der = NULL;
	struct scep_req	*rq;
	int		 n, flags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;

	assert_non_null(in = BIO_new_mem_buf(csr, (int)csrsz));
	assert_non_null(cms = CMS_sign(NULL, NULL, NULL, NULL, flags));
	assert_non_null(si = CMS_add1_signer(cms, reqcert, reqkey,
	    EVP_sha256(), flags));
	assert_true(CMS_signed_add1_attr_by_OBJ(si,
	    scep_oid(SCEP_OID_MESSAGETYPE), V_ASN1_PRINTABLESTRING, "19", 2));
	assert_true(CMS_signed_add1_attr_by_OBJ(si,
	    scep_oid(SCEP_OID_TRANSACTIONID), V_ASN1_PRINTABLESTRING, TXID,
	    (int)strlen(TXID)));
	assert_true(CMS_signed_add1_attr_by_OBJ(si,
	    scep_oid(SCEP_OID_SENDERNONCE), V_ASN1_OCTET_STRING, nonce,
	    (int)sizeof(nonce)));
	assert_true(CMS_final(cms, in, NULL, CMS_BINARY));
	assert_true((n = i2d_CMS_ContentInfo(cms, &der)) > 0);
	assert_int_equal(scep_req_parse(der, (size_t)n, 0, &rq),
	    SCEP_FAIL_BADREQUEST);
	assert_string_equal(rq->txid, TXID);
	scep_req_free(rq);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
}

static void
test_open_envelope(void **state)
{
	struct tu_msg	 m = msg_default();
	struct scep_req	*rq;
	struct csr_info	 ci;
	unsigned char	*inner = (unsigned char *)"x", kid[CSR_KID_LEN];
	size_t		 innersz = 0;

	assert_int_equal(build_parse(&m, 0, &rq), SCEP_OK);
	assert_int_equal(ca_open_envelope(ca, rq->env, &inner, &innersz), 0);
	assert_int_equal(innersz, csrsz);
	assert_memory_equal(inner, csr, csrsz);
	assert_int_equal(csr_parse(inner, innersz, &ci), SCEP_OK);
	assert_int_equal(ci.challenge_state, CSR_CHALLENGE_ONE);
	assert_string_equal(ci.challenge, CHALLENGE);
	assert_string_equal(ci.subject_txt, "CN=client-1,O=scepd tests");
	assert_non_null(ci.san);
	/* The self-signed signer holds the CSR's key (RFC 8894 2.3). */
	assert_int_equal(x509_kid(rq->signer, kid), 0);
	assert_memory_equal(kid, ci.kid, CSR_KID_LEN);
	csr_info_clear(&ci);
	free(inner);
	scep_req_free(rq);

	/* Addressed to somebody else: one quiet -1, nothing out. */
	m.recipient = reqcert;
	assert_int_equal(build_parse(&m, 0, &rq), SCEP_OK);
	inner = (unsigned char *)"x";
	assert_int_equal(ca_open_envelope(ca, rq->env, &inner, &innersz), -1);
	assert_null(inner);
	assert_int_equal(ERR_peek_error(), 0);
	scep_req_free(rq);
}

static void
test_ca_load(void **state)
{
	struct conf_ca	 cc = { .cert = ca_cert_path, .key = ca_key_path };
	struct ca	*c, *eca;
	char		*chain, *p, *q;
	unsigned char	 junk[600];
	EVP_PKEY	*k;
	X509		*x;

	tu_fill(junk, sizeof(junk), 600);
	/* The CA plus a chain file: GetCACert order, CA first. */
	assert_non_null(chain = tu_path(dir, "chain.pem"));
	assert_int_equal(tu_pem_cert(chain, reqcert, 0644), 0);
	cc.chain = chain;
	assert_non_null(c = ca_load(&cc));
	assert_int_equal(sk_X509_num(ca_chain(c)), 2);
	assert_int_equal(X509_cmp(sk_X509_value(ca_chain(c), 0), cacert), 0);
	assert_int_equal(X509_cmp(sk_X509_value(ca_chain(c), 1), reqcert), 0);
	ca_free(c);
	ca_free(NULL);
	cc.chain = NULL;

	/* A private key others can read is refused. */
	assert_non_null(p = tu_path(dir, "shared.key"));
	assert_int_equal(tu_pem_key(p, cakey, 0644), 0);
	cc.key = p;
	assert_null(ca_load(&cc));
	/* A key that is not the certificate's. */
	assert_int_equal(tu_pem_key(p, reqkey, 0600), 0);
	assert_null(ca_load(&cc));
	/* A certificate that is not a CA. */
	assert_non_null(q = tu_path(dir, "leaf.pem"));
	assert_int_equal(tu_pem_cert(q, reqcert, 0644), 0);
	cc.cert = q;
	assert_null(ca_load(&cc));
	/*
	 * An EC CA without an RA loads (RFC 8894 3.2.2: it serves PWRI
	 * requests only) and says it takes no key transport.
	 */
	assert_non_null(k = tu_key_ec("P-256"));
	assert_non_null(x = tu_cert_self(k, "EC CA", 1));
	assert_int_equal(tu_pem_key(p, k, 0600), 0);
	assert_int_equal(tu_pem_cert(q, x, 0644), 0);
	assert_non_null(eca = ca_load(&cc));
	assert_false(ca_takes_ktri(eca));
	ca_free(eca);
	/* Missing files. */
	cc.cert = ca_cert_path;
	cc.key = (char *)"/nonexistent/ca.key";
	assert_null(ca_load(&cc));
	cc.cert = (char *)"/nonexistent/ca.pem";
	cc.key = ca_key_path;
	assert_null(ca_load(&cc));
	/* Key files with no key in them: refused, and promptly. */
	cc.cert = ca_cert_path;
	cc.key = p;
	assert_int_equal(tu_write_str(p, "not PEM\n", 0600), 0);
	assert_null(ca_load(&cc));
	assert_int_equal(tu_write_str(p, "", 0600), 0);
	assert_null(ca_load(&cc));
	assert_int_equal(tu_write(p, junk, sizeof(junk), 0600), 0);
	assert_null(ca_load(&cc));
	assert_int_equal(tu_pem_cert(p, cacert, 0600), 0);
	assert_null(ca_load(&cc));
	assert_int_equal(tu_write_str(p, "-----BEGIN PRIVATE KEY-----\n"
	    "AAAA\n-----END PRIVATE KEY-----\n", 0600), 0);
	assert_null(ca_load(&cc));
	/* A certificate file with no certificate in it. */
	assert_int_equal(tu_write_str(q, "not PEM\n", 0644), 0);
	cc.cert = q;
	assert_null(ca_load(&cc));
	X509_free(x);
	EVP_PKEY_free(k);
	free(p);
	free(q);
	free(chain);
}

/* Whether "x" carries the SubjectPublicKeyInfo of "k". */
static int
spki_is(X509 *x, EVP_PKEY *k)
{
	unsigned char	*a = NULL, *b = NULL;
	int		 na, nb, same;

	na = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &a);
	nb = i2d_PUBKEY(k, &b);
	same = na > 0 && na == nb && memcmp(a, b, (size_t)na) == 0;
	OPENSSL_free(a);
	OPENSSL_free(b);
	return same;
}

/* Issue a certificate for the default CSR with ca_issue(). */
static X509 *
issue(char *serial)
{
	struct csr_info		 ci;
	struct conf_cert	 tc = { .validity_days = 365,
	    .backdate_secs = 300, .san_copy = CONF_SAN_ALL,
	    .eku = (char *)"clientAuth", .digest = (char *)"sha256" };
	X509			*x;

	assert_int_equal(csr_parse(csr, csrsz, &ci), SCEP_OK);
	x = ca_issue(ca, &ci, &tc, serial);
	csr_info_clear(&ci);
	assert_non_null(x);
	return x;
}

static void
test_ca_issue(void **state)
{
	X509			*x;
	ASN1_INTEGER		*sn;
	BIGNUM			*bn;
	char			 serial[64], *hex;
	GENERAL_NAMES		*gens;
	BASIC_CONSTRAINTS	*bc;

	x = issue(serial);
	assert_int_equal(X509_verify(x, cakey), 1);
	assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(x),
	    X509_get_subject_name(cacert)), 0);
	/* The CSR's key, copied undecoded (ca.h): compare the encodings. */
	assert_true(spki_is(x, reqkey));
	/* The hex the caller stores is the certificate's serial. */
	sn = X509_get_serialNumber(x);
	assert_non_null(bn = ASN1_INTEGER_to_BN(sn, NULL));
	assert_non_null(hex = BN_bn2hex(bn));
	assert_string_equal(hex, serial);
	assert_int_equal(strlen(serial), 32);
	OPENSSL_free(hex);
	BN_free(bn);
	/* Never beyond the CA (30 days here, 365 asked). */
	assert_true(ASN1_TIME_compare(X509_get0_notAfter(x),
	    X509_get0_notAfter(cacert)) <= 0);
	assert_non_null(bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL,
	    NULL));
	assert_int_equal(bc->ca, 0);
	BASIC_CONSTRAINTS_free(bc);
	assert_non_null(gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL,
	    NULL));
	assert_int_equal(sk_GENERAL_NAME_num(gens), 1);
	GENERAL_NAMES_free(gens);
	X509_free(x);
}

/* The single value of signed attribute "which", or NULL. */
static const ASN1_TYPE *
attr(CMS_SignerInfo *si, int which)
{
	int i;

	if ((i = CMS_signed_get_attr_by_OBJ(si, scep_oid(which), -1)) < 0)
		return NULL;
	assert_true(CMS_signed_get_attr_by_OBJ(si, scep_oid(which), i) < 0);
	assert_int_equal(X509_ATTRIBUTE_count(CMS_signed_get_attr(si, i)), 1);
	return X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, i), 0);
}

static void
attr_printable(CMS_SignerInfo *si, int which, const char *want)
{
	const ASN1_TYPE *t = attr(si, which);

	assert_non_null(t);
	assert_int_equal(t->type, V_ASN1_PRINTABLESTRING);
	assert_int_equal(ASN1_STRING_length(t->value.asn1_string),
	    strlen(want));
	assert_memory_equal(ASN1_STRING_get0_data(t->value.asn1_string),
	    want, strlen(want));
}

/*
 * Check a CertRep as a client does: DER, signed by the CA, attributes.
 * Returns the CMS for more checks and the verified content in *content
 * (NULL when detached).
 */
static CMS_ContentInfo *
rep_check(const unsigned char *der, size_t n, const struct scep_req *rq,
    const char *status, const char *failinfo, int mdnid, BIO **content)
{
	CMS_ContentInfo		*cms;
	CMS_SignerInfo		*si;
	STACK_OF(X509)		*signers;
	X509_ALGOR		*dig;
	const ASN1_OBJECT	*obj;
	const ASN1_TYPE		*t;
	const unsigned char	*p = der;
	BIO			*dcont = NULL, *out;
	int			 flags = CMS_NO_SIGNER_CERT_VERIFY |
	    CMS_BINARY | CMS_NOINTERN;

	assert_non_null(cms = d2i_CMS_ContentInfo(NULL, &p, (long)n));
	assert_ptr_equal(p, der + n);
	assert_int_equal(OBJ_obj2nid(CMS_get0_type(cms)), NID_pkcs7_signed);
	assert_int_equal(sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)), 1);
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);

	assert_non_null(signers = sk_X509_new_null());
	assert_true(sk_X509_push(signers, cacert));
	assert_non_null(out = BIO_new(BIO_s_mem()));
	if (CMS_is_detached(cms))
		assert_non_null(dcont = BIO_new_mem_buf("", 0));
	if (CMS_verify(cms, signers, NULL, dcont, out, flags) != 1) {
		ERR_print_errors_fp(stderr);
		fail_msg("CertRep does not verify with the CA certificate");
	}
	sk_X509_free(signers);
	BIO_free(dcont);

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	assert_int_equal(OBJ_obj2nid(obj), mdnid);

	attr_printable(si, SCEP_OID_MESSAGETYPE, "3");
	attr_printable(si, SCEP_OID_PKISTATUS, status);
	attr_printable(si, SCEP_OID_TRANSACTIONID, rq->txid);
	if (failinfo != NULL)
		attr_printable(si, SCEP_OID_FAILINFO, failinfo);
	else
		assert_null(attr(si, SCEP_OID_FAILINFO));
	assert_non_null(t = attr(si, SCEP_OID_RECIPIENTNONCE));
	assert_int_equal(t->type, V_ASN1_OCTET_STRING);
	assert_int_equal(ASN1_STRING_length(t->value.octet_string),
	    rq->noncesz);
	assert_memory_equal(ASN1_STRING_get0_data(t->value.octet_string),
	    rq->nonce, rq->noncesz);
	assert_non_null(t = attr(si, SCEP_OID_SENDERNONCE));
	assert_int_equal(t->type, V_ASN1_OCTET_STRING);
	assert_int_equal(ASN1_STRING_length(t->value.octet_string), 16);

	if (dcont != NULL) {
		BIO_free(out);
		out = NULL;
	}
	*content = out;
	return cms;
}

static void
test_rep_success(void **state)
{
	struct tu_msg		 m = msg_default();
	struct scep_req		*rq;
	struct scep_rep		 rep;
	CMS_ContentInfo		*cms, *env;
	PKCS7			*p7;
	STACK_OF(X509)		*certs;
	BIO			*content, *inner;
	X509			*x;
	const X509_ALGOR	*alg;
	const ASN1_OBJECT	*obj;
	unsigned char		*der;
	const unsigned char	*p;
	char			*c, serial[64];
	void			*owner;
	size_t			 n;
	long			 cn;

	m.cipher = EVP_aes_256_cbc();
	m.md = EVP_sha512();
	assert_int_equal(build_parse(&m, 0, &rq), SCEP_OK);
	x = issue(serial);
	memset(&rep, 0, sizeof(rep));
	rep.status = SCEP_STATUS_SUCCESS;
	rep.rq = rq;
	rep.issued = x;
	rep.recipient = rq->signer;
	assert_non_null(der = ca_certrep(ca, &rep, &n));
	/* The reply mirrors the request's digest. */
	cms = rep_check(der, n, rq, "0", NULL, NID_sha512, &content);
	assert_non_null(content);
	assert_int_equal(OBJ_obj2nid(CMS_get0_eContentType(cms)),
	    NID_pkcs7_data);

	/* The content is an envelope for the requester, in its cipher. */
	assert_true((cn = BIO_get_mem_data(content, &c)) > 0);
	assert_non_null(alg = scep_env_cipher((unsigned char *)c, (size_t)cn,
	    &owner));
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	assert_int_equal(OBJ_obj2nid(obj), NID_aes_256_cbc);
	scep_env_free(owner);
	p = (const unsigned char *)c;
	assert_non_null(env = d2i_CMS_ContentInfo(NULL, &p, cn));
	assert_int_equal(OBJ_obj2nid(CMS_get0_type(env)),
	    NID_pkcs7_enveloped);
	assert_non_null(inner = BIO_new(BIO_s_mem()));
	assert_int_equal(CMS_decrypt(env, reqkey, reqcert, NULL, inner,
	    CMS_BINARY), 1);

	/* Inside: a degenerate SignedData whose only cert is ours. */
	assert_true((cn = BIO_get_mem_data(inner, &c)) > 0);
	p = (const unsigned char *)c;
	assert_non_null(p7 = d2i_PKCS7(NULL, &p, cn));
	assert_true(PKCS7_type_is_signed(p7));
	assert_int_equal(sk_PKCS7_SIGNER_INFO_num(p7->d.sign->signer_info),
	    0);
	certs = p7->d.sign->cert;
	assert_int_equal(sk_X509_num(certs), 1);
	assert_int_equal(X509_cmp(sk_X509_value(certs, 0), x), 0);

	PKCS7_free(p7);
	BIO_free(inner);
	CMS_ContentInfo_free(env);
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	free(der);
	X509_free(x);
	scep_req_free(rq);
}

static void
test_rep_failure(void **state)
{
	struct tu_msg		 m = msg_default();
	struct scep_req		*rq;
	struct scep_rep		 rep;
	CMS_ContentInfo		*cms;
	CMS_SignerInfo		*si;
	const ASN1_TYPE		*t;
	BIO			*content;
	unsigned char		*der;
	size_t			 n;
	const struct {
		enum scep_fail	 f;
		const char	*info;
	} fails[] = {
		{ SCEP_FAIL_BADALG, "0" },
		{ SCEP_FAIL_BADMESSAGECHECK, "1" },
		{ SCEP_FAIL_BADREQUEST, "2" },
		{ SCEP_FAIL_BADTIME, "3" },
		{ SCEP_FAIL_BADCERTID, "4" },
	};
	size_t			 i;

	m.md = EVP_sha1();
	assert_int_equal(build_parse(&m, 0, &rq), SCEP_OK);
	for (i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
		memset(&rep, 0, sizeof(rep));
		rep.status = SCEP_STATUS_FAILURE;
		rep.fail = fails[i].f;
		rep.failtext = i == 2 ? "challenge mismatch" : NULL;
		rep.rq = rq;
		rep.recipient = rq->signer;
		assert_non_null(der = ca_certrep(ca, &rep, &n));
		cms = rep_check(der, n, rq, "2", fails[i].info, NID_sha1,
		    &content);
		/* 3.3.2.2: no pkcsPKIEnvelope in a FAILURE. */
		assert_null(content);
		si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
		t = attr(si, SCEP_OID_FAILINFOTEXT);
		if (rep.failtext == NULL)
			assert_null(t);
		else {
			assert_non_null(t);
			assert_int_equal(t->type, V_ASN1_UTF8STRING);
			assert_int_equal(ASN1_STRING_length(
			    t->value.asn1_string), strlen(rep.failtext));
		}
		CMS_ContentInfo_free(cms);
		free(der);
	}
	scep_req_free(rq);
}

static void
test_rep_pending(void **state)
{
	struct tu_msg	 m = msg_default();
	struct scep_req	*rq;
	struct scep_rep	 rep;
	CMS_ContentInfo	*cms;
	BIO		*content;
	unsigned char	*der;
	size_t		 n;

	assert_int_equal(build_parse(&m, 0, &rq), SCEP_OK);
	memset(&rep, 0, sizeof(rep));
	rep.status = SCEP_STATUS_PENDING;
	rep.rq = rq;
	rep.recipient = rq->signer;
	assert_non_null(der = ca_certrep(ca, &rep, &n));
	cms = rep_check(der, n, rq, "3", NULL, NID_sha256, &content);
	assert_null(content);
	CMS_ContentInfo_free(cms);
	free(der);

	/*
	 * compat.failure_content, the profile default (certmonger): an
	 * empty eContent, still no pkcsPKIEnvelope, and the same attributes;
	 * FAILURE likewise.  Above: the absent form (failure_content false).
	 */
	rep.content_always = 1;
	assert_non_null(der = ca_certrep(ca, &rep, &n));
	cms = rep_check(der, n, rq, "3", NULL, NID_sha256, &content);
	assert_non_null(content);
	assert_int_equal(BIO_pending(content), 0);
	assert_false(CMS_is_detached(cms));
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	free(der);
	rep.status = SCEP_STATUS_FAILURE;
	rep.fail = SCEP_FAIL_BADREQUEST;
	assert_non_null(der = ca_certrep(ca, &rep, &n));
	cms = rep_check(der, n, rq, "2", "2", NID_sha256, &content);
	assert_non_null(content);
	assert_int_equal(BIO_pending(content), 0);
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	free(der);
	scep_req_free(rq);
}

/*
 * A hand-built request, as the engine might hold after a failure early
 * in parsing: md NULL (digest unknown) or MD5 (legacy) must still get a
 * reply in an acceptable digest, and an odd nonce is echoed as sent.
 */
static void
test_rep_digest_choice(void **state)
{
	struct scep_req	*rq;
	struct scep_rep	 rep;
	CMS_ContentInfo	*cms;
	BIO		*content;
	unsigned char	*der;
	size_t		 n;

	assert_non_null(rq = calloc(1, sizeof(*rq)));
	snprintf(rq->txid, sizeof(rq->txid), "hand-built");
	rq->noncesz = 8;
	tu_fill(rq->nonce, rq->noncesz, 8);
	memset(&rep, 0, sizeof(rep));
	rep.status = SCEP_STATUS_FAILURE;
	rep.fail = SCEP_FAIL_BADALG;
	rep.rq = rq;

	rq->md = NULL;
	assert_non_null(der = ca_certrep(ca, &rep, &n));
	cms = rep_check(der, n, rq, "2", "0", NID_sha256, &content);
	CMS_ContentInfo_free(cms);
	free(der);

	rq->md = EVP_md5();
	assert_non_null(der = ca_certrep(ca, &rep, &n));
	cms = rep_check(der, n, rq, "2", "0", NID_sha1, &content);
	CMS_ContentInfo_free(cms);
	free(der);
	scep_req_free(rq);
}

/* A transactionID PrintableString cannot hold is echoed as it came. */
static void
test_rep_txid_type(void **state)
{
	struct scep_req	*rq;
	struct scep_rep	 rep;
	CMS_ContentInfo	*cms;
	CMS_SignerInfo	*si;
	const ASN1_TYPE	*t;
	unsigned char	*der;
	const unsigned char *p;
	size_t		 n;

	assert_non_null(rq = calloc(1, sizeof(*rq)));
	snprintf(rq->txid, sizeof(rq->txid), "id_with@odd*chars");
	rq->txid_asn1 = V_ASN1_IA5STRING;
	rq->noncesz = 16;
	rq->md = EVP_sha256();
	memset(&rep, 0, sizeof(rep));
	rep.status = SCEP_STATUS_FAILURE;
	rep.fail = SCEP_FAIL_BADREQUEST;
	rep.rq = rq;
	assert_non_null(der = ca_certrep(ca, &rep, &n));
	p = der;
	assert_non_null(cms = d2i_CMS_ContentInfo(NULL, &p, (long)n));
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	assert_non_null(t = attr(si, SCEP_OID_TRANSACTIONID));
	assert_int_equal(t->type, V_ASN1_IA5STRING);
	assert_int_equal(ASN1_STRING_length(t->value.asn1_string),
	    strlen(rq->txid));
	CMS_ContentInfo_free(cms);
	free(der);
	scep_req_free(rq);
}

/* RFC 8894 3.1: a requester key that cannot decrypt gets PWRI. */
static void
test_rep_pwri(void **state)
{
	struct scep_req		*rq;
	struct scep_rep		 rep;
	CMS_ContentInfo		*cms, *env;
	BIO			*content, *inner;
	EVP_PKEY		*k;
	X509			*eccert, *x;
	unsigned char		*der, pw[] = "otp-1234";
	const unsigned char	*p;
	char			*c, serial[64];
	size_t			 n;
	long			 cn;

	assert_non_null(k = tu_key_ec("P-256"));
	assert_non_null(eccert = tu_cert_self(k, "ec-client", 0));
	assert_non_null(rq = calloc(1, sizeof(*rq)));
	snprintf(rq->txid, sizeof(rq->txid), "pwri");
	rq->noncesz = 16;
	rq->md = EVP_sha256();
	rq->cipher = EVP_aes_128_cbc();
	x = issue(serial);
	memset(&rep, 0, sizeof(rep));
	rep.status = SCEP_STATUS_SUCCESS;
	rep.rq = rq;
	rep.issued = x;
	rep.recipient = eccert;

	/* No password: nothing can be sent. */
	assert_null(ca_certrep(ca, &rep, &n));
	ERR_clear_error();

	rep.password = (const char *)pw;
	assert_non_null(der = ca_certrep(ca, &rep, &n));
	cms = rep_check(der, n, rq, "0", NULL, NID_sha256, &content);
	assert_true((cn = BIO_get_mem_data(content, &c)) > 0);
	p = (const unsigned char *)c;
	assert_non_null(env = d2i_CMS_ContentInfo(NULL, &p, cn));
	assert_true(CMS_decrypt_set1_password(env, pw, strlen((char *)pw)));
	assert_non_null(inner = BIO_new(BIO_s_mem()));
	assert_int_equal(CMS_decrypt(env, NULL, NULL, NULL, inner,
	    CMS_BINARY), 1);
	assert_true(BIO_get_mem_data(inner, &c) > 0);
	BIO_free(inner);
	CMS_ContentInfo_free(env);
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	free(der);
	X509_free(x);
	X509_free(eccert);
	EVP_PKEY_free(k);
	scep_req_free(rq);
}

static void
test_certs_only(void **state)
{
	STACK_OF(X509)		*in, *got;
	PKCS7			*p7;
	EVP_PKEY		*k;
	X509			*a, *b;
	unsigned char		*der;
	const unsigned char	*p;
	size_t			 n;
	int			 i, order[2][3] = { { 0, 1, 2 }, { 2, 1, 0 } },
				 o;
	X509			*all[3];

	assert_non_null(k = tu_key_ec("P-256"));
	/* Names chosen so that DER (SET) order differs from ours. */
	assert_non_null(a = tu_cert_issue(k, "zzz leaf", cacert, cakey, 7));
	assert_non_null(b = tu_cert_self(k, "aaa other", 0));
	all[0] = a;
	all[1] = cacert;
	all[2] = b;
	for (o = 0; o < 2; o++) {
		assert_non_null(in = sk_X509_new_null());
		for (i = 0; i < 3; i++)
			assert_true(sk_X509_push(in, all[order[o][i]]));
		assert_non_null(der = scep_certs_only(in, &n));
		p = der;
		assert_non_null(p7 = d2i_PKCS7(NULL, &p, (long)n));
		assert_ptr_equal(p, der + n);
		assert_true(PKCS7_type_is_signed(p7));
		assert_int_equal(sk_PKCS7_SIGNER_INFO_num(
		    p7->d.sign->signer_info), 0);
		got = p7->d.sign->cert;
		assert_int_equal(sk_X509_num(got), 3);
		for (i = 0; i < 3; i++)
			assert_int_equal(X509_cmp(sk_X509_value(got, i),
			    all[order[o][i]]), 0);
		PKCS7_free(p7);
		free(der);
		sk_X509_free(in);
	}

	/* An empty list is still a valid degenerate SignedData. */
	assert_non_null(in = sk_X509_new_null());
	assert_non_null(der = scep_certs_only(in, &n));
	p = der;
	assert_non_null(p7 = d2i_PKCS7(NULL, &p, (long)n));
	PKCS7_free(p7);
	free(der);
	sk_X509_free(in);

	X509_free(a);
	X509_free(b);
	EVP_PKEY_free(k);
}

/* thisUpdate is mandatory (RFC 5280 5.1.2.4): now, and a day. */
static void
crl_times(X509_CRL *crl)
{
	ASN1_TIME *t;

	assert_non_null(t = X509_gmtime_adj(NULL, 0));
	assert_true(X509_CRL_set1_lastUpdate(crl, t));
	assert_non_null(X509_gmtime_adj(t, 86400));
	assert_true(X509_CRL_set1_nextUpdate(crl, t));
	ASN1_TIME_free(t);
}

static void
test_crl_only(void **state)
{
	X509_CRL		*crl, *got;
	PKCS7			*p7;
	unsigned char		*der;
	const unsigned char	*p;
	size_t			 n;

	assert_non_null(crl = X509_CRL_new());
	assert_true(X509_CRL_set_version(crl, X509_CRL_VERSION_2));
	assert_true(X509_CRL_set_issuer_name(crl,
	    X509_get_subject_name(cacert)));
	crl_times(crl);
	assert_true(X509_CRL_sign(crl, cakey, EVP_sha256()) > 0);

	/* RFC 8894 3.3.2.1: one CRL, no certificates, no signers. */
	assert_non_null(der = scep_crl_only(crl, &n));
	p = der;
	assert_non_null(p7 = d2i_PKCS7(NULL, &p, (long)n));
	assert_ptr_equal(p, der + n);
	assert_true(PKCS7_type_is_signed(p7));
	assert_true(sk_X509_num(p7->d.sign->cert) <= 0);	/* absent */
	assert_int_equal(sk_PKCS7_SIGNER_INFO_num(p7->d.sign->signer_info),
	    0);
	assert_int_equal(sk_X509_CRL_num(p7->d.sign->crl), 1);
	got = sk_X509_CRL_value(p7->d.sign->crl, 0);
	assert_int_equal(X509_CRL_verify(got, cakey), 1);
	assert_int_equal(X509_NAME_cmp(X509_CRL_get_issuer(got),
	    X509_get_subject_name(cacert)), 0);
	PKCS7_free(p7);
	free(der);
	X509_CRL_free(crl);
}

/* GetCRL's SUCCESS (3.3.2.1): the envelope holds the CRL. */
static void
test_rep_success_crl(void **state)
{
	struct tu_msg		 m = msg_default();
	struct scep_req		*rq;
	struct scep_rep		 rep;
	CMS_ContentInfo		*cms, *env;
	PKCS7			*p7;
	X509_CRL		*crl;
	BIO			*content, *inner;
	unsigned char		*der;
	const unsigned char	*p;
	char			*c;
	size_t			 n;
	long			 cn;

	assert_non_null(crl = X509_CRL_new());
	assert_true(X509_CRL_set_issuer_name(crl,
	    X509_get_subject_name(cacert)));
	crl_times(crl);
	assert_true(X509_CRL_sign(crl, cakey, EVP_sha256()) > 0);
	m.msgtype = "22";
	assert_int_equal(build_parse(&m, 0, &rq), SCEP_OK);
	memset(&rep, 0, sizeof(rep));
	rep.status = SCEP_STATUS_SUCCESS;
	rep.rq = rq;
	rep.crl = crl;
	rep.recipient = rq->signer;
	assert_non_null(der = ca_certrep(ca, &rep, &n));
	cms = rep_check(der, n, rq, "0", NULL, NID_sha256, &content);
	assert_true((cn = BIO_get_mem_data(content, &c)) > 0);
	p = (const unsigned char *)c;
	assert_non_null(env = d2i_CMS_ContentInfo(NULL, &p, cn));
	assert_non_null(inner = BIO_new(BIO_s_mem()));
	assert_int_equal(CMS_decrypt(env, reqkey, reqcert, NULL, inner,
	    CMS_BINARY), 1);
	assert_true((cn = BIO_get_mem_data(inner, &c)) > 0);
	p = (const unsigned char *)c;
	assert_non_null(p7 = d2i_PKCS7(NULL, &p, cn));
	assert_true(sk_X509_num(p7->d.sign->cert) <= 0);	/* absent */
	assert_int_equal(sk_X509_CRL_num(p7->d.sign->crl), 1);
	assert_int_equal(X509_CRL_cmp(sk_X509_CRL_value(p7->d.sign->crl, 0),
	    crl), 0);
	PKCS7_free(p7);
	BIO_free(inner);
	CMS_ContentInfo_free(env);
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	free(der);
	scep_req_free(rq);
	X509_CRL_free(crl);
}

/* DER of a two-field SEQUENCE built from i2d of each part. */
static unsigned char *
seq2(const unsigned char *a, size_t an, const unsigned char *b, size_t bn,
    size_t *len)
{
	unsigned char	*p;
	size_t		 body = an + bn, hdr = body < 128 ? 2 : 4;

	assert_true(body < 65536);
	assert_non_null(p = malloc(hdr + body));
	p[0] = 0x30;
	if (hdr == 2)
		p[1] = (unsigned char)body;
	else {
		p[1] = 0x82;
		p[2] = (unsigned char)(body >> 8);
		p[3] = (unsigned char)body;
	}
	memcpy(p + hdr, a, an);
	memcpy(p + hdr + an, b, bn);
	*len = hdr + body;
	return p;
}

/* RFC 8894 3.3.3 IssuerAndSubject: CertPoll's messageData. */
static void
test_issuer_subject(void **state)
{
	X509_NAME	*iss, *sub, *want;
	unsigned char	*a = NULL, *b = NULL, *der;
	size_t		 n;
	int		 an, bn;

	assert_non_null(want = X509_NAME_new());
	assert_true(X509_NAME_add_entry_by_txt(want, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"poll me", -1, -1, 0));
	assert_true((an = i2d_X509_NAME(X509_get_subject_name(cacert),
	    &a)) > 0);
	assert_true((bn = i2d_X509_NAME(want, &b)) > 0);
	der = seq2(a, (size_t)an, b, (size_t)bn, &n);

	assert_int_equal(scep_issuer_subject(der, n, &iss, &sub), 0);
	assert_int_equal(X509_NAME_cmp(iss, X509_get_subject_name(cacert)),
	    0);
	assert_int_equal(X509_NAME_cmp(sub, want), 0);
	X509_NAME_free(iss);
	X509_NAME_free(sub);

	/* Short, long, or something else: -1 and nothing to free. */
	iss = sub = (X509_NAME *)1;
	assert_int_equal(scep_issuer_subject(der, n - 1, &iss, &sub), -1);
	assert_null(iss);
	assert_null(sub);
	assert_int_equal(scep_issuer_subject(der, 0, &iss, &sub), -1);
	free(der);
	der = seq2(a, (size_t)an, b, (size_t)bn, &n);
	assert_non_null(der = realloc(der, n + 1));
	der[n] = 0;
	assert_int_equal(scep_issuer_subject(der, n + 1, &iss, &sub), -1);
	assert_int_equal(scep_issuer_subject(csr, csrsz, &iss, &sub), -1);
	free(der);
	OPENSSL_free(a);
	OPENSSL_free(b);
	X509_NAME_free(want);
}

/* RFC 8894 3.3.4 IssuerAndSerialNumber: GetCert's and GetCRL's. */
static void
test_issuer_serial(void **state)
{
	PKCS7_ISSUER_AND_SERIAL	*ias;
	ASN1_INTEGER		*ai;
	X509_NAME		*iss;
	unsigned char		*der = NULL;
	char			 serial[41];
	int			 n;

	assert_non_null(ias = PKCS7_ISSUER_AND_SERIAL_new());
	assert_true(X509_NAME_set(&ias->issuer,
	    X509_get_subject_name(cacert)));
	assert_true(ASN1_INTEGER_set_int64(ias->serial, 0x0A1B2C3D4E));
	assert_true((n = i2d_PKCS7_ISSUER_AND_SERIAL(ias, &der)) > 0);
	assert_int_equal(scep_issuer_serial(der, (size_t)n, &iss, serial,
	    sizeof(serial)), 0);
	assert_string_equal(serial, "0A1B2C3D4E");
	assert_int_equal(X509_NAME_cmp(iss, X509_get_subject_name(cacert)),
	    0);
	X509_NAME_free(iss);
	/* The hex does not fit: refused, not truncated. */
	assert_int_equal(scep_issuer_serial(der, (size_t)n, &iss, serial, 10),
	    -1);
	assert_null(iss);
	assert_int_equal(scep_issuer_serial(der, (size_t)n - 1, &iss, serial,
	    sizeof(serial)), -1);
	OPENSSL_free(der);

	/* A negative serial is nobody's. */
	der = NULL;
	assert_true(ASN1_INTEGER_set_int64(ias->serial, -5));
	assert_true((n = i2d_PKCS7_ISSUER_AND_SERIAL(ias, &der)) > 0);
	assert_int_equal(scep_issuer_serial(der, (size_t)n, &iss, serial,
	    sizeof(serial)), -1);
	assert_null(iss);
	OPENSSL_free(der);
	PKCS7_ISSUER_AND_SERIAL_free(ias);

	/* x509_serial_hex() as the store keys certificates. */
	assert_non_null(ai = ASN1_INTEGER_new());
	assert_true(ASN1_INTEGER_set_int64(ai, 255));
	assert_int_equal(x509_serial_hex(ai, serial, sizeof(serial)), 0);
	assert_string_equal(serial, "FF");
	assert_true(ASN1_INTEGER_set_int64(ai, 0));
	assert_int_equal(x509_serial_hex(ai, serial, sizeof(serial)), 0);
	assert_string_equal(serial, "0");
	assert_true(ASN1_INTEGER_set_int64(ai, -1));
	assert_int_equal(x509_serial_hex(ai, serial, sizeof(serial)), -1);
	ASN1_INTEGER_free(ai);
}

/* ca_issue()'s serial string is what x509_serial_hex() reads back. */
static void
test_serial_agrees(void **state)
{
	X509	*x;
	char	 serial[64], hex[64];
	int	 i;

	for (i = 0; i < 8; i++) {
		x = issue(serial);
		assert_int_equal(x509_serial_hex(X509_get_serialNumber(x), hex,
		    sizeof(hex)), 0);
		assert_string_equal(hex, serial);
		X509_free(x);
	}
}

static void
test_names(void **state)
{
	char	txt[64];

	assert_string_equal(scep_fail_str(SCEP_FAIL_BADALG), "badAlg");
	assert_string_equal(scep_fail_str(SCEP_FAIL_BADMESSAGECHECK),
	    "badMessageCheck");
	assert_string_equal(scep_fail_str(SCEP_FAIL__MAX), "?");
	assert_int_equal(scep_fail_info(SCEP_OK), -1);
	assert_int_equal(scep_fail_info(SCEP_FAIL_BADCERTID), 4);
	assert_int_equal(scep_fail_info(SCEP_FAIL_HTTP), -1);
	assert_int_equal(scep_fail_info(SCEP_FAIL_INTERNAL), -1);
	assert_string_equal(scep_msgtype_str(SCEP_MSG_PKCSREQ), "PKCSReq");
	assert_string_equal(scep_msgtype_str(SCEP_MSG_NONE), "unknown");
	/* scep_asn1_init() is idempotent. */
	assert_int_equal(scep_asn1_init(), 0);
	assert_true(OBJ_obj2txt(txt, sizeof(txt),
	    scep_oid(SCEP_OID_TRANSACTIONID), 1) > 0);
	assert_string_equal(txt, "2.16.840.1.113733.1.9.7");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_algorithms),
		cmocka_unit_test(test_parse_des),
		cmocka_unit_test(test_parse_md5),
		cmocka_unit_test(test_parse_bad_signature),
		cmocka_unit_test(test_parse_other_signer),
		cmocka_unit_test(test_parse_missing_attrs),
		cmocka_unit_test(test_parse_txid_sizes),
		cmocka_unit_test(test_parse_msgtype),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_parse_not_enveloped),
		cmocka_unit_test(test_open_envelope),
		cmocka_unit_test(test_ca_load),
		cmocka_unit_test(test_ca_issue),
		cmocka_unit_test(test_rep_success),
		cmocka_unit_test(test_rep_failure),
		cmocka_unit_test(test_rep_pending),
		cmocka_unit_test(test_rep_digest_choice),
		cmocka_unit_test(test_rep_txid_type),
		cmocka_unit_test(test_rep_pwri),
		cmocka_unit_test(test_certs_only),
		cmocka_unit_test(test_crl_only),
		cmocka_unit_test(test_rep_success_crl),
		cmocka_unit_test(test_issuer_subject),
		cmocka_unit_test(test_issuer_serial),
		cmocka_unit_test(test_serial_agrees),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
