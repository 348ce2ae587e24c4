/*	SPDX-License-Identifier: ISC */
/*
 * fuzz_util.c: what the fuzz targets share (fuzz.h): keys made once,
 * a PKCS#10 request re-signed around the fuzzer's
 * CertificationRequestInfo (RFC 2986 4), and a whole test server (CA,
 * RA, store, profiles) in a private directory.  Test code: it may use
 * every layer, and abort()s on a fixture that cannot be built.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "conf.h"
#include "fuzz.h"
#include "log.h"
#include "server.h"
#include "store.h"
#include "testutil.h"
#include "x509.h"

/*
 * The test deployment.  Each profile leads the code somewhere else:
 * "static" to the challenge and the subject and SAN patterns, "manual"
 * to pending requests (and legacy algorithms), "rules" to approval
 * rules, dynamic challenges, an overriding subject and the renewal
 * rules.  The default takes anything.
 */
static const char FZ_CONF[] =
    "public_url = \"http://127.0.0.1:8080/scep\";\n"
    "ca = { cert = \"ca.pem\"; key = \"ca.key\";\n"
    "    ra_cert = \"ra.pem\"; ra_key = \"ra.key\"; };\n"
    "store = { path = \"scepd.db\"; connections = 2; };\n"
    "keys = { rsa_min_bits = 1024; };\n"
    "certificate = { validity_days = 30; };\n"
    "profiles = {\n"
    "  static = {\n"
    "    challenge = { file = \"challenge\"; };\n"
    "    keys = { types = [ \"rsa\", \"ec\" ]; ec_curves = [ \"P-256\" ];\n"
    "        rsa_min_bits = 1024; rsa_max_bits = 4096; };\n"
    "    certificate = {\n"
    "      subject = { mode = \"require\"; pattern = \"^CN=[a-z0-9.-]+\"; };\n"
    "      san = { copy = [ \"dns\", \"ip\" ];\n"
    "          pattern = \"\\\\.example$|^192\\\\.0\\\\.2\\\\.\"; };\n"
    "      max_active_per_subject = 2;\n"
    "      key_usage = [ \"digitalSignature\" ];\n"
    "    };\n"
    "  };\n"
    "  manual = {\n"
    "    challenge = { file = \"challenge\"; };\n"
    "    approval = { manual = true; pending_ttl = 3600; };\n"
    "    algorithms = { legacy = true; };\n"
    "    compat = { failure_content = true; };\n"
    "    keys = { rsa_min_bits = 1024; };\n"
    "  };\n"
    "  rules = {\n"
    "    challenge = { mode = \"dynamic\"; };\n"
    "    keys = { types = [ \"rsa\" ]; rsa_min_bits = 1024; };\n"
    "    certificate = {\n"
    "      subject = { mode = \"override\"; value = \"CN=fixed,O=fuzz\"; };\n"
    "      san = { copy = [ \"email\", \"uri\", \"other\" ]; };\n"
    "      extended_key_usage = [ \"clientAuth\", \"1.2.3.4\" ];\n"
    "      digest = \"sha384\";\n"
    "    };\n"
    "    approval = { rules = { networks = [ \"10.0.0.0/8\", \"::1/128\" ];\n"
    "        subject = \"O=fuzz\"; challenge = true; };\n"
    "        otherwise = \"reject\"; };\n"
    "    renewal = { window_days = 3650; allow_subject_change = true;\n"
    "        allow_same_key = false; };\n"
    "  };\n"
    "};\n";

#define FZ_CHALLENGE	"fuzz-challenge"

static EVP_PKEY		*fz_keys[FZ_KEY__MAX];
static char		*fz_tmp;
static struct fz_srv	*fz_the_srv;

void
fz_log_init(void)
{
	log_init(getenv("SCEPD_FUZZ_LOG") != NULL ? LOG_LVL_DEBUG :
	    LOG_LVL_ERROR);
}

EVP_PKEY *
fz_key(enum fz_key k)
{
	if (fz_keys[k] != NULL)
		return fz_keys[k];
	switch (k) {
	case FZ_KEY_RSA1024:
		fz_keys[k] = tu_key_rsa(1024);
		break;
	case FZ_KEY_P256:
		fz_keys[k] = tu_key_ec("P-256");
		break;
	case FZ_KEY_P384:
		fz_keys[k] = tu_key_ec("P-384");
		break;
	case FZ_KEY_ED25519:
		fz_keys[k] = tu_key_ed25519();
		break;
	case FZ_KEY_K256:
		fz_keys[k] = tu_key_ec("secp256k1");
		break;
	default:
		fz_keys[k] = tu_key_rsa(2048);
		break;
	}
	if (fz_keys[k] == NULL)
		abort();
	return fz_keys[k];
}

