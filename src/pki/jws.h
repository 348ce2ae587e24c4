/*	SPDX-License-Identifier: ISC */
/*
 * jws.h: the one signature scepd makes with a key that is not a CA's:
 * an Entra ID client assertion (RFC 7523 2.2, a JWS RS256 of RFC 7515
 * and 7518 3.3) for challenge.mode intune with a certificate
 * credential.  The caller builds header and claims (JSON, in enroll/);
 * this file only reads the application's certificate and key and signs.
 */
#ifndef SCEPD_JWS_H
#define SCEPD_JWS_H

#include <stddef.h>

/*
 * SHA-1 of the DER of the PEM certificate in "path" into "out" (20
 * bytes): the JWS header's "x5t" (RFC 7515 4.1.7).  0, or -1 (logged).
 */
int	jws_cert_sha1(const char *path, unsigned char *out);

/*
 * RSASSA-PKCS1-v1_5 with SHA-256 over "data" with the RSA key in the
 * private PEM file "path": *sig is malloc'd.  0, or -1 (logged).
 */
int	jws_rs256(const char *path, const void *data, size_t n,
	    unsigned char **sig, size_t *sigsz);

#endif
