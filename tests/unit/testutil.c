/*	SPDX-License-Identifier: ISC */
/*
 * testutil.c: fixtures for the unit drivers (see testutil.h).  Builds
 * keys, certificates, CSRs and SCEP pkiMessages with OpenSSL's own
 * encoders, never by hand, so a fixture is as well-formed as OpenSSL
 * makes it unless a test breaks it on purpose.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/x509v3.h>

#include "scep.h"
#include "testutil.h"

char *
tu_tmpdir(void)
{
	const char	*base = getenv("TMPDIR");
	char		*p;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (asprintf(&p, "%s/scepd-unit.XXXXXX", base) == -1)
		return NULL;
	if (mkdtemp(p) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void
tu_rmrf(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		*p;

	if (dir == NULL || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((p = tu_path(dir, de->d_name)) != NULL) {
			unlink(p);
			free(p);
		}
	}
	closedir(d);
	rmdir(dir);
}

char *
tu_path(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) == -1)
		return NULL;
	return p;
}

int
tu_write(const char *path, const void *data, size_t n, mode_t mode)
{
	const unsigned char	*c = data;
	ssize_t			 w;
	int			 fd;

	/* A new file each time: an earlier 0400 one must not stop us. */
	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	while (n > 0) {
		if ((w = write(fd, c, n)) <= 0) {
			close(fd);
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	/* fchmod, not open's mode: the umask must not decide a test. */
	if (fchmod(fd, mode) == -1) {
		close(fd);
		return -1;
	}
	return close(fd);
}

int
tu_write_str(const char *path, const char *s, mode_t mode)
{
	return tu_write(path, s, strlen(s), mode);
}

int
tu_capture_begin(struct tu_capture *cap)
{
	char	*dir;
	int	 fd;

	memset(cap, 0, sizeof(*cap));
	cap->saved = -1;
	if ((dir = tu_tmpdir()) == NULL)
		return -1;
	cap->path = tu_path(dir, "stderr");
	free(dir);
	if (cap->path == NULL)
		return -1;
	if ((fd = open(cap->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	fflush(stderr);
	if ((cap->saved = dup(STDERR_FILENO)) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

char *
tu_capture_end(struct tu_capture *cap)
{
	FILE	*fp;
	char	*text = NULL, *dir;
	size_t	 n = 0;
	long	 sz;

	fflush(stderr);
	if (cap->saved != -1) {
		dup2(cap->saved, STDERR_FILENO);
		close(cap->saved);
		cap->saved = -1;
	}
	if (cap->path == NULL)
		return NULL;
	if ((fp = fopen(cap->path, "r")) != NULL) {
		if (fseek(fp, 0, SEEK_END) == 0 && (sz = ftell(fp)) >= 0 &&
		    fseek(fp, 0, SEEK_SET) == 0 &&
		    (text = calloc(1, (size_t)sz + 1)) != NULL)
			n = fread(text, 1, (size_t)sz, fp);
		fclose(fp);
		if (text != NULL)
			text[n] = '\0';
		/* Replay it, so a failing test still shows the log. */
		if (text != NULL)
			fputs(text, stderr);
	}
	unlink(cap->path);
	if ((dir = strdup(cap->path)) != NULL) {
		*strrchr(dir, '/') = '\0';
		rmdir(dir);
		free(dir);
	}
	free(cap->path);
	cap->path = NULL;
	return text;
}

void
tu_fill(unsigned char *p, size_t n, uint32_t seed)
{
	uint32_t	x = seed * 2654435761u + 1;
	size_t		i;

	/* xorshift32: fixed, fast, and good enough for test bytes. */
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)(x >> 24);
	}
}

static OSSL_PROVIDER	*tu_prov_legacy, *tu_prov_default;

int
tu_legacy_provider(void)
{
	if (tu_prov_legacy != NULL)
		return 0;
	/* Loading one provider explicitly disables the implicit default. */
	if ((tu_prov_default = OSSL_PROVIDER_load(NULL, "default")) == NULL)
		return -1;
	if ((tu_prov_legacy = OSSL_PROVIDER_load(NULL, "legacy")) == NULL) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

void
tu_legacy_provider_unload(void)
{
	if (tu_prov_legacy != NULL)
		OSSL_PROVIDER_unload(tu_prov_legacy);
	if (tu_prov_default != NULL)
		OSSL_PROVIDER_unload(tu_prov_default);
	tu_prov_legacy = tu_prov_default = NULL;
}

EVP_PKEY *
tu_key_rsa(int bits)
{
	return EVP_RSA_gen((unsigned int)bits);
}

EVP_PKEY *
tu_key_ec(const char *curve)
{
	return EVP_EC_gen(curve);
}

EVP_PKEY *
tu_key_ed25519(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
}

static int
tu_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	 ctx;
	X509_EXTENSION	*e;
	int		 ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok;
}

/* md for X509_sign: none for the EdDSA keys, SHA-256 otherwise. */
static const EVP_MD *
tu_sign_md(EVP_PKEY *key)
{
	return EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? NULL :
	    EVP_sha256();
}

static X509 *
tu_cert_make(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey,
    long serial, int ca)
{
	X509		*x;
	X509_NAME	*name;

	if ((x = X509_new()) == NULL)
		return NULL;
	name = X509_get_subject_name(x);
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), serial) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name) ||
	    !X509_set_pubkey(x, key) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400) ||
	    !tu_ext(x, issuer != NULL ? issuer : x, NID_subject_key_identifier,
	    "hash"))
		goto err;
	if (ca && (!tu_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") ||
	    !tu_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign,"
	    "digitalSignature,keyEncipherment")))
		goto err;
	if (X509_sign(x, ikey != NULL ? ikey : key,
	    tu_sign_md(ikey != NULL ? ikey : key)) <= 0)
		goto err;
	return x;
 err:
	X509_free(x);
	return NULL;
}

