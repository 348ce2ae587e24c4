/*	SPDX-License-Identifier: ISC */
/*
 * jws.c: the RS256 signature of an Entra ID client assertion (RFC 7515
 * 5.1, RFC 7518 3.3) and its certificate's thumbprint.  The key is the
 * Entra application's, read from its file for each signature (tokens
 * are fetched about once an hour), and never a CA's.
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "jws.h"
#include "log.h"

int
jws_cert_sha1(const char *path, unsigned char *out)
{
	FILE		*fp;
	X509		*x = NULL;
	unsigned int	 n = 0;
	int		 rc = -1;

	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	if ((x = PEM_read_X509(fp, NULL, NULL, NULL)) == NULL)
		log_crypto("%s: not a PEM certificate", path);
	else if (!X509_digest(x, EVP_sha1(), out, &n) || n != 20)
		log_crypto("%s: SHA-1", path);
	else
		rc = 0;
	X509_free(x);
	fclose(fp);
	return rc;
}

int
jws_rs256(const char *path, const void *data, size_t n, unsigned char **sig,
    size_t *sigsz)
{
	FILE		*fp;
	EVP_PKEY	*pk = NULL;
	EVP_MD_CTX	*md = NULL;
	unsigned char	*s = NULL;
	size_t		 len = 0;
	int		 rc = -1;

	*sig = NULL;
	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	if ((pk = PEM_read_PrivateKey(fp, NULL, NULL, NULL)) == NULL) {
		log_crypto("%s: not a PEM private key", path);
		goto out;
	}
	/* RFC 7518 3.3: RS256 is RSA only. */
	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
		log_warnx("%s: RFC 7518 3.3: RS256 needs an RSA key", path);
		goto out;
	}
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk) != 1 ||
	    EVP_DigestSign(md, NULL, &len, data, n) != 1 ||
	    (s = malloc(len)) == NULL ||
	    EVP_DigestSign(md, s, &len, data, n) != 1) {
		log_crypto("%s: RS256 signature", path);
		goto out;
	}
	*sig = s;
	*sigsz = len;
	s = NULL;
	rc = 0;
 out:
	free(s);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	fclose(fp);
	return rc;
}
