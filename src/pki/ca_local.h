/*	SPDX-License-Identifier: ISC */
/*
 * ca_local.h: what ca.c lends ca_make.c, and nobody else: loading key
 * and certificate files, a random serial, one extension, and signing a
 * service certificate with the CA key (which stays in ca.c).
 * Uses OpenSSL types: include it from src/pki only.
 */
#ifndef SCEPD_CA_LOCAL_H
#define SCEPD_CA_LOCAL_H

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca.h"

/* A private key through OSSL_STORE; refuses a group- or world-readable file. */
EVP_PKEY	*ca_key_load(const char *path);
/* Every certificate of a PEM file, in file order; NULL (logged). */
STACK_OF(X509)	*ca_certs_load(const char *path);
#define CA_SERIAL_BYTES	16	/* 126 random bits: RFC 5280 wants 64+ */
/* A positive serial of CA_SERIAL_BYTES random bytes, as hex too. 0/-1. */
int		 ca_serial(X509 *, char *hex);
/* Add one extension from its X509V3 text.  0/-1. */
int		 ca_ext(X509 *, X509V3_CTX *, int nid, const char *value);
/* Sign "x" with the CA key (ca_make.c's service certificates).  0/-1. */
int		 ca_cert_sign(const struct ca *, X509 *, const EVP_MD *);

#endif
