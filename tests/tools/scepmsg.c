/*	SPDX-License-Identifier: ISC */
/*
 * scepmsg.c: a SCEP client for scepd's tests, on libcrypto alone.
 * Builds well-formed and deliberately broken PKIOperation messages
 * (RFC 8894 3.2, 3.3) and checks CertRep replies (3.3.2, 3.4; the
 * checklist's CHK-REP, section 7.4).  HTTP is left to the caller (curl).
 * DER is never written by hand: CMS, X509 and X509_REQ do the encoding,
 * and ASN.1 templates describe the little those APIs do not expose.
 *
 * scepmsg req --cacert CA.pem --key KEY.pem [--newkey rsa:BITS|ec:CURVE]
 *	[--subject /CN=a/O=b] [--challenge PW] [--san-dns NAME]...
 *	[--san-uri URI]...
 *	[--type 19|17|20|21|22|18|99] [--serial HEX]
 *	[--digest sha1|sha256|sha384|sha512|md5] [--csr-digest ALG]
 *	[--cipher aes128|aes192|aes256|des3|des] [--txid ID]
 *	[--signer-cert CERT.pem --signer-key KEY.pem] [--csr-key KEY.pem]
 *	[--recipient CERT.pem] [--issuer /CN=x] [--mutate NAME[,NAME]...]...
 *	[--pss] [--oaep] [--pwri PW [--pwri-iter N] [--pwri-iter-claim N]]
 *	-o OUT.der --state STATE
 *   Writes a pkiMessage to OUT.der and what "rep" needs to STATE.
 *   --newkey creates KEY.pem (mode 0600) if it does not exist.  The
 *   signer is a fresh self-signed certificate over KEY unless
 *   --signer-cert/--signer-key are given; the CSR is over --csr-key or
 *   KEY.  The envelope goes to --recipient, else to the CA certificate.
 *   Types 19, 17, 18 and 99 carry the CSR; 20 carries IssuerAndSubject
 *   (CA name, --subject); 21 and 22 IssuerAndSerialNumber (CA name,
 *   --serial).  --issuer names another issuer in those three.  --pss
 *   signs with RSASSA-PSS, --oaep wraps the key with RSAES-OAEP (SHA-256),
 *   --pwri envelopes to a password instead of the CA (PWRI, RFC 3211);
 *   "rep" then requires the CertRep to answer in kind.
 *   Defaults: /CN=scepmsg, type 19, sha256 (pkiMessage and CSR), aes128, a
 *   random 32-hex-digit transactionID.  Mutations: mutations[] below,
 *   or "scepmsg help".  STATE holds key=value lines: txid, nonce (hex),
 *   signer_key (path), cipher, digest, signer_cert and csr_spki (hex
 *   DER), challenge (hex), type, serial (hex, as given).
 *
 * scepmsg rep --state STATE --cacert CA.pem -i REPLY.der
 *	[--signer-cert RA.pem] [--cert-out CERT.pem] [--crl-out CRL.der]
 *   Runs CHK-REP on a CertRep.  Prints one line
 *	status=SUCCESS|FAILURE|PENDING failinfo=NAME failtext="TEXT"
 *   (failinfo and failtext empty unless present) and exits 0 when the
 *   reply is a well-formed CertRep whatever its status; exits 1 with
 *   the reason on stderr when a check fails.  On SUCCESS the issued
 *   certificate is written to --cert-out (PEM).  The request's type
 *   decides what SUCCESS must hold (REP-01, REP-02): for GetCert (21)
 *   certificate 0 is the one of the serial asked for, over any key;
 *   for GetCRL (22) exactly one CRL, signed by the CA, and no
 *   certificates, the CRL written to --crl-out (DER).  The CertRep
 *   must be signed by a certificate of --cacert, or with --signer-cert
 *   (RA mode, RFC 8894 2.1.1) by one of that file's instead; what it
 *   carries is still checked against --cacert.  A FAILURE or PENDING
 *   may have an absent or an empty eContent; --econtent requires one.
 *   An RSA CertRep is RSASSA-PSS only to a PSS request; --sig requires
 *   one form.  An OAEP request's reply envelope must be OAEP.
 *
 * scepmsg b64 -i IN.der [--wrap N] [--crlf] [--urlsafe] [--no-pad]
 *	[--escape] [--plus-space]
 *   Base64 for GET tests: lines of N characters, base64url alphabet,
 *   no '=' padding, RFC 3986 percent-escaping of everything that is not
 *   unreserved (line breaks become %0A or %0D%0A), '+' sent as %20.
 */

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/asn1t.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define FILE_MAX        (16 * 1024 * 1024)      /* largest file we read */
#define SAN_MAX         16                      /* --san-dns repeats */
#define NONCE_LEN       16                      /* RFC 8894 3.2.1.5 */

/* RFC 8894 3.2.1, Table 2; filled by oids_init() */
static ASN1_OBJECT *oid_messageType, *oid_pkiStatus, *oid_failInfo;
static ASN1_OBJECT *oid_senderNonce, *oid_recipientNonce;
static ASN1_OBJECT *oid_transactionID, *oid_failInfoText;

static const struct {
	const char       *txt;
	ASN1_OBJECT     **obj;
} scep_oids[] = {
	{ "2.16.840.1.113733.1.9.2", &oid_messageType },
	{ "2.16.840.1.113733.1.9.3", &oid_pkiStatus },
	{ "2.16.840.1.113733.1.9.4", &oid_failInfo },
	{ "2.16.840.1.113733.1.9.5", &oid_senderNonce },
	{ "2.16.840.1.113733.1.9.6", &oid_recipientNonce },
	{ "2.16.840.1.113733.1.9.7", &oid_transactionID },
	{ "1.3.6.1.5.5.7.24.1", &oid_failInfoText },
};

/* RFC 8894 3.2.1.4: failInfo values on the wire are the index */
static const char *const failinfo_names[] = {
	"badAlg", "badMessageCheck", "badRequest", "badTime", "badCertId",
};

/* Our option names for algorithms, and OpenSSL's. */
struct alg {
	const char      *name;
	const char      *ossl;
};

static const struct alg digests[] = {
	{ "sha1", "SHA1" }, { "sha256", "SHA256" }, { "sha384", "SHA384" },
	{ "sha512", "SHA512" },
	{ "md5", "MD5" },
};

static const struct alg ciphers[] = {
	{ "aes128", "AES-128-CBC" }, { "aes192", "AES-192-CBC" },
	{ "aes256", "AES-256-CBC" }, { "des3", "DES-EDE3-CBC" },
	{ "des", "DES-CBC" },
};

/* Ways to break a request on purpose (--mutate). */
enum mut {
	MUT_FLIP_SIG = 1 << 0,
	MUT_BAD_DIGEST = 1 << 1,
	MUT_NO_TXID = 1 << 2,
	MUT_NO_NONCE = 1 << 3,
	MUT_NO_TYPE = 1 << 4,
	MUT_TWO_TXID = 1 << 5,
	MUT_NO_SIGNER_CERT = 1 << 6,
	MUT_CSR_BAD_SIG = 1 << 7,
	MUT_RAW_CSR = 1 << 8,
	MUT_KTRI_SKI = 1 << 9,
	MUT_SID_SKI = 1 << 10,
	MUT_ENV_WRONG_KEY = 1 << 11,
	MUT_ENV_BAD_PAD = 1 << 12,
	MUT_ENV_GARBAGE = 1 << 13,
	MUT_NONCE_8 = 1 << 14,
	MUT_TYPE_SET2 = 1 << 15,
	MUT_TYPE_SET0 = 1 << 16,
	MUT_TWO_TYPE = 1 << 17,
	MUT_TWO_RNONCE = 1 << 18,
	MUT_STATUS_SET2 = 1 << 19,
	MUT_NONCE_SET2 = 1 << 20,
};

static const struct {
	const char      *name;
	unsigned int     bit;
	const char      *help;
} mutations[] = {
	{ "flip-sig", MUT_FLIP_SIG, "flip a bit of the SignerInfo signature" },
	{ "bad-digest", MUT_BAD_DIGEST,
	    "messageDigest of other content, signature valid" },
	{ "no-txid", MUT_NO_TXID, "leave out transactionID" },
	{ "no-nonce", MUT_NO_NONCE, "leave out senderNonce" },
	{ "no-type", MUT_NO_TYPE, "leave out messageType" },
	{ "two-txid", MUT_TWO_TXID, "add a second transactionID attribute" },
	{ "type-set2", MUT_TYPE_SET2, "messageType's SET holds two values" },
	{ "type-set0", MUT_TYPE_SET0, "messageType's SET is empty" },
	{ "two-type", MUT_TWO_TYPE, "add a second messageType attribute" },
	{ "two-rnonce", MUT_TWO_RNONCE,
	    "two recipientNonce attributes (none belongs in a request)" },
	{ "status-set2", MUT_STATUS_SET2,
	    "a pkiStatus attribute whose SET holds two values" },
	{ "nonce-set2", MUT_NONCE_SET2, "senderNonce's SET holds two values" },
	{ "no-signer-cert", MUT_NO_SIGNER_CERT,
	    "leave the signer certificate out of certificates" },
	{ "csr-bad-sig", MUT_CSR_BAD_SIG, "flip a bit of the CSR signature" },
	{ "raw-csr", MUT_RAW_CSR, "sign the bare messageData, no envelope" },
	{ "ktri-ski", MUT_KTRI_SKI, "address the recipient by SKI (ktri v2)" },
	{ "sid-ski", MUT_SID_SKI, "name the signer by SKI (SignerInfo v3)" },
	{ "env-wrong-key", MUT_ENV_WRONG_KEY,
	    "rid names the recipient, key is another (RSA padding failure)" },
	{ "env-bad-pad", MUT_ENV_BAD_PAD,
	    "flip the last ciphertext byte (CBC padding failure)" },
	{ "env-garbage", MUT_ENV_GARBAGE,
	    "encrypt 64 random bytes instead of messageData" },
	{ "nonce-8", MUT_NONCE_8, "an 8-byte senderNonce" },
};

/* What "req" was asked to build. */
struct req_opts {
	const char      *cacert;        /* CA certificate, PEM or DER */
	const char      *key;           /* key of the requester */
	const char      *newkey;        /* "rsa:2048", "ec:P-256", or NULL */
	const char      *subject;       /* "/CN=a/O=b" */
	const char      *challenge;     /* challengePassword, or NULL */
	const char      *sans[SAN_MAX]; /* dNSName SANs, or URIs: */
	int              san_uri[SAN_MAX]; /* ... uniformResourceIdentifier */
	int              nsans;
	int              type;          /* messageType */
	const char      *serial;        /* hex, for GetCert and GetCRL */
	const char      *digest;        /* our name, see digests[] */
	const char      *csr_digest;    /* the CSR's signature, ditto */
	const char      *cipher;        /* our name, see ciphers[] */
	const char      *txid;          /* NULL: random */
	const char      *signer_cert;   /* NULL: self-signed over key */
	const char      *signer_key;
	const char      *csr_key;       /* NULL: key */
	const char      *recipient;     /* NULL: cacert */
	const char      *issuer;        /* NULL: the CA's name (20, 21, 22) */
	const char      *pwri;          /* envelope to this password (PWRI) */
	int              pwri_iter;     /* its PBKDF2 iterations, -1: default */
	int              pwri_claim;    /* iterations stated instead, or 0 */
	int              pss;           /* sign the pkiMessage RSASSA-PSS */
	int              oaep;          /* key transport RSAES-OAEP/SHA-256 */
	unsigned int     mut;           /* enum mut bits */
	const char      *out;
	const char      *state;
};

/*
 * The objects a request is made of.  Everything is owned here and
 * released by req_parts_free().
 */
struct req_parts {
	X509            *ca;            /* names the CA in messageData */
	X509            *rcpt;          /* envelope recipient */
	EVP_PKEY        *key;           /* --key */
	EVP_PKEY        *csrkey;        /* key certified by the CSR */
	X509            *signer;        /* signs the pkiMessage */
	EVP_PKEY        *signkey;       /* its key */
	EVP_MD          *md;
	EVP_MD          *csrmd;         /* signs the CSR */
	EVP_CIPHER      *ciph;
	char             txid[129];
	unsigned char    nonce[NONCE_LEN];
	size_t           noncelen;
};

/*
 * What "req" leaves for "rep" (--state), one key=value per line.
 * Owned pointers are freed by state_free().
 */
