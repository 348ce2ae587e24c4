/*	SPDX-License-Identifier: ISC */
/*
 * spki.h: RFC 5280 4.1 SubjectPublicKeyInfo as a plain ASN.1 structure,
 * for templates and parsers that must not decode the key inside.
 * OpenSSL 3.0 decodes every X509_PUBKEY it parses through its DECODER
 * framework (~80 us a key here, as much as a third of an RSA signature);
 * read as SCEPD_SPKI, the key stays bytes until someone asks for it.
 */
#ifndef SCEPD_SPKI_H
#define SCEPD_SPKI_H

#include <openssl/asn1.h>
#include <openssl/x509.h>

typedef struct {
	X509_ALGOR	*algorithm;
	ASN1_BIT_STRING	*subjectPublicKey;
} SCEPD_SPKI;

DECLARE_ASN1_FUNCTIONS(SCEPD_SPKI)

#endif
