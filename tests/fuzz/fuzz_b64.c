/*	SPDX-License-Identifier: ISC */
/*
 * fuzz_b64.c: libFuzzer target for b64_decode_lenient(), the decoder of
 * SCEP GET "message=" values (RFC 8894 4.1).  Whatever it accepts must
 * fit the input's size and survive a strict re-encode and decode.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "fuzz.h"
#include "util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	*out = NULL, *again = NULL, *enc = NULL;
	size_t		 outsz = 0, againsz = 0;

	if (b64_decode_lenient((const char *)data, size, &out, &outsz) ==
	    -1) {
		if (out != NULL || outsz != 0)
			abort();
		return 0;
	}
	if (out == NULL || outsz == 0 || outsz > size / 4 * 3 + 2)
		abort();
	if ((enc = malloc(4 * ((outsz + 2) / 3) + 1)) == NULL)
		abort();
	EVP_EncodeBlock(enc, out, (int)outsz);
	if (b64_decode_lenient((const char *)enc, strlen((char *)enc), &again,
	    &againsz) == -1 || againsz != outsz ||
	    memcmp(again, out, outsz) != 0)
		abort();
	free(enc);
	free(again);
	free(out);
	return 0;
}
