/*	SPDX-License-Identifier: ISC */
/*
 * fuzz_issuer.c: libFuzzer target for the decrypted messageData of
 * CertPoll (RFC 8894 3.3.3 IssuerAndSubject) and of GetCert and GetCRL
 * (3.3.4 IssuerAndSerialNumber): scep_issuer_subject() and
 * scep_issuer_serial() on the same bytes, with a serial buffer of the
 * size the engine gives and of a few smaller ones.  fuzz_engine reaches
 * them through the engine; this one is cheap, so it runs far more.
 * A broken contract of scep.h is a crash: abort().
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "fuzz.h"
#include "scep.h"
#include "store.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t	 sizes[] = { STORE_SERIAL_MAX + 1, 1, 3, 8 };
	X509_NAME		*issuer, *subject;
	char			 serial[STORE_SERIAL_MAX + 8];
	size_t			 i, n;

	if (scep_issuer_subject(data, size, &issuer, &subject) == 0) {
		if (issuer == NULL || subject == NULL)
			abort();
	} else if (issuer != NULL || subject != NULL)
		abort();
	X509_NAME_free(issuer);
	X509_NAME_free(subject);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(serial, 'Z', sizeof(serial));
		if (scep_issuer_serial(data, size, &issuer, serial,
		    sizes[i]) == -1) {
			if (issuer != NULL)
				abort();
			continue;
		}
		/* Upper-case hex, NUL-terminated inside the buffer. */
		if (issuer == NULL || (n = strnlen(serial, sizes[i])) ==
		    sizes[i] || n == 0 ||
		    strspn(serial, "0123456789ABCDEF") != n)
			abort();
		X509_NAME_free(issuer);
	}
	ERR_clear_error();
	return 0;
}