struct state {
	char            *txid;          /* transactionID sent */
	unsigned char   *nonce;         /* senderNonce sent */
	size_t           noncelen;
	X509            *signer;        /* request signer: reply's recipient */
	char            *keypath;       /* its key */
	char            *cipher;        /* our names */
	char            *digest;
	EVP_PKEY        *csrpub;        /* key in the CSR */
	char            *challenge;     /* for a PWRI reply, or NULL */
	int              pss;           /* the request was PSS-signed */
	int              oaep;          /* its key transport was OAEP */
	int              type;          /* messageType sent, 0 if unknown */
	BIGNUM          *serial;        /* --serial sent (21, 22), or NULL */
};

/* What a CertRep says (RFC 8894 3.3.2). */
struct reply {
	int              status;        /* 0, 2, 3 */
	int              failinfo;      /* -1 when absent */
	char            *failtext;      /* NULL when absent */
};

/*
 * RFC 8894 3.3.3: the messageData of a CertPoll.  Its own template
 * because OpenSSL has none.
 */
typedef struct {
	X509_NAME       *issuer;
	X509_NAME       *subject;
} IssuerAndSubject;

DECLARE_ASN1_FUNCTIONS(IssuerAndSubject)

ASN1_SEQUENCE(IssuerAndSubject) = {
	ASN1_SIMPLE(IssuerAndSubject, issuer, X509_NAME),
	ASN1_SIMPLE(IssuerAndSubject, subject, X509_NAME),
} ASN1_SEQUENCE_END(IssuerAndSubject)

IMPLEMENT_ASN1_FUNCTIONS(IssuerAndSubject)

/*
 * RFC 5652 6.1, just enough of EnvelopedData to read its version and
 * content-encryption algorithm, which the CMS API does not expose.
 * RecipientInfos are left to the CMS API.
 */
typedef struct {
	ASN1_OBJECT             *contentType;
	X509_ALGOR              *contentEncryptionAlgorithm;
	ASN1_OCTET_STRING       *encryptedContent;
} EncryptedContentInfo;

typedef struct {
	ASN1_INTEGER                    *version;
	STACK_OF(ASN1_TYPE)             *originatorInfo;
	STACK_OF(ASN1_TYPE)             *recipientInfos;
	EncryptedContentInfo            *encryptedContentInfo;
	STACK_OF(ASN1_TYPE)             *unprotectedAttrs;
} EnvelopedData;

typedef struct {
	ASN1_OBJECT     *contentType;
	EnvelopedData   *content;
} EnvelopedContentInfo;

DECLARE_ASN1_FUNCTIONS(EncryptedContentInfo)
DECLARE_ASN1_FUNCTIONS(EnvelopedData)
DECLARE_ASN1_FUNCTIONS(EnvelopedContentInfo)

ASN1_SEQUENCE(EncryptedContentInfo) = {
	ASN1_SIMPLE(EncryptedContentInfo, contentType, ASN1_OBJECT),
	ASN1_SIMPLE(EncryptedContentInfo, contentEncryptionAlgorithm,
	    X509_ALGOR),
	ASN1_IMP_OPT(EncryptedContentInfo, encryptedContent,
	    ASN1_OCTET_STRING, 0),
} ASN1_SEQUENCE_END(EncryptedContentInfo)

ASN1_SEQUENCE(EnvelopedData) = {
	ASN1_SIMPLE(EnvelopedData, version, ASN1_INTEGER),
	ASN1_IMP_SEQUENCE_OF_OPT(EnvelopedData, originatorInfo, ASN1_ANY, 0),
	ASN1_SET_OF(EnvelopedData, recipientInfos, ASN1_ANY),
	ASN1_SIMPLE(EnvelopedData, encryptedContentInfo,
	    EncryptedContentInfo),
	ASN1_IMP_SET_OF_OPT(EnvelopedData, unprotectedAttrs, ASN1_ANY, 1),
} ASN1_SEQUENCE_END(EnvelopedData)

ASN1_SEQUENCE(EnvelopedContentInfo) = {
	ASN1_SIMPLE(EnvelopedContentInfo, contentType, ASN1_OBJECT),
	ASN1_EXP(EnvelopedContentInfo, content, EnvelopedData, 0),
} ASN1_SEQUENCE_END(EnvelopedContentInfo)

IMPLEMENT_ASN1_FUNCTIONS(EncryptedContentInfo)
IMPLEMENT_ASN1_FUNCTIONS(EnvelopedData)
IMPLEMENT_ASN1_FUNCTIONS(EnvelopedContentInfo)

/*
 * RFC 5652 6.2.4 PasswordRecipientInfo, [3] IMPLICIT in RecipientInfo:
 * for --pwri-iter-claim, which rewrites the PBKDF2 iteration count an
 * envelope states without deriving anything with it.
 */
typedef struct {
	ASN1_INTEGER            *version;
	X509_ALGOR              *keyDerivationAlgorithm;
	X509_ALGOR              *keyEncryptionAlgorithm;
	ASN1_OCTET_STRING       *encryptedKey;
} PasswordRecipientInfo;

DECLARE_ASN1_ITEM(PasswordRecipientInfo)
DECLARE_ASN1_ITEM(PwriTagged)

ASN1_SEQUENCE(PasswordRecipientInfo) = {
	ASN1_SIMPLE(PasswordRecipientInfo, version, ASN1_INTEGER),
	ASN1_IMP_OPT(PasswordRecipientInfo, keyDerivationAlgorithm,
	    X509_ALGOR, 0),
	ASN1_SIMPLE(PasswordRecipientInfo, keyEncryptionAlgorithm, X509_ALGOR),
	ASN1_SIMPLE(PasswordRecipientInfo, encryptedKey, ASN1_OCTET_STRING),
} ASN1_SEQUENCE_END(PasswordRecipientInfo)

ASN1_ITEM_TEMPLATE(PwriTagged) =
	ASN1_EX_TEMPLATE_TYPE(ASN1_TFLG_IMPLICIT, 3, PwriTagged,
	    PasswordRecipientInfo)
ASN1_ITEM_TEMPLATE_END(PwriTagged)

static void crypto_warnx(const char *, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * Warn, then print and empty this thread's OpenSSL error queue, so
 * the cause sits next to its context.
 */
static void
crypto_warnx(const char *fmt, ...)
{
	va_list  ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	ERR_print_errors_fp(stderr);
}

static void
oids_init(void)
{
	size_t   i;

	for (i = 0; i < sizeof(scep_oids) / sizeof(scep_oids[0]); i++) {
		*scep_oids[i].obj = OBJ_txt2obj(scep_oids[i].txt, 1);
		if (*scep_oids[i].obj == NULL)
			errx(2, "OBJ_txt2obj %s", scep_oids[i].txt);
	}
}

/*
 * Read a whole file of at most FILE_MAX bytes.  Returns a buffer the
 * caller frees, or NULL after a warning.
 */
static unsigned char *
file_read(const char *path, size_t *lenp)
{
	FILE            *f = NULL;
	unsigned char   *buf = NULL, *ret = NULL;
	size_t           n;

	if ((f = fopen(path, "rb")) == NULL) {
		warn("%s", path);
		goto out;
	}
	if ((buf = malloc(FILE_MAX + 1)) == NULL) {
		warn("malloc");
		goto out;
	}
	n = fread(buf, 1, FILE_MAX + 1, f);
	if (ferror(f) || n > FILE_MAX) {
		warnx("%s: read error or larger than %d bytes", path, FILE_MAX);
		goto out;
	}
	*lenp = n;
	ret = buf;
	buf = NULL;
 out:
	free(buf);
	if (f != NULL)
		fclose(f);
	return ret;
}

/* Write "len" bytes to "path", replacing it; 0 or -1. */
static int
file_write(const char *path, const void *p, size_t len)
{
	FILE    *f;
	int      rc = 0;

	if ((f = fopen(path, "wb")) == NULL) {
		warn("%s", path);
		return -1;
	}
	if (fwrite(p, 1, len, f) != len)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == -1)
		warn("%s: write", path);
	return rc;
}

/* Lower-case hex of "len" bytes; the caller frees it. */
static char *
hex_encode(const unsigned char *p, size_t len)
{
	static const char        digits[] = "0123456789abcdef";
	char                    *s;
	size_t                   i;

	if ((s = malloc(2 * len + 1)) == NULL)
		err(2, "malloc");
	for (i = 0; i < len; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 0xf];
	}
	s[2 * len] = '\0';
	return s;
}

/* Reads every PEM certificate of a BIO; NULL if there is none. */
static STACK_OF(X509) *
certs_from_pem(BIO *bio)
{
	STACK_OF(X509)  *sk;
	X509            *x;

	if ((sk = sk_X509_new_null()) == NULL)
		return NULL;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			break;
		}
	}
	ERR_clear_error();      /* the end of the PEM stream */
	if (sk_X509_num(sk) == 0) {
		sk_X509_free(sk);
		return NULL;
	}
	return sk;
}

/*
 * Load the certificates of a file: all PEM certificates in it, else a
 * single DER one.  The caller frees the stack with
 * sk_X509_pop_free(sk, X509_free).
 */
static STACK_OF(X509) *
certs_load(const char *path)
{
	STACK_OF(X509)          *sk = NULL;
	X509                    *x = NULL;
	unsigned char           *buf = NULL;
	const unsigned char     *p;
	BIO                     *bio = NULL;
	size_t                   len;

	if ((buf = file_read(path, &len)) == NULL)
		goto out;
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
		goto out;
	if ((sk = certs_from_pem(bio)) != NULL)
		goto out;
	p = buf;
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL ||
	    (sk = sk_X509_new_null()) == NULL || !sk_X509_push(sk, x)) {
		crypto_warnx("%s: no certificate", path);
		sk_X509_free(sk);
		sk = NULL;
		X509_free(x);
		goto out;
	}
 out:
	BIO_free(bio);
	free(buf);
	return sk;
}

/* The first certificate of a file (PEM or DER); the caller frees it. */
static X509 *
cert_load(const char *path)
{
	STACK_OF(X509)  *sk;
	X509            *x;

	if ((sk = certs_load(path)) == NULL)
		return NULL;
	x = sk_X509_shift(sk);
	sk_X509_pop_free(sk, X509_free);
	return x;
}

static EVP_PKEY *
key_load(const char *path)
{
	EVP_PKEY        *key = NULL;
	BIO             *bio;

	if ((bio = BIO_new_file(path, "r")) == NULL) {
		crypto_warnx("%s", path);
		return NULL;
	}
	if ((key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL)
		crypto_warnx("%s: no private key", path);
	BIO_free(bio);
	return key;
}

/* A new key from "rsa:BITS" or "ec:CURVE"; NULL after a warning. */
static EVP_PKEY *
key_generate(const char *spec)
{
	EVP_PKEY        *key = NULL;
	char            *end;
	unsigned long    bits;

	if (strncmp(spec, "rsa:", 4) == 0) {
		errno = 0;
		bits = strtoul(spec + 4, &end, 10);
		if (errno != 0 || *end != '\0' || bits < 512 || bits > 16384) {
			warnx("%s: bad RSA key size", spec);
			return NULL;
		}
		key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	} else if (strncmp(spec, "ec:", 3) == 0)
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", spec + 3);
	else {
		warnx("%s: want rsa:BITS or ec:CURVE", spec);
		return NULL;
	}
	if (key == NULL)
		crypto_warnx("%s: key generation", spec);
	return key;
}

/* Write a private key as unencrypted PKCS#8 PEM, mode 0600. */
static int
key_save(const char *path, EVP_PKEY *key)
{
	FILE    *f = NULL;
	int      fd, rc = -1;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1) {
		warn("%s", path);
		return -1;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		warn("%s", path);
		close(fd);
		return -1;
	}
	if (PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL))
		rc = 0;
	else
		crypto_warnx("%s: write key", path);
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