X509 *
tu_cert_self(EVP_PKEY *key, const char *cn, int ca)
{
	return tu_cert_make(key, cn, NULL, NULL, 1, ca);
}

X509 *
tu_cert_issue(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey,
    long serial)
{
	return tu_cert_make(key, cn, issuer, ikey, serial, 0);
}

/* Write a memory BIO's contents to "path" with "mode". */
static int
tu_bio_write(const char *path, BIO *b, mode_t mode)
{
	char	*p;
	long	 n;

	if ((n = BIO_get_mem_data(b, &p)) <= 0)
		return -1;
	return tu_write(path, p, (size_t)n, mode);
}

int
tu_pem_key(const char *path, EVP_PKEY *key, mode_t mode)
{
	BIO	*b;
	int	 rc = -1;

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	if (PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL))
		rc = tu_bio_write(path, b, mode);
	BIO_free(b);
	return rc;
}

int
tu_pem_cert(const char *path, X509 *x, mode_t mode)
{
	BIO	*b;
	int	 rc = -1;

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	if (PEM_write_bio_X509(b, x))
		rc = tu_bio_write(path, b, mode);
	BIO_free(b);
	return rc;
}

/* Copy an OpenSSL-allocated DER into a malloc'd buffer. */
static unsigned char *
tu_der_take(unsigned char *ossl, int n, size_t *len)
{
	unsigned char *p = NULL;

	if (n > 0 && (p = malloc((size_t)n)) != NULL) {
		memcpy(p, ossl, (size_t)n);
		*len = (size_t)n;
	}
	OPENSSL_free(ossl);
	return p;
}

unsigned char *
tu_x509_der(X509 *x, size_t *len)
{
	unsigned char	*der = NULL;
	int		 n;

	n = i2d_X509(x, &der);
	return tu_der_take(der, n, len);
}

unsigned char *
tu_pubkey_der(EVP_PKEY *key, size_t *len)
{
	unsigned char	*der = NULL;
	int		 n;

	n = i2d_PUBKEY(key, &der);
	return tu_der_take(der, n, len);
}

X509_REQ *
tu_req_new(EVP_PKEY *key, const char *cn)
{
	X509_REQ	*req;
	X509_NAME	*name;

	if ((req = X509_REQ_new()) == NULL)
		return NULL;
	name = X509_REQ_get_subject_name(req);
	if (!X509_REQ_set_version(req, X509_REQ_VERSION_1) ||
	    !X509_REQ_set_pubkey(req, key))
		goto err;
	if (cn != NULL && (!X509_NAME_add_entry_by_txt(name, "O",
	    MBSTRING_UTF8, (const unsigned char *)"scepd tests", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0)))
		goto err;
	return req;
 err:
	X509_REQ_free(req);
	return NULL;
}