const EVP_MD *
fz_md(unsigned int sel)
{
	switch (sel & 3) {
	case 1:
		return EVP_sha1();
	case 2:
		return EVP_sha384();
	case 3:
		return EVP_md5();
	default:
		return EVP_sha256();
	}
}

/* A DER tag and length for "len" content bytes into "p"; its size. */
static size_t
fz_der_hdr(unsigned char *p, int tag, size_t len)
{
	size_t	 n = 0, i, nb;

	p[n++] = (unsigned char)tag;
	if (len < 0x80) {
		p[n++] = (unsigned char)len;
		return n;
	}
	for (nb = 1; nb < sizeof(len) && (len >> (8 * nb)) != 0; nb++)
		;
	p[n++] = (unsigned char)(0x80 | nb);
	for (i = nb; i > 0; i--)
		p[n++] = (unsigned char)(len >> (8 * (i - 1)));
	return n;
}

/* The DER element at "p" (of at most "n"): header and total sizes. */
static int
fz_der_elem(const unsigned char *p, size_t n, size_t *hdr, size_t *total)
{
	const unsigned char	*q = p;
	long			 len;
	int			 tag, cls, r;

	if (n == 0 || n > 0x7fffffff)
		return -1;
	r = ASN1_get_object(&q, &len, &tag, &cls, (long)n);
	if ((r & 0x80) || r == 0x21)	/* error, or indefinite length */
		return -1;
	*hdr = (size_t)(q - p);
	if ((size_t)len > n - *hdr)
		return -1;
	*total = *hdr + (size_t)len;
	return 0;
}

/*
 * "tbs" with its third element swapped for "spki" (malloc'd into *out),
 * or -1 if "tbs" is not a SEQUENCE of at least three elements.
 */
static int
fz_spki_swap(const uint8_t *tbs, size_t n, const unsigned char *spki,
    size_t spkisz, unsigned char **out, size_t *outsz)
{
	size_t		 hdr, total, off, eh, et, i, start = 0, end = 0;
	size_t		 inner, h;
	unsigned char	*p;

	if (fz_der_elem(tbs, n, &hdr, &total) == -1 || tbs[0] != 0x30)
		return -1;
	off = hdr;
	for (i = 0; i < 3; i++) {
		if (fz_der_elem(tbs + off, total - off, &eh, &et) == -1)
			return -1;
		if (i == 2) {
			start = off;
			end = off + et;
		}
		off += et;
	}
	inner = (total - hdr) - (end - start) + spkisz;
	if ((p = malloc(inner + 16)) == NULL)
		return -1;
	h = fz_der_hdr(p, 0x30, inner);
	memcpy(p + h, tbs + hdr, start - hdr);
	memcpy(p + h + start - hdr, spki, spkisz);
	memcpy(p + h + start - hdr + spkisz, tbs + end, total - end);
	*out = p;
	*outsz = h + inner;
	return 0;
}

/* The AlgorithmIdentifier of a signature by "key" with "*md" (may change). */
static unsigned char *
fz_sigalg(EVP_PKEY *key, const EVP_MD **md, size_t *len)
{
	X509_ALGOR	*a = NULL;
	unsigned char	*der = NULL;
	int		 sigid, id = EVP_PKEY_get_base_id(key), n;

	if (id == EVP_PKEY_ED25519) {
		*md = NULL;
		sigid = NID_ED25519;
	} else if (*md == NULL || !OBJ_find_sigid_by_algs(&sigid,
	    EVP_MD_get_type(*md), id)) {
		*md = EVP_sha256();
		if (!OBJ_find_sigid_by_algs(&sigid, NID_sha256, id))
			return NULL;
	}
	if ((a = X509_ALGOR_new()) == NULL || !X509_ALGOR_set0(a,
	    OBJ_nid2obj(sigid), id == EVP_PKEY_RSA ? V_ASN1_NULL :
	    V_ASN1_UNDEF, NULL) || (n = i2d_X509_ALGOR(a, &der)) <= 0) {
		X509_ALGOR_free(a);
		return NULL;
	}
	X509_ALGOR_free(a);
	*len = (size_t)n;
	return der;
}

/* Sign "tbs" with "key"; the signature, malloc'd. */
static unsigned char *
fz_sign(const unsigned char *tbs, size_t n, EVP_PKEY *key, const EVP_MD *md,
    size_t *siglen)
{
	EVP_MD_CTX	*ctx;
	unsigned char	*sig = NULL;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return NULL;
	if (EVP_DigestSignInit(ctx, NULL, md, NULL, key) == 1 &&
	    EVP_DigestSign(ctx, NULL, siglen, tbs, n) == 1 &&
	    (sig = malloc(*siglen)) != NULL &&
	    EVP_DigestSign(ctx, sig, siglen, tbs, n) != 1) {
		free(sig);
		sig = NULL;
	}
	EVP_MD_CTX_free(ctx);
	return sig;
}