/* --key, created from --newkey when the file does not exist yet. */
static EVP_PKEY *
key_get(const char *path, const char *newkey)
{
	EVP_PKEY        *key;

	if (newkey == NULL || access(path, F_OK) == 0)
		return key_load(path);
	if ((key = key_generate(newkey)) == NULL)
		return NULL;
	if (key_save(path, key) == -1) {
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

/* Look an algorithm up by our name; NULL after a warning. */
static const char *
alg_ossl(const struct alg *tab, size_t n, const char *name)
{
	size_t   i;

	for (i = 0; i < n; i++)
		if (strcmp(tab[i].name, name) == 0)
			return tab[i].ossl;
	warnx("%s: unknown algorithm", name);
	return NULL;
}

static EVP_MD *
digest_fetch(const char *name)
{
	const char      *ossl;
	EVP_MD          *md;

	if ((ossl = alg_ossl(digests, sizeof(digests) / sizeof(digests[0]),
	    name)) == NULL)
		return NULL;
	if ((md = EVP_MD_fetch(NULL, ossl, NULL)) == NULL)
		crypto_warnx("%s: EVP_MD_fetch", ossl);
	return md;
}

static EVP_CIPHER *
cipher_fetch(const char *name)
{
	const char      *ossl;
	EVP_CIPHER      *c;

	if ((ossl = alg_ossl(ciphers, sizeof(ciphers) / sizeof(ciphers[0]),
	    name)) == NULL)
		return NULL;
	if ((c = EVP_CIPHER_fetch(NULL, ossl, NULL)) == NULL)
		crypto_warnx("%s: EVP_CIPHER_fetch (legacy provider?)", ossl);
	return c;
}

/*
 * Parse "/CN=a/O=b" into a name; no escapes.  The caller frees it.
 */
static X509_NAME *
name_parse(const char *s)
{
	X509_NAME       *name = NULL, *ret = NULL;
	char            *copy = NULL, *p, *tok, *eq;

	if ((name = X509_NAME_new()) == NULL || (copy = strdup(s)) == NULL)
		goto out;
	for (p = copy; (tok = strsep(&p, "/")) != NULL; ) {
		if (*tok == '\0')
			continue;
		if ((eq = strchr(tok, '=')) == NULL) {
			warnx("%s: want /TYPE=value/...", s);
			goto out;
		}
		*eq++ = '\0';
		if (!X509_NAME_add_entry_by_txt(name, tok, MBSTRING_UTF8,
		    (unsigned char *)eq, -1, -1, 0)) {
			crypto_warnx("%s: bad name component %s", s, tok);
			goto out;
		}
	}
	ret = name;
	name = NULL;
 out:
	free(copy);
	X509_NAME_free(name);
	return ret;
}

/* A random positive serial of 64 bits into "serial". */
static int
serial_random(ASN1_INTEGER *serial)
{
	BIGNUM  *bn;
	int      rc = -1;

	if ((bn = BN_new()) == NULL)
		return -1;
	if (BN_rand(bn, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
	    BN_to_ASN1_INTEGER(bn, serial) != NULL)
		rc = 0;
	BN_free(bn);
	return rc;
}

/*
 * RFC 8894 2.3: the throwaway self-signed certificate a new client
 * signs its PKCSReq with, over "key" and named "subj".  It carries an
 * SKI so that --mutate sid-ski has something to point at.
 */
static X509 *
selfsigned_new(EVP_PKEY *key, const X509_NAME *subj)
{
	X509            *x = NULL, *ret = NULL;
	X509_EXTENSION  *ext = NULL;
	X509V3_CTX       ctx;

	if ((x = X509_new()) == NULL ||
	    !X509_set_version(x, X509_VERSION_3) ||
	    serial_random(X509_get_serialNumber(x)) == -1 ||
	    !X509_set_subject_name(x, subj) || !X509_set_issuer_name(x, subj) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 7 * 86400) == NULL ||
	    !X509_set_pubkey(x, key))
		goto out;
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier,
	    "hash")) == NULL || !X509_add_ext(x, ext, -1) ||
	    !X509_sign(x, key, EVP_sha256()))
		goto out;
	ret = x;
	x = NULL;
 out:
	if (ret == NULL)
		crypto_warnx("self-signed certificate");
	X509_EXTENSION_free(ext);
	X509_free(x);
	return ret;
}

/*
 * A copy of "cert" holding a fresh RSA key: a recipient whose rid names
 * "cert" but whose encryptedKey no holder of the real key can unwrap.
 */
static X509 *
cert_forge_key(const X509 *cert)
{
	X509            *x;
	EVP_PKEY        *key;

	if ((key = key_generate("rsa:2048")) == NULL)
		return NULL;
	if ((x = X509_dup(cert)) == NULL || !X509_set_pubkey(x, key)) {
		crypto_warnx("forged recipient");
		X509_free(x);
		x = NULL;
	}
	EVP_PKEY_free(key);
	return x;
}

/* Add a subjectAltName of dNSNames and URIs to the CSR's extensionRequest. */
static int
csr_add_sans(X509_REQ *req, const char *const *sans, const int *uri, int n)
{
	GENERAL_NAMES                   *gens = NULL;
	GENERAL_NAME                    *g;
	ASN1_IA5STRING                  *s;
	STACK_OF(X509_EXTENSION)        *exts = NULL;
	X509_EXTENSION                  *ext;
	int                              i, rc = -1;

	if ((gens = GENERAL_NAMES_new()) == NULL ||
	    (exts = sk_X509_EXTENSION_new_null()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if ((g = GENERAL_NAME_new()) == NULL)
			goto out;
		if ((s = ASN1_IA5STRING_new()) == NULL ||
		    !ASN1_STRING_set(s, sans[i], -1)) {
			ASN1_IA5STRING_free(s);
			GENERAL_NAME_free(g);
			goto out;
		}
		GENERAL_NAME_set0_value(g, uri[i] ? GEN_URI : GEN_DNS, s);
		if (!sk_GENERAL_NAME_push(gens, g)) {
			GENERAL_NAME_free(g);
			goto out;
		}
	}
	if ((ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, gens)) == NULL)
		goto out;
	if (!sk_X509_EXTENSION_push(exts, ext)) {
		X509_EXTENSION_free(ext);
		goto out;
	}
	if (X509_REQ_add_extensions(req, exts))
		rc = 0;
 out:
	if (rc == -1)
		crypto_warnx("CSR subjectAltName");
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	GENERAL_NAMES_free(gens);
	return rc;
}

/*
 * RFC 8894 3.3.1: the PKCS#10 request, DER-encoded into *derp (caller
 * frees with OPENSSL_free).  Returns the length, or -1.
 */
static int
csr_der(const struct req_opts *o, EVP_PKEY *key, const EVP_MD *md,
    unsigned char **derp)
{
	X509_REQ        *req = NULL;
	X509_NAME       *name = NULL;
	int              len = -1;

	if ((req = X509_REQ_new()) == NULL ||
	    (name = name_parse(o->subject)) == NULL)
		goto out;
	if (o->nsans > 0 && csr_add_sans(req, o->sans, o->san_uri, o->nsans) == -1)
		goto out;
	/* challengePassword: PrintableString when it fits, else UTF8String */
	if (!X509_REQ_set_version(req, X509_REQ_VERSION_1) ||
	    !X509_REQ_set_subject_name(req, name) ||
	    !X509_REQ_set_pubkey(req, key) ||
	    (o->challenge != NULL && !X509_REQ_add1_attr_by_NID(req,
	    NID_pkcs9_challengePassword, MBSTRING_UTF8,
	    (const unsigned char *)o->challenge, -1)) ||
	    !X509_REQ_sign(req, key, md) ||
	    (len = i2d_X509_REQ(req, derp)) <= 0) {
		crypto_warnx("CSR");
		len = -1;
		goto out;
	}
	/* The signature BIT STRING ends the encoding. */
	if (o->mut & MUT_CSR_BAD_SIG)
		(*derp)[len - 1] ^= 0x01;
 out:
	X509_NAME_free(name);
	X509_REQ_free(req);
	return len;
}

/* The issuer of messageData: --issuer, else the CA's subject. */
static int
issuer_set(const struct req_opts *o, X509 *ca, X509_NAME **namep)
{
	X509_NAME       *name;
	int              ok;

	if (o->issuer == NULL)
		return X509_NAME_set(namep, X509_get_subject_name(ca)) ? 0 : -1;
	if ((name = name_parse(o->issuer)) == NULL)
		return -1;
	ok = X509_NAME_set(namep, name);
	X509_NAME_free(name);
	return ok ? 0 : -1;
}

/* RFC 8894 3.3.3: IssuerAndSubject for a CertPoll. */
static int
issuer_subject_der(const struct req_opts *o, X509 *ca, unsigned char **derp)
{
	IssuerAndSubject        *ias;
	int                      len = -1;

	if ((ias = IssuerAndSubject_new()) == NULL)
		return -1;
	X509_NAME_free(ias->subject);
	if ((ias->subject = name_parse(o->subject)) != NULL &&
	    issuer_set(o, ca, &ias->issuer) == 0)
		len = i2d_IssuerAndSubject(ias, derp);
	IssuerAndSubject_free(ias);
	return len;
}

/* RFC 8894 3.3.4: IssuerAndSerialNumber for GetCert and GetCRL. */
static int
issuer_serial_der(const struct req_opts *o, X509 *ca, unsigned char **derp)
{
	PKCS7_ISSUER_AND_SERIAL *ias;
	BIGNUM                  *bn = NULL;
	int                      len = -1;

	if (o->serial == NULL) {
		warnx("--type %d wants --serial", o->type);
		return -1;
	}
	if ((ias = PKCS7_ISSUER_AND_SERIAL_new()) == NULL)
		return -1;
	if (BN_hex2bn(&bn, o->serial) != 0 &&
	    BN_to_ASN1_INTEGER(bn, ias->serial) != NULL &&
	    issuer_set(o, ca, &ias->issuer) == 0)
		len = i2d_PKCS7_ISSUER_AND_SERIAL(ias, derp);
	else
		crypto_warnx("%s: bad serial", o->serial);
	BN_free(bn);
	PKCS7_ISSUER_AND_SERIAL_free(ias);
	return len;
}

/* The messageData for the messageType asked for (RFC 8894 3.3). */
static int
msgdata_der(const struct req_opts *o, struct req_parts *rp,
    unsigned char **derp)
{
	switch (o->type) {
	case 20:
		return issuer_subject_der(o, rp->ca, derp);
	case 21:
	case 22:
		return issuer_serial_der(o, rp->ca, derp);
	default:
		return csr_der(o, rp->csrkey, rp->csrmd, derp);
	}
}

/*
 * The envelope's one recipient: a KTRI for "rcpt" (PKCS#1 v1.5, or
 * RSAES-OAEP with SHA-256 and MGF1-SHA-256 under --oaep), or with --pwri
 * a PasswordRecipientInfo (RFC 3211: PBKDF2, the PWRI-KEK wrap under
 * the content cipher), as a client facing an EC CA would send.
 */
static int
envelope_recipient(const struct req_opts *o, CMS_ContentInfo *cms,
    X509 *rcpt)
{
	CMS_RecipientInfo       *ri;
	EVP_PKEY_CTX            *pctx;
	unsigned char           *pw;
	size_t                   n;

	if (o->pwri != NULL) {
		n = strlen(o->pwri);
		if ((pw = OPENSSL_memdup(o->pwri, n)) == NULL)
			return -1;
		if (CMS_add0_recipient_password(cms, o->pwri_iter,
		    NID_id_alg_PWRI_KEK, NID_id_pbkdf2, pw, (ossl_ssize_t)n,
		    NULL) == NULL) {
			OPENSSL_free(pw);
			return -1;
		}
		return 0;
	}
	if ((ri = CMS_add1_recipient_cert(cms, rcpt,
	    ((o->mut & MUT_KTRI_SKI) ? CMS_USE_KEYID : 0) |
	    (o->oaep ? CMS_KEY_PARAM : 0))) == NULL)
		return -1;
	if (o->oaep && ((pctx = CMS_RecipientInfo_get0_pkey_ctx(ri)) == NULL ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(pctx, EVP_sha256()) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) <= 0))
		return -1;
	return 0;
}

