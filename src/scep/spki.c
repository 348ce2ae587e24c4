/*	SPDX-License-Identifier: ISC */
/*
 * spki.c: the SCEPD_SPKI template (spki.h).  Uses OpenSSL only.
 */
#include <openssl/asn1t.h>

#include "spki.h"

ASN1_SEQUENCE(SCEPD_SPKI) = {
	ASN1_SIMPLE(SCEPD_SPKI, algorithm, X509_ALGOR),
	ASN1_SIMPLE(SCEPD_SPKI, subjectPublicKey, ASN1_BIT_STRING),
} ASN1_SEQUENCE_END(SCEPD_SPKI)

IMPLEMENT_ASN1_FUNCTIONS(SCEPD_SPKI)
