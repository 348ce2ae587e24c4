/*	SPDX-License-Identifier: ISC */
/*
 * testutil.h: fixtures shared by the unit drivers: temporary directories,
 * stderr capture, deterministic bytes, and real crypto objects built with
 * OpenSSL at test time (keys, certificates, PKCS#10 requests, SCEP
 * pkiMessages), so that no binary fixture needs to be checked in.
 * Every constructor returns a new object the caller frees, or NULL.
 */
#ifndef SCEPD_TESTUTIL_H
#define SCEPD_TESTUTIL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* A fresh private directory (caller frees the name, tu_rmrf removes it). */
char		*tu_tmpdir(void);
/* Remove "dir" and the files directly inside it; NULL is fine. */
void		 tu_rmrf(const char *dir);
/* "dir/name", malloc'd. */
char		*tu_path(const char *dir, const char *name);
/* Create or truncate "path" with "mode" (exactly, not masked). */
int		 tu_write(const char *path, const void *, size_t, mode_t);
int		 tu_write_str(const char *path, const char *, mode_t);

/*
 * Send stderr (fd 2) to a temporary file until tu_capture_end(), which
 * restores it and returns what was written (caller frees).
 */
struct tu_capture {
	int	 saved;		/* the real stderr */
	char	*path;		/* the capture file */
};
int		 tu_capture_begin(struct tu_capture *);
char		*tu_capture_end(struct tu_capture *);

/* "n" bytes from a small PRNG seeded with "seed": the same every run. */
void		 tu_fill(unsigned char *, size_t n, uint32_t seed);

/*
 * Load OpenSSL's "legacy" provider (single DES) next to "default", once.
 * 0 if it is available, -1 if not (the caller skips).
 */
int		 tu_legacy_provider(void);
void		 tu_legacy_provider_unload(void);

EVP_PKEY	*tu_key_rsa(int bits);
EVP_PKEY	*tu_key_ec(const char *curve);	/* "P-256", "secp256k1" */
EVP_PKEY	*tu_key_ed25519(void);

/*
 * A self-signed certificate for "key" named CN="cn"; with "ca" set it is
 * a CA (basicConstraints, keyCertSign, keyEncipherment for SCEP).
 */
X509		*tu_cert_self(EVP_PKEY *key, const char *cn, int ca);
/* A certificate for "key" signed by "issuer"/"ikey", with "serial". */
X509		*tu_cert_issue(EVP_PKEY *key, const char *cn, X509 *issuer,
		    EVP_PKEY *ikey, long serial);
/* PEM files: the key unencrypted. */
int		 tu_pem_key(const char *path, EVP_PKEY *, mode_t);
int		 tu_pem_cert(const char *path, X509 *, mode_t);
/* DER of an OpenSSL object, malloc'd. */
unsigned char	*tu_x509_der(X509 *, size_t *);
unsigned char	*tu_pubkey_der(EVP_PKEY *, size_t *);

/*
 * An unsigned PKCS#10 request for "key" with subject O=scepd tests,
 * CN="cn" ("cn" NULL: an empty subject).  Add attributes, then sign.
 */
X509_REQ	*tu_req_new(EVP_PKEY *key, const char *cn);
/* Sign with "md" (NULL for Ed25519) and return the DER, malloc'd. */
unsigned char	*tu_req_sign(X509_REQ *, EVP_PKEY *, const EVP_MD *,
		    size_t *);
/* Add a subjectAltName from an OpenSSL config string ("DNS:a,DNS:b"). */
int		 tu_req_add_san(X509_REQ *, const char *);

/*
 * What tu_pkimsg() builds: a SignedData over an EnvelopedData (RFC 8894
 * 3.2) of "content" to "recipient", signed by "signcert"/"signkey" with
 * the given signed attributes.  NULL "msgtype"/"txid" and noncesz 0
 * leave that attribute out.  Nothing is owned.
 */
struct tu_msg {
	X509			*signcert;
	EVP_PKEY		*signkey;
	const EVP_MD		*md;
	X509			*recipient;
	const EVP_CIPHER	*cipher;
	const unsigned char	*content;
	size_t			 contentsz;
	const char		*msgtype;
	const char		*txid;
	const unsigned char	*nonce;
	size_t			 noncesz;
	int			 flip_sig;	/* corrupt the signature */
};
unsigned char	*tu_pkimsg(const struct tu_msg *, size_t *);

#endif