/* Rewrite the PBKDF2 iterationCount of one PWRI to "iter". */
static int
pwri_claim_one(ASN1_TYPE *t, int iter)
{
	PasswordRecipientInfo   *pw = NULL;
	PBKDF2PARAM             *kp = NULL;
	const unsigned char     *p;
	unsigned char           *der = NULL;
	int                      len, rc = -1;

	p = ASN1_STRING_get0_data(t->value.asn1_string);
	if ((pw = (PasswordRecipientInfo *)ASN1_item_d2i(NULL, &p,
	    ASN1_STRING_length(t->value.asn1_string),
	    ASN1_ITEM_rptr(PwriTagged))) == NULL ||
	    pw->keyDerivationAlgorithm == NULL ||
	    (kp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM),
	    pw->keyDerivationAlgorithm->parameter)) == NULL ||
	    !ASN1_INTEGER_set(kp->iter, iter) ||
	    ASN1_TYPE_pack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), kp,
	    &pw->keyDerivationAlgorithm->parameter) == NULL ||
	    (len = ASN1_item_i2d((ASN1_VALUE *)pw, &der,
	    ASN1_ITEM_rptr(PwriTagged))) <= 0 ||
	    !ASN1_STRING_set(t->value.asn1_string, der, len))
		goto out;
	rc = 0;
 out:
	OPENSSL_free(der);
	PBKDF2PARAM_free(kp);
	ASN1_item_free((ASN1_VALUE *)pw, ASN1_ITEM_rptr(PasswordRecipientInfo));
	return rc;
}

/*
 * --pwri-iter-claim: the envelope in *derp with every PWRI stating
 * "iter" PBKDF2 iterations (the key was derived with fewer), as a
 * denial-of-service attempt looks.  Returns the new length, or -1.
 */
static int
pwri_claim(unsigned char **derp, int len, int iter)
{
	EnvelopedContentInfo    *eci;
	const unsigned char     *p = *derp;
	unsigned char           *der = NULL;
	ASN1_TYPE               *t;
	int                      i, n = -1;

	if ((eci = d2i_EnvelopedContentInfo(NULL, &p, len)) == NULL)
		goto out;
	for (i = 0; i < sk_ASN1_TYPE_num(eci->content->recipientInfos); i++) {
		t = sk_ASN1_TYPE_value(eci->content->recipientInfos, i);
		if (t->type == V_ASN1_OTHER && pwri_claim_one(t, iter) == -1)
			goto out;
	}
	if ((n = i2d_EnvelopedContentInfo(eci, &der)) > 0) {
		OPENSSL_free(*derp);
		*derp = der;
	}
 out:
	if (n <= 0)
		crypto_warnx("--pwri-iter-claim");
	EnvelopedContentInfo_free(eci);
	return n <= 0 ? -1 : n;
}

/*
 * RFC 8894 3.2.2: the pkcsPKIEnvelope, a ContentInfo of EnvelopedData
 * whose content is "data", for rp->rcpt under rp->ciph.  Returns the
 * DER length and sets *derp (OPENSSL_free), or -1.
 */
static int
envelope_der(const struct req_opts *o, struct req_parts *rp,
    const unsigned char *data, int datalen, unsigned char **derp)
{
	CMS_ContentInfo *cms = NULL;
	X509            *rcpt = NULL;
	BIO             *in = NULL;
	int              len = -1;

	rcpt = (o->mut & MUT_ENV_WRONG_KEY) ? cert_forge_key(rp->rcpt) :
	    X509_dup(rp->rcpt);
	if (rcpt == NULL)
		goto out;
	if ((cms = CMS_encrypt(NULL, NULL, rp->ciph, CMS_PARTIAL |
	    CMS_BINARY)) == NULL ||
	    envelope_recipient(o, cms, rcpt) == -1 ||
	    (in = BIO_new_mem_buf(data, datalen)) == NULL ||
	    !CMS_final(cms, in, NULL, CMS_BINARY) ||
	    (len = i2d_CMS_ContentInfo(cms, derp)) <= 0) {
		crypto_warnx("pkcsPKIEnvelope");
		len = -1;
		goto out;
	}
	/* encryptedContent [0] ends the encoding: its last block. */
	if (o->mut & MUT_ENV_BAD_PAD)
		(*derp)[len - 1] ^= 0x01;
	if (o->pwri_claim > 0 && (len = pwri_claim(derp, len,
	    o->pwri_claim)) == -1)
		goto out;
 out:
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	X509_free(rcpt);
	return len;
}

/*
 * The content the pkiMessage signs: the envelope around messageData,
 * or, with raw-csr, messageData itself.  Sets *derp (OPENSSL_free).
 */
static int
payload_der(const struct req_opts *o, struct req_parts *rp,
    unsigned char **derp)
{
	unsigned char    junk[64];
	unsigned char   *md = NULL;
	int              mdlen, len;

	if ((mdlen = msgdata_der(o, rp, &md)) <= 0)
		return -1;
	if (o->mut & MUT_RAW_CSR) {
		*derp = md;
		return mdlen;
	}
	if (o->mut & MUT_ENV_GARBAGE) {
		if (RAND_bytes(junk, sizeof(junk)) != 1)
			errx(2, "RAND_bytes");
		len = envelope_der(o, rp, junk, sizeof(junk), derp);
	} else
		len = envelope_der(o, rp, md, mdlen, derp);
	OPENSSL_free(md);
	return len;
}

/* Add a signed attribute of "len" bytes; len -1 would mean an object. */
static int
attr_add(CMS_SignerInfo *si, const ASN1_OBJECT *obj, int type,
    const void *p, int len)
{
	if (!CMS_signed_add1_attr_by_OBJ(si, obj, type, p, len)) {
		crypto_warnx("CMS_signed_add1_attr_by_OBJ");
		return -1;
	}
	return 0;
}

/*
 * One attribute "obj" whose SET holds the "n" (0, 1 or 2) values of
 * type "type" in p (each "len" bytes), added as it is.
 */
static int
attr_add_set(CMS_SignerInfo *si, const ASN1_OBJECT *obj, int type,
    const void *p, int len, int n)
{
	X509_ATTRIBUTE  *a;
	int              i, ok;

	if ((a = X509_ATTRIBUTE_new()) == NULL ||
	    !X509_ATTRIBUTE_set1_object(a, obj))
		goto fail;
	for (i = 0; i < n; i++)
		if (!X509_ATTRIBUTE_set1_data(a, type, p, len))
			goto fail;
	ok = CMS_signed_add1_attr(si, a);
	X509_ATTRIBUTE_free(a);
	if (ok)
		return 0;
	a = NULL;
 fail:
	X509_ATTRIBUTE_free(a);
	crypto_warnx("attribute SET");
	return -1;
}

/* The attribute-SET mutations (ATTR-09, NEG-19). */
static int
req_attr_sets(const struct req_opts *o, const struct req_parts *rp,
    CMS_SignerInfo *si, const char *type)
{
	if ((o->mut & MUT_TYPE_SET2) && attr_add_set(si, oid_messageType,
	    V_ASN1_PRINTABLESTRING, type, (int)strlen(type), 2) == -1)
		return -1;
	if ((o->mut & MUT_TYPE_SET0) && attr_add_set(si, oid_messageType,
	    V_ASN1_PRINTABLESTRING, type, (int)strlen(type), 0) == -1)
		return -1;
	if ((o->mut & MUT_TWO_RNONCE) && (attr_add(si, oid_recipientNonce,
	    V_ASN1_OCTET_STRING, rp->nonce, (int)rp->noncelen) == -1 ||
	    attr_add(si, oid_recipientNonce, V_ASN1_OCTET_STRING, rp->nonce,
	    (int)rp->noncelen) == -1))
		return -1;
	if ((o->mut & MUT_STATUS_SET2) && attr_add_set(si, oid_pkiStatus,
	    V_ASN1_PRINTABLESTRING, "0", 1, 2) == -1)
		return -1;
	if ((o->mut & MUT_NONCE_SET2) && attr_add_set(si, oid_senderNonce,
	    V_ASN1_OCTET_STRING, rp->nonce, (int)rp->noncelen, 2) == -1)
		return -1;
	return 0;
}

/* RFC 8894 3.2.1: messageType, transactionID, senderNonce. */
static int
req_attrs(const struct req_opts *o, const struct req_parts *rp,
    CMS_SignerInfo *si)
{
	char     type[16];

	(void)snprintf(type, sizeof(type), "%d", o->type);
	if (!(o->mut & (MUT_NO_TYPE | MUT_TYPE_SET0 | MUT_TYPE_SET2)) &&
	    attr_add(si, oid_messageType, V_ASN1_PRINTABLESTRING, type,
	    (int)strlen(type)) == -1)
		return -1;
	if ((o->mut & MUT_TWO_TYPE) && attr_add(si, oid_messageType,
	    V_ASN1_PRINTABLESTRING, type, (int)strlen(type)) == -1)
		return -1;
	if (req_attr_sets(o, rp, si, type) == -1)
		return -1;
	if (!(o->mut & MUT_NO_TXID) && attr_add(si, oid_transactionID,
	    V_ASN1_PRINTABLESTRING, rp->txid, (int)strlen(rp->txid)) == -1)
		return -1;
	if ((o->mut & MUT_TWO_TXID) && attr_add(si, oid_transactionID,
	    V_ASN1_PRINTABLESTRING, "other", 5) == -1)
		return -1;
	if (!(o->mut & (MUT_NO_NONCE | MUT_NONCE_SET2)) &&
	    attr_add(si, oid_senderNonce,
	    V_ASN1_OCTET_STRING, rp->nonce, (int)rp->noncelen) == -1)
		return -1;
	return 0;
}


/* A copy of "len" bytes with the last bit flipped; the caller frees it. */
static unsigned char *
bytes_flipped(const unsigned char *p, int len)
{
	unsigned char   *q;

	if (len <= 0 || (q = malloc(len)) == NULL)
		err(2, "malloc");
	memcpy(q, p, len);
	q[len - 1] ^= 0x01;
	return q;
}

/* Flip the last bit of an OCTET STRING through the public API. */
static int
octets_flip(ASN1_OCTET_STRING *os)
{
	unsigned char   *p;
	int              len, rc = -1;

	if ((len = ASN1_STRING_length(os)) <= 0)
		return -1;
	p = bytes_flipped(ASN1_STRING_get0_data(os), len);
	if (ASN1_STRING_set(os, p, len))
		rc = 0;
	free(p);
	return rc;
}

/*
 * After CMS_final: break the signature, or put back the true content
 * after signing a copy with its last bit flipped, so that only the
 * messageDigest is wrong (RFC 5652 5.4, 11.2).
 */
static int
req_mutate_signed(const struct req_opts *o, CMS_ContentInfo *cms,
    CMS_SignerInfo *si, const unsigned char *payload, int paylen)
{
	ASN1_OCTET_STRING      **pos;

	if ((o->mut & MUT_BAD_DIGEST) &&
	    ((pos = CMS_get0_content(cms)) == NULL || *pos == NULL ||
	    !ASN1_STRING_set(*pos, payload, paylen))) {
		crypto_warnx("bad-digest");
		return -1;
	}
	if ((o->mut & MUT_FLIP_SIG) &&
	    octets_flip(CMS_SignerInfo_get0_signature(si)) == -1) {
		warnx("flip-sig");
		return -1;
	}
	return 0;
}

/*
 * RFC 8894 3.2: the pkiMessage, SignedData over "payload" with the
 * SCEP attributes.  Returns it, or NULL.
 */
static CMS_ContentInfo *
req_sign(const struct req_opts *o, const struct req_parts *rp,
    const unsigned char *payload, int paylen)
{
	CMS_ContentInfo *cms = NULL, *ret = NULL;
	CMS_SignerInfo  *si;
	EVP_PKEY_CTX    *pctx;
	BIO             *in = NULL;
	unsigned char   *signed_copy = NULL;
	unsigned int     flags = CMS_NOSMIMECAP;

	if (o->mut & MUT_NO_SIGNER_CERT)
		flags |= CMS_NOCERTS;
	if (o->mut & MUT_SID_SKI)
		flags |= CMS_USE_KEYID;
	if (o->pss)
		flags |= CMS_KEY_PARAM;
	if ((cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL |
	    CMS_BINARY)) == NULL ||
	    (si = CMS_add1_signer(cms, rp->signer, rp->signkey, rp->md,
	    flags)) == NULL) {
		crypto_warnx("CMS_add1_signer");
		goto out;
	}
	/* RFC 4056: RSASSA-PSS, salt as long as the digest. */
	if (o->pss && ((pctx = CMS_SignerInfo_get0_pkey_ctx(si)) == NULL ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <=
	    0)) {
		crypto_warnx("--pss");
		goto out;
	}
	if (req_attrs(o, rp, si) == -1)
		goto out;
	if (o->mut & MUT_BAD_DIGEST)
		signed_copy = bytes_flipped(payload, paylen);
	if ((in = BIO_new_mem_buf(signed_copy != NULL ? signed_copy : payload,
	    paylen)) == NULL || !CMS_final(cms, in, NULL, CMS_BINARY)) {
		crypto_warnx("CMS_final");
		goto out;
	}
	if (req_mutate_signed(o, cms, si, payload, paylen) == -1)
		goto out;
	ret = cms;
	cms = NULL;
 out:
	BIO_free(in);
	free(signed_copy);
	CMS_ContentInfo_free(cms);
	return ret;
}