unsigned char *
fz_csr_make(const uint8_t *tbs, size_t n, EVP_PKEY *key, const EVP_MD *md,
    int keep_spki, size_t *outsz)
{
	unsigned char	*spki = NULL, *mine = NULL, *alg = NULL, *sig = NULL;
	unsigned char	*out = NULL, *p;
	const uint8_t	*body = tbs;
	size_t		 bodysz = n, algsz, siglen, inner, h, bh;
	int		 spkisz;

	if (!keep_spki && (spkisz = i2d_PUBKEY(key, &spki)) > 0 &&
	    fz_spki_swap(tbs, n, spki, (size_t)spkisz, &mine, &bodysz) == 0)
		body = mine;
	else
		bodysz = n;
	if ((alg = fz_sigalg(key, &md, &algsz)) == NULL ||
	    (sig = fz_sign(body, bodysz, key, md, &siglen)) == NULL)
		goto out;
	inner = bodysz + algsz + 16 + siglen;
	if ((out = malloc(inner + 16)) == NULL)
		goto out;
	p = out + 16;		/* the outer header goes in front, later */
	memcpy(p, body, bodysz);
	memcpy(p + bodysz, alg, algsz);
	bh = fz_der_hdr(p + bodysz + algsz, 0x03, siglen + 1);
	p[bodysz + algsz + bh] = 0;	/* no unused bits */
	memcpy(p + bodysz + algsz + bh + 1, sig, siglen);
	inner = bodysz + algsz + bh + 1 + siglen;
	{
		unsigned char	 hb[16];

		h = fz_der_hdr(hb, 0x30, inner);
		memmove(out + h, p, inner);
		memcpy(out, hb, h);
	}
	*outsz = h + inner;
 out:
	OPENSSL_free(spki);
	OPENSSL_free(alg);
	free(mine);
	free(sig);
	ERR_clear_error();
	return out;
}

static void
fz_cleanup(void)
{
	size_t	i;

	if (fz_the_srv != NULL) {
		if (!fz_the_srv->http_owned)
			server_free(fz_the_srv->srv);
		store_close(fz_the_srv->store);
	}
	for (i = 0; i < FZ_KEY__MAX; i++)
		EVP_PKEY_free(fz_keys[i]);
	tu_rmrf(fz_tmp);
	free(fz_tmp);
}

const char *
fz_dir(void)
{
	char	 t[] = "/dev/shm/scepd-fuzz-XXXXXX";

	if (fz_tmp != NULL)
		return fz_tmp;
	if (mkdtemp(t) != NULL)
		fz_tmp = strdup(t);
	else
		fz_tmp = tu_tmpdir();
	if (fz_tmp == NULL)
		abort();
	atexit(fz_cleanup);
	return fz_tmp;
}

/* Write "name" in fz_dir(). */
static void
fz_file(const char *name, int (*pem)(const char *, void *, mode_t),
    void *obj, mode_t mode)
{
	char	*p;

	if ((p = tu_path(fz_dir(), name)) == NULL || pem(p, obj, mode) == -1)
		abort();
	free(p);
}

static int
fz_pem_key(const char *p, void *k, mode_t m)
{
	return tu_pem_key(p, k, m);
}

static int
fz_pem_cert(const char *p, void *x, mode_t m)
{
	return tu_pem_cert(p, x, m);
}

static int
fz_pem_str(const char *p, void *s, mode_t m)
{
	return tu_write_str(p, s, m);
}

/* Record "x" as a certificate the CA issued, as issue.c would. */
static void
fz_store_cert(struct store *st, X509 *x, const char *txid)
{
	struct store_cert	 rec = { 0 };
	struct store_txn	 t = { 0 };

	if (x509_cert_serial(x, rec.serial, sizeof(rec.serial)) == -1 ||
	    (rec.der = tu_x509_der(x, &rec.dersz)) == NULL ||
	    (rec.subject = x509_subject_txt(x)) == NULL)
		abort();
	rec.not_before = x509_not_before(x);
	rec.not_after = x509_not_after(x);
	rec.issued_at = rec.not_before;
	rec.revoke_reason = -1;
	snprintf(rec.txid, sizeof(rec.txid), "%s", txid);
	snprintf(rec.profile, sizeof(rec.profile), "default");
	snprintf(rec.peer, sizeof(rec.peer), "127.0.0.1");
	snprintf(rec.ca, sizeof(rec.ca), STORE_CA_DEFAULT);
	snprintf(t.txid, sizeof(t.txid), "%s", txid);
	snprintf(t.serial, sizeof(t.serial), "%s", rec.serial);
	if (x509_kid(x, t.signer_kid) == -1)
		abort();
	memcpy(t.csr_kid, t.signer_kid, STORE_KID_LEN);
	t.status = STORE_TXN_ISSUED;
	if (store_issue(st, &rec, &t) != STORE_PUT_OK)
		abort();
	store_cert_clear(&rec);
}