unsigned char *
tu_req_sign(X509_REQ *req, EVP_PKEY *key, const EVP_MD *md, size_t *len)
{
	unsigned char	*der = NULL;
	int		 n;

	if (X509_REQ_sign(req, key, md) <= 0)
		return NULL;
	n = i2d_X509_REQ(req, &der);
	return tu_der_take(der, n, len);
}

int
tu_req_add_san(X509_REQ *req, const char *value)
{
	STACK_OF(X509_EXTENSION)	*exts = NULL;
	X509_EXTENSION			*e;
	int				 ok = 0;

	if ((e = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name,
	    value)) == NULL)
		return 0;
	if ((exts = sk_X509_EXTENSION_new_null()) != NULL &&
	    sk_X509_EXTENSION_push(exts, e))
		ok = X509_REQ_add_extensions(req, exts);
	sk_X509_EXTENSION_free(exts);
	X509_EXTENSION_free(e);
	return ok;
}

/* The sealed pkcsPKIEnvelope: EnvelopedData of "m->content". */
static unsigned char *
tu_envelope(const struct tu_msg *m, size_t *len)
{
	CMS_ContentInfo	*env = NULL;
	STACK_OF(X509)	*to = NULL;
	BIO		*in = NULL;
	unsigned char	*der = NULL, *ret = NULL;
	int		 n;

	if ((to = sk_X509_new_null()) == NULL ||
	    !sk_X509_push(to, m->recipient) ||
	    (in = BIO_new_mem_buf(m->content, (int)m->contentsz)) == NULL ||
	    (env = CMS_encrypt(to, in, m->cipher, CMS_BINARY)) == NULL)
		goto out;
	n = i2d_CMS_ContentInfo(env, &der);
	ret = tu_der_take(der, n, len);
 out:
	CMS_ContentInfo_free(env);
	BIO_free(in);
	sk_X509_free(to);
	return ret;
}

static int
tu_attr_str(CMS_SignerInfo *si, int which, const char *s)
{
	return CMS_signed_add1_attr_by_OBJ(si, scep_oid(which),
	    V_ASN1_PRINTABLESTRING, s, (int)strlen(s));
}

unsigned char *
tu_pkimsg(const struct tu_msg *m, size_t *len)
{
	CMS_ContentInfo		*cms = NULL;
	CMS_SignerInfo		*si;
	ASN1_OCTET_STRING	*sig;
	BIO			*in = NULL;
	unsigned char		*env = NULL, *der = NULL, *ret = NULL;
	size_t			 envsz;
	int			 n, flags = CMS_BINARY | CMS_PARTIAL |
	    CMS_NOSMIMECAP;

	if ((env = tu_envelope(m, &envsz)) == NULL ||
	    (in = BIO_new_mem_buf(env, (int)envsz)) == NULL ||
	    (cms = CMS_sign(NULL, NULL, NULL, NULL, flags)) == NULL ||
	    (si = CMS_add1_signer(cms, m->signcert, m->signkey, m->md,
	    flags)) == NULL)
		goto out;
	if (m->msgtype != NULL &&
	    !tu_attr_str(si, SCEP_OID_MESSAGETYPE, m->msgtype))
		goto out;
	if (m->txid != NULL &&
	    !tu_attr_str(si, SCEP_OID_TRANSACTIONID, m->txid))
		goto out;
	if (m->noncesz > 0 && !CMS_signed_add1_attr_by_OBJ(si,
	    scep_oid(SCEP_OID_SENDERNONCE), V_ASN1_OCTET_STRING, m->nonce,
	    (int)m->noncesz))
		goto out;
	if (!CMS_final(cms, in, NULL, CMS_BINARY))
		goto out;
	if (m->flip_sig) {
		sig = CMS_SignerInfo_get0_signature(si);
		((unsigned char *)ASN1_STRING_get0_data(sig))[
		    ASN1_STRING_length(sig) / 2] ^= 0x01;
	}
	n = i2d_CMS_ContentInfo(cms, &der);
	ret = tu_der_take(der, n, len);
 out:
	if (ret == NULL)
		ERR_print_errors_fp(stderr);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	free(env);
	return ret;
}