static void
req_parts_free(struct req_parts *rp)
{
	X509_free(rp->ca);
	X509_free(rp->rcpt);
	EVP_PKEY_free(rp->key);
	EVP_PKEY_free(rp->csrkey);
	X509_free(rp->signer);
	EVP_PKEY_free(rp->signkey);
	EVP_MD_free(rp->md);
	EVP_MD_free(rp->csrmd);
	EVP_CIPHER_free(rp->ciph);
}

/* Load the keys and certificates of a request. */
static int
req_parts_keys(const struct req_opts *o, struct req_parts *rp)
{
	X509_NAME       *name;

	if ((rp->key = key_get(o->key, o->newkey)) == NULL)
		return -1;
	if (o->csr_key != NULL)
		rp->csrkey = key_load(o->csr_key);
	else if (EVP_PKEY_up_ref(rp->key))
		rp->csrkey = rp->key;
	if (rp->csrkey == NULL)
		return -1;
	if (o->signer_cert != NULL) {
		if ((rp->signer = cert_load(o->signer_cert)) == NULL ||
		    (rp->signkey = key_load(o->signer_key)) == NULL)
			return -1;
		return 0;
	}
	if (!EVP_PKEY_up_ref(rp->key))
		return -1;
	rp->signkey = rp->key;
	if ((name = name_parse(o->subject)) == NULL)
		return -1;
	rp->signer = selfsigned_new(rp->key, name);
	X509_NAME_free(name);
	return rp->signer == NULL ? -1 : 0;
}

/* Everything but the message: certificates, keys, algorithms, ids. */
static int
req_parts_load(const struct req_opts *o, struct req_parts *rp)
{
	unsigned char    r[16];
	char            *hex;

	if ((rp->ca = cert_load(o->cacert)) == NULL)
		return -1;
	rp->rcpt = cert_load(o->recipient != NULL ? o->recipient : o->cacert);
	if (rp->rcpt == NULL || req_parts_keys(o, rp) == -1)
		return -1;
	if ((rp->md = digest_fetch(o->digest)) == NULL ||
	    (rp->csrmd = digest_fetch(o->csr_digest)) == NULL ||
	    (rp->ciph = cipher_fetch(o->cipher)) == NULL)
		return -1;
	rp->noncelen = (o->mut & MUT_NONCE_8) ? 8 : NONCE_LEN;
	if (RAND_bytes(rp->nonce, sizeof(rp->nonce)) != 1 ||
	    RAND_bytes(r, sizeof(r)) != 1)
		errx(2, "RAND_bytes");
	if (o->txid != NULL && strlen(o->txid) >= sizeof(rp->txid)) {
		warnx("--txid: longer than %zu", sizeof(rp->txid) - 1);
		return -1;
	}
	hex = hex_encode(r, sizeof(r));
	(void)snprintf(rp->txid, sizeof(rp->txid), "%s",
	    o->txid != NULL ? o->txid : hex);
	free(hex);
	return 0;
}

/* Print key=hex(DER of something) to "f". */
static int
state_put_der(FILE *f, const char *k, const unsigned char *der, int len)
{
	char    *hex;

	if (len <= 0)
		return -1;
	hex = hex_encode(der, (size_t)len);
	fprintf(f, "%s=%s\n", k, hex);
	free(hex);
	return 0;
}

/* Write what "rep" needs; 0 or -1. */
static int
state_write(const struct req_opts *o, const struct req_parts *rp)
{
	FILE            *f;
	unsigned char   *der = NULL;
	char            *hex;
	int              len, rc = 0;

	if ((f = fopen(o->state, "w")) == NULL) {
		warn("%s", o->state);
		return -1;
	}
	fprintf(f, "txid=%s\n", rp->txid);
	hex = hex_encode(rp->nonce, rp->noncelen);
	fprintf(f, "nonce=%s\n", hex);
	free(hex);
	fprintf(f, "signer_key=%s\n",
	    o->signer_key != NULL ? o->signer_key : o->key);
	fprintf(f, "cipher=%s\ndigest=%s\n", o->cipher, o->digest);
	len = i2d_X509(rp->signer, &der);
	rc |= state_put_der(f, "signer_cert", der, len);
	OPENSSL_free(der);
	der = NULL;
	len = i2d_PUBKEY(rp->csrkey, &der);
	rc |= state_put_der(f, "csr_spki", der, len);
	OPENSSL_free(der);
	if (o->challenge != NULL) {
		hex = hex_encode((const unsigned char *)o->challenge,
		    strlen(o->challenge));
		fprintf(f, "challenge=%s\n", hex);
		free(hex);
	}
	fprintf(f, "type=%d\npss=%d\noaep=%d\n", o->type, o->pss, o->oaep);
	if (o->serial != NULL)
		fprintf(f, "serial=%s\n", o->serial);
	if (fclose(f) != 0 || rc != 0) {
		warnx("%s: write failed", o->state);
		return -1;
	}
	return 0;
}

/* Build the request of "o", write it and its state; 0 or -1. */
static int
req_run(const struct req_opts *o)
{
	struct req_parts         rp;
	CMS_ContentInfo         *cms = NULL;
	unsigned char           *payload = NULL, *der = NULL;
	int                      paylen, len, rc = -1;

	memset(&rp, 0, sizeof(rp));
	if (req_parts_load(o, &rp) == -1)
		goto out;
	if ((paylen = payload_der(o, &rp, &payload)) <= 0)
		goto out;
	if ((cms = req_sign(o, &rp, payload, paylen)) == NULL)
		goto out;
	if ((len = i2d_CMS_ContentInfo(cms, &der)) <= 0) {
		crypto_warnx("i2d_CMS_ContentInfo");
		goto out;
	}
	if (file_write(o->out, der, (size_t)len) == -1 ||
	    state_write(o, &rp) == -1)
		goto out;
	rc = 0;
 out:
	OPENSSL_free(der);
	OPENSSL_free(payload);
	CMS_ContentInfo_free(cms);
	req_parts_free(&rp);
	return rc;
}

static void
state_free(struct state *st)
{
	free(st->txid);
	OPENSSL_free(st->nonce);
	X509_free(st->signer);
	free(st->keypath);
	free(st->cipher);
	free(st->digest);
	EVP_PKEY_free(st->csrpub);
	free(st->challenge);
	BN_free(st->serial);
}

/* Decode a hex value of the state file (OPENSSL_free), or NULL. */
static unsigned char *
state_hex(const char *k, const char *v, long *lenp)
{
	unsigned char   *p;

	if ((p = OPENSSL_hexstr2buf(v, lenp)) == NULL)
		crypto_warnx("state: %s: bad hex", k);
	return p;
}

/* One key=value line of the state file into "st"; 0 or -1. */
static int
state_line(struct state *st, const char *k, const char *v)
{
	unsigned char           *der;
	const unsigned char     *p;
	long                     len;

	if (strcmp(k, "txid") == 0)
		st->txid = strdup(v);
	else if (strcmp(k, "signer_key") == 0)
		st->keypath = strdup(v);
	else if (strcmp(k, "cipher") == 0)
		st->cipher = strdup(v);
	else if (strcmp(k, "digest") == 0)
		st->digest = strdup(v);
	else if (strcmp(k, "type") == 0)
		st->type = atoi(v);
	else if (strcmp(k, "pss") == 0)
		st->pss = atoi(v);
	else if (strcmp(k, "oaep") == 0)
		st->oaep = atoi(v);
	else if (strcmp(k, "serial") == 0) {
		if (BN_hex2bn(&st->serial, v) == 0) {
			crypto_warnx("state: serial: bad hex");
			return -1;
		}
	} else if (strcmp(k, "nonce") == 0) {
		if ((st->nonce = state_hex(k, v, &len)) == NULL)
			return -1;
		st->noncelen = (size_t)len;
	} else if (strcmp(k, "challenge") == 0) {
		if ((der = state_hex(k, v, &len)) == NULL)
			return -1;
		st->challenge = strndup((const char *)der, (size_t)len);
		OPENSSL_free(der);
	} else if (strcmp(k, "signer_cert") == 0 ||
	    strcmp(k, "csr_spki") == 0) {
		if ((der = state_hex(k, v, &len)) == NULL)
			return -1;
		p = der;
		if (k[0] == 's')
			st->signer = d2i_X509(NULL, &p, len);
		else
			st->csrpub = d2i_PUBKEY(NULL, &p, len);
		OPENSSL_free(der);
	}
	return 0;
}

/* Read a state file written by "req"; 0 or -1. */
static int
state_read(const char *path, struct state *st)
{
	FILE    *f;
	char    *line = NULL, *eq;
	size_t   linesz = 0;
	int      rc = 0;

	if ((f = fopen(path, "r")) == NULL) {
		warn("%s", path);
		return -1;
	}
	while (rc == 0 && getline(&line, &linesz, f) != -1) {
		line[strcspn(line, "\n")] = '\0';
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq++ = '\0';
		rc = state_line(st, line, eq);
	}
	free(line);
	fclose(f);
	if (rc == 0 && (st->txid == NULL || st->nonce == NULL ||
	    st->signer == NULL || st->keypath == NULL || st->cipher == NULL ||
	    st->digest == NULL || st->csrpub == NULL)) {
		warnx("%s: incomplete state file", path);
		rc = -1;
	}
	return rc;
}

/*
 * The single value of signed attribute "obj", which must be of ASN.1
 * type "type".  NULL with *bad = 0 when the attribute is absent; NULL
 * with *bad = 1 (after a warning) when it is repeated, has other than
 * one value, or has the wrong type.
 */
static const ASN1_STRING *
attr_get(CMS_SignerInfo *si, const ASN1_OBJECT *obj, int type,
    const char *name, int *bad)
{
	X509_ATTRIBUTE  *a;
	ASN1_TYPE       *t;
	int              i;

	*bad = 1;
	if ((i = CMS_signed_get_attr_by_OBJ(si, obj, -1)) < 0) {
		*bad = 0;
		return NULL;
	}
	if (CMS_signed_get_attr_by_OBJ(si, obj, i) >= 0) {
		warnx("CertRep: attribute %s appears twice", name);
		return NULL;
	}
	a = CMS_signed_get_attr(si, i);
	if (X509_ATTRIBUTE_count(a) != 1) {
		warnx("CertRep: attribute %s has %d values", name,
		    X509_ATTRIBUTE_count(a));
		return NULL;
	}
	t = X509_ATTRIBUTE_get0_type(a, 0);
	if (t == NULL || t->type != type) {
		warnx("CertRep: attribute %s is ASN.1 type %d, want %d", name,
		    t == NULL ? -1 : t->type, type);
		return NULL;
	}
	*bad = 0;
	return t->value.asn1_string;
}

/* Like attr_get(), but absence is an error too. */
static const ASN1_STRING *
attr_need(CMS_SignerInfo *si, const ASN1_OBJECT *obj, int type,
    const char *name)
{
	const ASN1_STRING       *s;
	int                      bad;

	if ((s = attr_get(si, obj, type, name, &bad)) == NULL && !bad)
		warnx("CertRep: no %s attribute", name);
	return s;
}

/* Whether an ASN1_STRING holds exactly "len" bytes "p". */
static int
str_eq(const ASN1_STRING *s, const void *p, size_t len)
{
	return (size_t)ASN1_STRING_length(s) == len &&
	    memcmp(ASN1_STRING_get0_data(s), p, len) == 0;
}

/*
 * A decimal PrintableString attribute holding one of "allowed"
 * ("023"); returns the digit's value, or -1 after a warning.
 */
static int
attr_digit(CMS_SignerInfo *si, const ASN1_OBJECT *obj, const char *name,
    const char *allowed)
{
	const ASN1_STRING       *s;
	const unsigned char     *p;

	if ((s = attr_need(si, obj, V_ASN1_PRINTABLESTRING, name)) == NULL)
		return -1;
	p = ASN1_STRING_get0_data(s);
	if (ASN1_STRING_length(s) != 1 || strchr(allowed, p[0]) == NULL ||
	    p[0] == '\0') {
		warnx("CertRep: %s \"%.*s\" is not one of %s", name,
		    ASN1_STRING_length(s), p, allowed);
		return -1;
	}
	return p[0] - '0';
}