/* An empty store but for the device certificates, and one challenge. */
static struct store *
fz_store_new(struct fz_srv *f)
{
	struct conf_store	 cs = { .backend = (char *)"sqlite",
	    .conns = 2 };
	struct store_challenge	 ch = { 0 };
	struct store		*st;
	char			*p, *q;
	const char		*sfx[] = { "", "-wal", "-shm" };
	size_t			 i;
	char			 serial[64];

	if ((p = tu_path(fz_dir(), "scepd.db")) == NULL)
		abort();
	for (i = 0; i < 3; i++) {
		if (asprintf(&q, "%s%s", p, sfx[i]) == -1)
			abort();
		unlink(q);
		free(q);
	}
	cs.path = p;
	if ((st = store_open(&cs, 1)) == NULL)
		abort();
	free(p);
	fz_store_cert(st, f->issued[0], "fz-issued-0");
	fz_store_cert(st, f->issued[1], "fz-issued-1");
	if (x509_cert_serial(f->issued[1], serial, sizeof(serial)) == -1 ||
	    store_cert_revoke(st, serial, 1, (int64_t)time(NULL)) !=
	    STORE_REVOKE_DONE)
		abort();
	/* A one-time challenge "fuzz-challenge" for profile "rules". */
	EVP_Digest(FZ_CHALLENGE, strlen(FZ_CHALLENGE), ch.hash, NULL,
	    EVP_sha256(), NULL);
	snprintf(ch.profile, sizeof(ch.profile), "rules");
	ch.created_at = (int64_t)time(NULL);
	ch.expires_at = ch.created_at + 86400 * 365;
	if (store_challenge_put(st, &ch) == -1)
		abort();
	return st;
}

struct fz_srv *
fz_srv(void)
{
	struct fz_srv	*f;
	struct conf	*c;
	EVP_PKEY	*rakey;
	char		*p;
	size_t		 i;

	if (fz_the_srv != NULL)
		return fz_the_srv;
	fz_log_init();
	if ((f = calloc(1, sizeof(*f))) == NULL)
		abort();
	f->cakey = fz_key(FZ_KEY_P256);
	rakey = fz_key(FZ_KEY_RSA1024);
	f->issued_key = fz_key(FZ_KEY_RSA1024);
	if ((f->cacert = tu_cert_self(f->cakey, "fuzz CA", 1)) == NULL ||
	    (f->racert = tu_cert_issue(rakey, "fuzz RA", f->cacert,
	    f->cakey, 2)) == NULL)
		abort();
	for (i = 0; i < FZ_KEY__MAX; i++)
		if ((f->self[i] = tu_cert_self(fz_key(i), "fuzz device",
		    0)) == NULL)
			abort();
	for (i = 0; i < 3; i++)
		if ((f->issued[i] = tu_cert_issue(f->issued_key,
		    "fuzz device", f->cacert, f->cakey, 100 + (long)i)) ==
		    NULL)
			abort();
	fz_file("ca.pem", fz_pem_cert, f->cacert, 0644);
	fz_file("ca.key", fz_pem_key, f->cakey, 0600);
	fz_file("ra.pem", fz_pem_cert, f->racert, 0644);
	fz_file("ra.key", fz_pem_key, rakey, 0600);
	fz_file("challenge", fz_pem_str, (void *)FZ_CHALLENGE "\n", 0600);
	fz_file("scepd.conf", fz_pem_str, (void *)FZ_CONF, 0644);
	if ((p = tu_path(fz_dir(), "scepd.conf")) == NULL ||
	    (c = conf_load(p)) == NULL)
		abort();
	free(p);
	f->store = fz_store_new(f);
	if ((f->srv = server_new(c, f->store)) == NULL)
		abort();
	fz_the_srv = f;
	return f;
}

void
fz_srv_tick(struct fz_srv *f)
{
	if (++f->runs % FZ_STORE_RUNS != 0)
		return;
	store_close(f->store);
	f->store = f->srv->store = fz_store_new(f);
}