/* RFC 8894 3.2.1.2-3.2.1.5: the identity of the reply. */
static int
rep_attrs_ids(CMS_SignerInfo *si, const struct state *st)
{
	const ASN1_STRING       *s;
	const ASN1_OBJECT       *ct;

	if (attr_digit(si, oid_messageType, "messageType", "3") == -1)
		return -1;
	if ((s = attr_need(si, oid_transactionID, V_ASN1_PRINTABLESTRING,
	    "transactionID")) == NULL)
		return -1;
	if (!str_eq(s, st->txid, strlen(st->txid))) {
		warnx("CertRep: transactionID \"%.*s\", sent \"%s\"",
		    ASN1_STRING_length(s), ASN1_STRING_get0_data(s), st->txid);
		return -1;
	}
	if ((s = attr_need(si, oid_recipientNonce, V_ASN1_OCTET_STRING,
	    "recipientNonce")) == NULL)
		return -1;
	if (!str_eq(s, st->nonce, st->noncelen)) {
		warnx("CertRep: recipientNonce is not our senderNonce");
		return -1;
	}
	if ((s = attr_need(si, oid_senderNonce, V_ASN1_OCTET_STRING,
	    "senderNonce")) == NULL)
		return -1;
	if (ASN1_STRING_length(s) != NONCE_LEN ||
	    str_eq(s, st->nonce, st->noncelen)) {
		warnx("CertRep: senderNonce is %d bytes or echoes ours",
		    ASN1_STRING_length(s));
		return -1;
	}
	ct = CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_contentType),
	    -3, V_ASN1_OBJECT);
	if (ct == NULL || OBJ_obj2nid(ct) != NID_pkcs7_data) {
		warnx("CertRep: contentType attribute is not id-data");
		return -1;
	}
	return 0;
}

/* RFC 8894 3.2.1.3, 3.2.1.4: pkiStatus, failInfo, failInfoText. */
static int
rep_attrs_status(CMS_SignerInfo *si, struct reply *r)
{
	const ASN1_STRING       *s;
	int                      bad;

	if ((r->status = attr_digit(si, oid_pkiStatus, "pkiStatus",
	    "023")) == -1)
		return -1;
	r->failinfo = -1;
	if (r->status == 2 && (r->failinfo = attr_digit(si, oid_failInfo,
	    "failInfo", "01234")) == -1)
		return -1;
	if (r->status != 2 && attr_get(si, oid_failInfo,
	    V_ASN1_PRINTABLESTRING, "failInfo", &bad) != NULL) {
		warnx("CertRep: failInfo without FAILURE");
		return -1;
	}
	s = attr_get(si, oid_failInfoText, V_ASN1_UTF8STRING, "failInfoText",
	    &bad);
	if (bad)
		return -1;
	if (s != NULL && r->status != 2) {
		warnx("CertRep: failInfoText without FAILURE");
		return -1;
	}
	if (s != NULL && (r->failtext = strndup(
	    (const char *)ASN1_STRING_get0_data(s),
	    (size_t)ASN1_STRING_length(s))) == NULL)
		err(2, "strndup");
	return 0;
}

/*
 * RFC 8894 3.3.2, 3.4: exactly one SignerInfo, named by
 * issuerAndSerialNumber, for one of "cas".  Returns that certificate.
 */
static X509 *
rep_signer(CMS_ContentInfo *cms, STACK_OF(X509) *cas,
    CMS_SignerInfo **sip)
{
	STACK_OF(CMS_SignerInfo)        *sis;
	ASN1_OCTET_STRING               *keyid;
	X509_NAME                       *issuer;
	ASN1_INTEGER                    *sno;
	int                              i;

	sis = CMS_get0_SignerInfos(cms);
	if (sk_CMS_SignerInfo_num(sis) != 1) {
		warnx("CertRep: %d SignerInfos, want 1",
		    sk_CMS_SignerInfo_num(sis));
		return NULL;
	}
	*sip = sk_CMS_SignerInfo_value(sis, 0);
	if (!CMS_SignerInfo_get0_signer_id(*sip, &keyid, &issuer, &sno) ||
	    issuer == NULL) {
		warnx("CertRep: sid is not issuerAndSerialNumber");
		return NULL;
	}
	for (i = 0; i < sk_X509_num(cas); i++)
		if (CMS_SignerInfo_cert_cmp(*sip, sk_X509_value(cas, i)) == 0)
			return sk_X509_value(cas, i);
	warnx("CertRep: not signed by the CA (or RA) certificate");
	return NULL;
}

/* REP-06: the signer's certificate is in "certificates". */
static int
rep_signer_included(CMS_ContentInfo *cms, const X509 *signer)
{
	STACK_OF(X509)  *certs;
	int              i, found = 0;

	certs = CMS_get1_certs(cms);
	for (i = 0; i < sk_X509_num(certs); i++)
		if (X509_cmp(sk_X509_value(certs, i), signer) == 0)
			found = 1;
	sk_X509_pop_free(certs, X509_free);
	if (!found)
		warnx("CertRep: signer certificate not in certificates");
	return found ? 0 : -1;
}

/* The NID of a SignerInfo's digestAlgorithm. */
static int
rep_digest_nid(CMS_SignerInfo *si)
{
	X509_ALGOR              *dig, *sig;
	const ASN1_OBJECT       *obj;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sig);
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	return OBJ_obj2nid(obj);
}

/*
 * CHK-REP 2-4: a SignedData of id-data signed by the CA.  A FAILURE or
 * PENDING has no eContent; its messageDigest is then over no octets.
 * On success *content holds the eContent, if any (BIO_free).
 */
static int
rep_verify(CMS_ContentInfo *cms, STACK_OF(X509) *cas, CMS_SignerInfo **sip,
    BIO **content)
{
	STACK_OF(X509)          *one = NULL;
	ASN1_OCTET_STRING      **pos;
	X509                    *signer;
	BIO                     *dcont = NULL;
	int                      rc = -1;

	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed ||
	    OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_pkcs7_data) {
		warnx("CertRep: not a SignedData of id-data");
		return -1;
	}
	if ((signer = rep_signer(cms, cas, sip)) == NULL ||
	    rep_signer_included(cms, signer) == -1)
		return -1;
	pos = CMS_get0_content(cms);
	if ((pos == NULL || *pos == NULL) &&
	    (dcont = BIO_new_mem_buf("", 0)) == NULL)
		goto out;
	if ((one = sk_X509_new_null()) == NULL || !sk_X509_push(one, signer) ||
	    (*content = BIO_new(BIO_s_mem())) == NULL)
		goto out;
	if (!CMS_verify(cms, one, NULL, dcont, *content, CMS_NOINTERN |
	    CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY)) {
		crypto_warnx("CertRep: signature does not verify");
		goto out;
	}
	if (dcont != NULL) {
		BIO_free(*content);
		*content = NULL;
	}
	rc = 0;
 out:
	BIO_free(dcont);
	sk_X509_free(one);
	return rc;
}

/*
 * CHK-REP 6: the EnvelopedData's version and content encryption, read
 * through our template.  "pwri" says which RecipientInfo it holds.
 */
static int
rep_env_shape(const unsigned char *der, long len, const struct state *st,
    int pwri)
{
	EnvelopedContentInfo    *eci;
	EVP_CIPHER              *c = NULL;
	const ASN1_OBJECT       *alg;
	const unsigned char     *p = der;
	long                     want = pwri ? 3 : 0;
	int                      rc = -1;

	if ((eci = d2i_EnvelopedContentInfo(NULL, &p, len)) == NULL) {
		crypto_warnx("CertRep: pkcsPKIEnvelope does not parse");
		return -1;
	}
	if ((c = cipher_fetch(st->cipher)) == NULL)
		goto out;
	X509_ALGOR_get0(&alg, NULL, NULL, eci->content->encryptedContentInfo->
	    contentEncryptionAlgorithm);
	if (OBJ_obj2nid(eci->contentType) != NID_pkcs7_enveloped ||
	    ASN1_INTEGER_get(eci->content->version) != want)
		warnx("CertRep: EnvelopedData version %ld, want %ld",
		    ASN1_INTEGER_get(eci->content->version), want);
	else if (OBJ_obj2nid(eci->content->encryptedContentInfo->contentType)
	    != NID_pkcs7_data)
		warnx("CertRep: encryptedContentInfo is not id-data");
	else if (OBJ_obj2nid(alg) != EVP_CIPHER_get_nid(c))
		warnx("CertRep: content cipher %s, request used %s",
		    OBJ_nid2sn(OBJ_obj2nid(alg)), st->cipher);
	else
		rc = 0;
 out:
	EVP_CIPHER_free(c);
	EnvelopedContentInfo_free(eci);
	return rc;
}

/*
 * CHK-REP 6: one RecipientInfo, a ktri naming the request's signer
 * certificate by issuerAndSerialNumber, or a pwri.  Returns the
 * RecipientInfo type, or -1.
 */
static int
rep_env_recipient(CMS_ContentInfo *env, const struct state *st)
{
	STACK_OF(CMS_RecipientInfo)     *ris;
	CMS_RecipientInfo               *ri;
	ASN1_OCTET_STRING               *keyid;
	X509_NAME                       *issuer;
	ASN1_INTEGER                    *sno;
	X509_ALGOR                      *kalg;
	const ASN1_OBJECT               *kobj;
	int                              type;

	ris = CMS_get0_RecipientInfos(env);
	if (sk_CMS_RecipientInfo_num(ris) != 1) {
		warnx("CertRep: %d RecipientInfos, want 1",
		    sk_CMS_RecipientInfo_num(ris));
		return -1;
	}
	ri = sk_CMS_RecipientInfo_value(ris, 0);
	type = CMS_RecipientInfo_type(ri);
	if (type == CMS_RECIPINFO_PASS) {
		if (st->challenge != NULL)
			return type;
		warnx("CertRep: pwri, but the request had no challenge");
		return -1;
	}
	if (type != CMS_RECIPINFO_TRANS ||
	    !CMS_RecipientInfo_ktri_get0_signer_id(ri, &keyid, &issuer, &sno) ||
	    issuer == NULL ||
	    CMS_RecipientInfo_ktri_cert_cmp(ri, st->signer) != 0) {
		warnx("CertRep: recipient is not the request signer's "
		    "issuerAndSerialNumber");
		return -1;
	}
	/* The request's key transport, answered in kind. */
	if (!CMS_RecipientInfo_ktri_get0_algs(ri, NULL, NULL, &kalg))
		return -1;
	X509_ALGOR_get0(&kobj, NULL, NULL, kalg);
	if ((OBJ_obj2nid(kobj) == NID_rsaesOaep) != (st->oaep != 0)) {
		warnx("CertRep: key transport %s, the request used %s",
		    OBJ_nid2sn(OBJ_obj2nid(kobj)), st->oaep ? "OAEP" :
		    "PKCS#1 v1.5");
		return -1;
	}
	return type;
}

/* Open the pkcsPKIEnvelope with the signer key or the challenge. */
static int
rep_env_open(CMS_ContentInfo *env, int type, const struct state *st,
    BIO *out)
{
	EVP_PKEY        *key = NULL;
	int              ok;

	if (type == CMS_RECIPINFO_PASS) {
		ok = CMS_decrypt_set1_password(env,
		    (unsigned char *)st->challenge, -1) &&
		    CMS_decrypt(env, NULL, NULL, NULL, out, CMS_BINARY);
	} else {
		if ((key = key_load(st->keypath)) == NULL)
			return -1;
		ok = CMS_decrypt(env, key, st->signer, NULL, out, CMS_BINARY);
	}
	EVP_PKEY_free(key);
	if (!ok) {
		crypto_warnx("CertRep: cannot decrypt pkcsPKIEnvelope");
		return -1;
	}
	return 0;
}

/* CHK-REP 6: check and open the envelope in "content" into "out". */
static int
rep_envelope(BIO *content, const struct state *st, BIO *out)
{
	CMS_ContentInfo         *env = NULL;
	const unsigned char     *p, *der;
	long                     len;
	int                      type, rc = -1;

	len = BIO_get_mem_data(content, &der);
	p = der;
	if ((env = d2i_CMS_ContentInfo(NULL, &p, len)) == NULL ||
	    OBJ_obj2nid(CMS_get0_type(env)) != NID_pkcs7_enveloped) {
		crypto_warnx("CertRep: eContent is not an EnvelopedData");
		goto out;
	}
	if ((type = rep_env_recipient(env, st)) == -1 ||
	    rep_env_shape(der, len, st, type == CMS_RECIPINFO_PASS) == -1 ||
	    rep_env_open(env, type, st, out) == -1)
		goto out;
	rc = 0;
 out:
	CMS_ContentInfo_free(env);
	return rc;
}

/*
 * The issued certificate: signed by one of "cas", over the CSR key.
 * For GetCert: the certificate of the serial asked for, over any key.
 */
static int
rep_cert_check(X509 *cert, const struct state *st, STACK_OF(X509) *cas)
{
	X509    *ca;
	BIGNUM  *bn;
	int      i, same;

	if (st->type == 21 && st->serial != NULL) {
		if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert),
		    NULL)) == NULL)
			errx(2, "ASN1_INTEGER_to_BN");
		same = BN_cmp(bn, st->serial) == 0;
		BN_free(bn);
		if (!same) {
			warnx("CertRep: certificate 0 is not of the serial "
			    "asked for");
			return -1;
		}
	} else if (EVP_PKEY_eq(X509_get0_pubkey(cert), st->csrpub) != 1) {
		warnx("CertRep: certificate 0 is not over the CSR key");
		return -1;
	}
	for (i = 0; i < sk_X509_num(cas); i++) {
		ca = sk_X509_value(cas, i);
		if (X509_check_issued(ca, cert) == X509_V_OK &&
		    X509_verify(cert, X509_get0_pubkey(ca)) == 1)
			return 0;
	}
	crypto_warnx("CertRep: certificate 0 is not issued by the CA");
	return -1;
}

/*
 * REP-02: a GetCRL reply holds exactly one CRL, issued and signed by
 * one of "cas", and no certificate; the CRL goes to "crlout" (DER).
 */
static int
rep_crl_check(CMS_ContentInfo *inner, STACK_OF(X509) *cas,
    const char *crlout)
{
	STACK_OF(X509)          *certs;
	STACK_OF(X509_CRL)      *crls;
	X509_CRL                *crl;
	X509                    *ca;
	unsigned char           *der = NULL;
	int                      i, len, ok = 0, rc = -1;

	certs = CMS_get1_certs(inner);
	crls = CMS_get1_crls(inner);
	if (sk_X509_num(certs) > 0) {
		warnx("CertRep: GetCRL reply holds %d certificates",
		    sk_X509_num(certs));
		goto out;
	}
	if (sk_X509_CRL_num(crls) != 1) {
		warnx("CertRep: GetCRL reply holds %d CRLs, want 1",
		    sk_X509_CRL_num(crls));
		goto out;
	}
	crl = sk_X509_CRL_value(crls, 0);
	for (i = 0; i < sk_X509_num(cas) && !ok; i++) {
		ca = sk_X509_value(cas, i);
		ok = X509_NAME_cmp(X509_CRL_get_issuer(crl),
		    X509_get_subject_name(ca)) == 0 &&
		    X509_CRL_verify(crl, X509_get0_pubkey(ca)) == 1;
	}
	if (!ok) {
		crypto_warnx("CertRep: the CRL is not issued by the CA");
		goto out;
	}
	if (crlout != NULL && ((len = i2d_X509_CRL(crl, &der)) <= 0 ||
	    file_write(crlout, der, (size_t)len) == -1)) {
		warnx("%s: cannot write the CRL", crlout);
		goto out;
	}
	rc = 0;
 out:
	OPENSSL_free(der);
	sk_X509_pop_free(certs, X509_free);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	return rc;
}

/*
 * REP-01: the decrypted content is a degenerate certificates-only
 * SignedData whose element 0 is the issued certificate (REP-02 for
 * GetCRL: see rep_crl_check()).
 */
/* Every certificate of "certs", in order, as PEM into "path". */
static int
rep_chain_write(STACK_OF(X509) *certs, const char *path)
{
	BIO	*bio;
	int	 i, ok;

	if ((bio = BIO_new_file(path, "w")) == NULL) {
		crypto_warnx("%s", path);
		return -1;
	}
	for (i = 0, ok = 1; ok && i < sk_X509_num(certs); i++)
		ok = PEM_write_bio_X509(bio, sk_X509_value(certs, i));
	BIO_free(bio);
	if (!ok)
		crypto_warnx("%s", path);
	return ok ? 0 : -1;
}

static int
rep_inner(BIO *in, const struct state *st, STACK_OF(X509) *cas,
    const char *certout, const char *crlout, const char *chainout)
{
	CMS_ContentInfo         *inner = NULL;
	STACK_OF(X509)          *certs = NULL;
	ASN1_OCTET_STRING      **pos;
	BIO                     *bio = NULL;
	int                      rc = -1;

	if ((inner = d2i_CMS_bio(in, NULL)) == NULL ||
	    OBJ_obj2nid(CMS_get0_type(inner)) != NID_pkcs7_signed) {
		crypto_warnx("CertRep: content is not a SignedData");
		goto out;
	}
	pos = CMS_get0_content(inner);
	if (sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(inner)) > 0 ||
	    (pos != NULL && *pos != NULL)) {
		warnx("CertRep: inner SignedData is not degenerate");
		goto out;
	}
	if (st->type == 22) {
		rc = rep_crl_check(inner, cas, crlout);
		goto out;
	}
	if ((certs = CMS_get1_certs(inner)) == NULL ||
	    sk_X509_num(certs) < 1) {
		warnx("CertRep: inner SignedData holds no certificate");
		goto out;
	}
	if (rep_cert_check(sk_X509_value(certs, 0), st, cas) == -1)
		goto out;
	if (certout != NULL && ((bio = BIO_new_file(certout, "w")) == NULL ||
	    !PEM_write_bio_X509(bio, sk_X509_value(certs, 0)))) {
		crypto_warnx("%s", certout);
		goto out;
	}
	if (chainout != NULL && rep_chain_write(certs, chainout) == -1)
		goto out;
	rc = 0;
 out:
	BIO_free(bio);
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(inner);
	return rc;
}

/* MSG-09: mirrored digest on SUCCESS; never MD5. */
/* 1 if the CertRep's SignerInfo is RSASSA-PSS. */
static int
rep_sig_pss(CMS_SignerInfo *si)
{
	X509_ALGOR              *sig;
	const ASN1_OBJECT       *obj;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &sig);
	X509_ALGOR_get0(&obj, NULL, NULL, sig);
	return OBJ_obj2nid(obj) == NID_rsassaPss;
}

/* 1 if an RSA key signed the CertRep (only RSA can answer PSS). */
static int
rep_sig_rsa(CMS_SignerInfo *si)
{
	X509    *signer = NULL;

	CMS_SignerInfo_get0_algs(si, NULL, &signer, NULL, NULL);
	return signer != NULL &&
	    EVP_PKEY_get_base_id(X509_get0_pubkey(signer)) == EVP_PKEY_RSA;
}

static int
rep_digest_check(CMS_SignerInfo *si, const struct state *st, int status,
    const char *sigform)
{
	EVP_MD  *md;
	int      nid, want;

	nid = rep_digest_nid(si);
	if (nid == NID_md5) {
		warnx("CertRep: signed with MD5");
		return -1;
	}
	if (sigform != NULL && rep_sig_rsa(si) &&
	    rep_sig_pss(si) != (strcmp(sigform, "pss") == 0)) {
		warnx("CertRep: signature %s, want %s", rep_sig_pss(si) ?
		    "RSASSA-PSS" : "PKCS#1 v1.5", sigform);
		return -1;
	}
	/* Never PSS to a client that did not use it itself. */
	if (!st->pss && rep_sig_pss(si)) {
		warnx("CertRep: RSASSA-PSS to a PKCS#1 v1.5 request");
		return -1;
	}
	if (status != 0)
		return 0;
	if ((md = digest_fetch(st->digest)) == NULL)
		return -1;
	want = EVP_MD_get_type(md);
	EVP_MD_free(md);
	if (nid != want) {
		warnx("CertRep: digest %s, request used %s", OBJ_nid2sn(nid),
		    st->digest);
		return -1;
	}
	return 0;
}

/* Print the one-line verdict. */
static void
rep_print(const struct reply *r)
{
	static const char *const status[] = { "SUCCESS", "", "FAILURE",
	    "PENDING" };

	printf("status=%s failinfo=%s failtext=", status[r->status],
	    r->failinfo >= 0 ? failinfo_names[r->failinfo] : "");
	if (r->failtext != NULL)
		printf("\"%s\"", r->failtext);
	printf("\n");
}

/* Load what "rep" checks against: state, CA certificates, the reply. */
static CMS_ContentInfo *
rep_load(const char *statepath, const char *cacert, const char *in,
    struct state *st, STACK_OF(X509) **cas)
{
	CMS_ContentInfo         *cms;
	unsigned char           *der;
	const unsigned char     *p;
	size_t                   len;

	if (state_read(statepath, st) == -1 ||
	    (*cas = certs_load(cacert)) == NULL ||
	    (der = file_read(in, &len)) == NULL)
		return NULL;
	p = der;
	if ((cms = d2i_CMS_ContentInfo(NULL, &p, (long)len)) == NULL)
		crypto_warnx("CertRep: %s is not a CMS ContentInfo", in);
	else if (p != der + len) {
		warnx("CertRep: %zu bytes after the ContentInfo",
		    (size_t)(der + len - p));
		CMS_ContentInfo_free(cms);
		cms = NULL;
	}
	free(der);
	return cms;
}

/*
 * REP-03/04: a SUCCESS has eContent (the pkcsPKIEnvelope); a FAILURE or
 * PENDING has none: eContent absent, or empty (scepd's default, for
 * certmonger).  "form" ("absent", "empty", or NULL for either) says
 * which of the two a FAILURE or PENDING must use.
 */
static int
rep_econtent_check(BIO *content, int status, const char *form)
{
	const char      *got;

	if (status == 0) {
		if (content != NULL)
			return 0;
		warnx("CertRep: eContent absent with pkiStatus 0");
		return -1;
	}
	got = content == NULL ? "absent" : BIO_pending(content) == 0 ?
	    "empty" : "present";
	if (strcmp(got, "present") == 0 ||
	    (form != NULL && strcmp(got, form) != 0)) {
		warnx("CertRep: eContent %s with pkiStatus %d%s%s", got,
		    status, form != NULL ? ", want " : "",
		    form != NULL ? form : "");
		return -1;
	}
	return 0;
}

/*
 * Run CHK-REP; 0 when the reply is a well-formed CertRep.  "signer"
 * names the certificates that may sign it (an RA), NULL for the CA's.
 */
static int
rep_run(const char *statepath, const char *cacert, const char *signer,
    const char *in, const char *certout, const char *crlout,
    const char *chainout, const char *form, const char *sigform)
{
	struct state             st;
	struct reply             r;
	STACK_OF(X509)          *cas = NULL, *signers = NULL;
	CMS_ContentInfo         *cms;
	CMS_SignerInfo          *si;
	BIO                     *content = NULL, *plain = NULL;
	int                      rc = -1;

	memset(&st, 0, sizeof(st));
	memset(&r, 0, sizeof(r));
	if ((cms = rep_load(statepath, cacert, in, &st, &cas)) == NULL ||
	    (signer != NULL && (signers = certs_load(signer)) == NULL) ||
	    rep_verify(cms, signers != NULL ? signers : cas, &si,
	    &content) == -1 ||
	    rep_attrs_ids(si, &st) == -1 || rep_attrs_status(si, &r) == -1 ||
	    rep_digest_check(si, &st, r.status, sigform) == -1)
		goto out;
	if (rep_econtent_check(content, r.status, form) == -1)
		goto out;
	if (r.status == 0 && ((plain = BIO_new(BIO_s_mem())) == NULL ||
	    rep_envelope(content, &st, plain) == -1 ||
	    rep_inner(plain, &st, cas, certout, crlout, chainout) == -1))
		goto out;
	rep_print(&r);
	rc = 0;
 out:
	BIO_free(plain);
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	sk_X509_pop_free(cas, X509_free);
	sk_X509_pop_free(signers, X509_free);
	state_free(&st);
	free(r.failtext);
	return rc;
}

/* Options of "b64". */
struct b64_opts {
	const char      *in;
	int              wrap;          /* line length, 0: one line */
	int              crlf;          /* line break is CR LF */
	int              urlsafe;       /* RFC 4648 5 alphabet */
	int              nopad;         /* drop trailing '=' */
	int              escape;        /* percent-escape (RFC 3986 2.1) */
	int              plusspace;     /* '+' as "%20" */
};

/* Emit one character of base64 text, escaped as asked. */
static void
b64_putc(const struct b64_opts *o, int c)
{
	if (c == '+' && o->plusspace)
		fputs("%20", stdout);
	else if (o->escape && !(c >= 'A' && c <= 'Z') &&
	    !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') &&
	    strchr("-._~", c) == NULL)
		printf("%%%02X", c);
	else
		putchar(c);
}

/* Base64 of a file for GET tests, printed on one line ending in LF. */
static int
b64_run(const struct b64_opts *o)
{
	unsigned char   *der, *txt;
	size_t           len, n, i;

	if ((der = file_read(o->in, &len)) == NULL)
		return -1;
	if (len > INT_MAX / 2 || (txt = malloc(4 * (len / 3 + 1) + 1)) == NULL)
		errx(2, "%s: too large", o->in);
	n = (size_t)EVP_EncodeBlock(txt, der, (int)len);
	while (o->nopad && n > 0 && txt[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++) {
		if (o->wrap > 0 && i > 0 && i % (size_t)o->wrap == 0) {
			if (o->crlf)
				b64_putc(o, '\r');
			b64_putc(o, '\n');
		}
		if (o->urlsafe && (txt[i] == '+' || txt[i] == '/'))
			txt[i] = txt[i] == '+' ? '-' : '_';
		b64_putc(o, txt[i]);
	}
	putchar('\n');
	free(txt);
	free(der);
	return fflush(stdout) == 0 ? 0 : -1;
}

static void __attribute__((noreturn))
usage(void)
{
	size_t   i;

	fprintf(stderr,
	    "usage: scepmsg req --cacert CA.pem --key KEY.pem "
	    "[--newkey rsa:BITS|ec:CURVE]\n"
	    "\t[--subject /CN=a/O=b] [--challenge PW] [--san-dns NAME]...\n"
	    "\t[--san-uri URI]...\n"
	    "\t[--type N] [--serial HEX] [--digest sha1|sha256|sha384|sha512|md5]\n"
	    "\t[--csr-digest ALG] [--pss] [--oaep]\n"
	    "\t[--pwri PW [--pwri-iter N] [--pwri-iter-claim N]]\n"
	    "\t[--cipher aes128|aes192|aes256|des3|des] [--txid ID]\n"
	    "\t[--signer-cert CERT --signer-key KEY] [--csr-key KEY]\n"
	    "\t[--recipient CERT] [--issuer /CN=x] [--mutate NAME[,NAME]...] "
	    "-o OUT --state STATE\n"
	    "       scepmsg rep --state STATE --cacert CA.pem -i REPLY "
	    "[--signer-cert RA.pem]\n"
	    "\t[--cert-out CERT.pem] [--crl-out CRL.der]\n"
	    "\t[--chain-out ALL.pem] [--econtent absent|empty] [--sig pss|pkcs1]\n"
	    "       scepmsg b64 -i IN [--wrap N] [--crlf] [--urlsafe] "
	    "[--no-pad] [--escape] [--plus-space]\n"
	    "mutations:\n");
	for (i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++)
		fprintf(stderr, "\t%-16s%s\n", mutations[i].name,
		    mutations[i].help);
	exit(2);
}

/* Add the comma-separated mutation names of "arg" to *mut. */
static void
mutate_parse(const char *arg, unsigned int *mut)
{
	char    *copy, *p, *tok;
	size_t   i;

	if ((copy = strdup(arg)) == NULL)
		err(2, "strdup");
	for (p = copy; (tok = strsep(&p, ",")) != NULL; ) {
		for (i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++)
			if (strcmp(tok, mutations[i].name) == 0)
				break;
		if (i == sizeof(mutations) / sizeof(mutations[0]))
			errx(2, "%s: unknown mutation", tok);
		*mut |= mutations[i].bit;
	}
	free(copy);
}

/* A non-negative decimal option value. */
static int
num_parse(const char *s, const char *what)
{
	char    *end;
	long     v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > 100000)
		errx(2, "%s: bad %s", s, what);
	return (int)v;
}

/* --pwri-iter: 1 up to INT_MAX, to try the server's cap. */
static int
iter_parse(const char *s)
{
	char    *end;
	long     v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > INT_MAX)
		errx(2, "%s: bad --pwri-iter", s);
	return (int)v;
}

/* "req" options that take a value, stored by address. */
static const char **
req_opt_slot(struct req_opts *o, int c)
{
	switch (c) {
	case 'C': return &o->cacert;
	case 'k': return &o->key;
	case 'n': return &o->newkey;
	case 's': return &o->subject;
	case 'c': return &o->challenge;
	case 'S': return &o->serial;
	case 'd': return &o->digest;
	case 'G': return &o->csr_digest;
	case 'e': return &o->cipher;
	case 't': return &o->txid;
	case 'x': return &o->signer_cert;
	case 'y': return &o->signer_key;
	case 'K': return &o->csr_key;
	case 'r': return &o->recipient;
	case 'I': return &o->issuer;
	case 'W': return &o->pwri;
	case 'o': return &o->out;
	case 'z': return &o->state;
	default: return NULL;
	}
}

static int
cmd_req(int argc, char *argv[])
{
	static const struct option lopts[] = {
		{ "cacert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'k' },
		{ "newkey", required_argument, NULL, 'n' },
		{ "subject", required_argument, NULL, 's' },
		{ "challenge", required_argument, NULL, 'c' },
		{ "san-dns", required_argument, NULL, 'D' },
		{ "san-uri", required_argument, NULL, 'U' },
		{ "type", required_argument, NULL, 'T' },
		{ "serial", required_argument, NULL, 'S' },
		{ "digest", required_argument, NULL, 'd' },
		{ "csr-digest", required_argument, NULL, 'G' },
		{ "cipher", required_argument, NULL, 'e' },
		{ "txid", required_argument, NULL, 't' },
		{ "signer-cert", required_argument, NULL, 'x' },
		{ "signer-key", required_argument, NULL, 'y' },
		{ "csr-key", required_argument, NULL, 'K' },
		{ "recipient", required_argument, NULL, 'r' },
		{ "issuer", required_argument, NULL, 'I' },
		{ "pwri", required_argument, NULL, 'W' },
		{ "pwri-iter", required_argument, NULL, 'N' },
		{ "pwri-iter-claim", required_argument, NULL, 'Q' },
		{ "pss", no_argument, NULL, 'P' },
		{ "oaep", no_argument, NULL, 'A' },
		{ "mutate", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' },
		{ "state", required_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 },
	};
	struct req_opts  o;
	const char     **slot;
	int              c;

	memset(&o, 0, sizeof(o));
	o.subject = "/CN=scepmsg";
	o.type = 19;
	o.digest = "sha256";
	o.csr_digest = "sha256";
	o.pwri_iter = -1;
	o.cipher = "aes128";
	while ((c = getopt_long(argc, argv, "o:", lopts, NULL)) != -1) {
		if ((slot = req_opt_slot(&o, c)) != NULL)
			*slot = optarg;
		else if ((c == 'D' || c == 'U') && o.nsans < SAN_MAX) {
			o.san_uri[o.nsans] = c == 'U';
			o.sans[o.nsans++] = optarg;
		}
		else if (c == 'T')
			o.type = num_parse(optarg, "message type");
		else if (c == 'm')
			mutate_parse(optarg, &o.mut);
		else if (c == 'N')
			o.pwri_iter = iter_parse(optarg);
		else if (c == 'Q')
			o.pwri_claim = iter_parse(optarg);
		else if (c == 'P')
			o.pss = 1;
		else if (c == 'A')
			o.oaep = 1;
		else
			usage();
	}
	if (optind != argc || o.cacert == NULL || o.key == NULL ||
	    o.out == NULL || o.state == NULL ||
	    (o.signer_cert == NULL) != (o.signer_key == NULL))
		usage();
	return req_run(&o) == 0 ? 0 : 1;
}

static int
cmd_rep(int argc, char *argv[])
{
	static const struct option lopts[] = {
		{ "state", required_argument, NULL, 'z' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "in", required_argument, NULL, 'i' },
		{ "cert-out", required_argument, NULL, 'O' },
		{ "crl-out", required_argument, NULL, 'L' },
		{ "signer-cert", required_argument, NULL, 'S' },
		{ "chain-out", required_argument, NULL, 'H' },
		{ "econtent", required_argument, NULL, 'E' },
		{ "sig", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	const char      *state = NULL, *cacert = NULL, *in = NULL;
	const char      *certout = NULL, *crlout = NULL, *signer = NULL;
	const char      *chainout = NULL, *form = NULL, *sigform = NULL;
	int              c;

	while ((c = getopt_long(argc, argv, "i:", lopts, NULL)) != -1) {
		switch (c) {
		case 'z': state = optarg; break;
		case 'C': cacert = optarg; break;
		case 'i': in = optarg; break;
		case 'O': certout = optarg; break;
		case 'L': crlout = optarg; break;
		case 'S': signer = optarg; break;
		case 'H': chainout = optarg; break;
		case 'E': form = optarg; break;
		case 'g': sigform = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || state == NULL || cacert == NULL || in == NULL ||
	    (form != NULL && strcmp(form, "absent") != 0 &&
	    strcmp(form, "empty") != 0) || (sigform != NULL &&
	    strcmp(sigform, "pss") != 0 && strcmp(sigform, "pkcs1") != 0))
		usage();
	return rep_run(state, cacert, signer, in, certout, crlout,
	    chainout, form, sigform) == 0 ? 0 : 1;
}

static int
cmd_b64(int argc, char *argv[])
{
	static const struct option lopts[] = {
		{ "in", required_argument, NULL, 'i' },
		{ "wrap", required_argument, NULL, 'w' },
		{ "crlf", no_argument, NULL, 'r' },
		{ "urlsafe", no_argument, NULL, 'u' },
		{ "no-pad", no_argument, NULL, 'p' },
		{ "escape", no_argument, NULL, 'e' },
		{ "plus-space", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct b64_opts  o;
	int              c;

	memset(&o, 0, sizeof(o));
	while ((c = getopt_long(argc, argv, "i:", lopts, NULL)) != -1) {
		switch (c) {
		case 'i': o.in = optarg; break;
		case 'w': o.wrap = num_parse(optarg, "line length"); break;
		case 'r': o.crlf = 1; break;
		case 'u': o.urlsafe = 1; break;
		case 'p': o.nopad = 1; break;
		case 'e': o.escape = 1; break;
		case 's': o.plusspace = 1; break;
		default: usage();
		}
	}
	if (optind != argc || o.in == NULL)
		usage();
	return b64_run(&o) == 0 ? 0 : 1;
}

static OSSL_PROVIDER *prov_default, *prov_legacy;

/* At exit: release what main() loaded, so that LeakSanitizer is quiet. */
static void
cleanup(void)
{
	size_t   i;

	for (i = 0; i < sizeof(scep_oids) / sizeof(scep_oids[0]); i++)
		ASN1_OBJECT_free(*scep_oids[i].obj);
	OSSL_PROVIDER_unload(prov_legacy);
	OSSL_PROVIDER_unload(prov_default);
}

int
main(int argc, char *argv[])
{
	if (argc < 2)
		usage();
	/* Single DES lives in the legacy provider (checklist 15). */
	if ((prov_default = OSSL_PROVIDER_load(NULL, "default")) == NULL)
		errx(2, "cannot load the default provider");
	if ((prov_legacy = OSSL_PROVIDER_load(NULL, "legacy")) == NULL)
		ERR_clear_error();
	if (atexit(cleanup) != 0)
		errx(2, "atexit");
	oids_init();
	if (strcmp(argv[1], "req") == 0)
		return cmd_req(argc - 1, argv + 1);
	if (strcmp(argv[1], "rep") == 0)
		return cmd_rep(argc - 1, argv + 1);
	if (strcmp(argv[1], "b64") == 0)
		return cmd_b64(argc - 1, argv + 1);
	usage();
}
