/*	SPDX-License-Identifier: ISC */
/*
 * util.h: leaves used everywhere: bounded buffers, lenient base64 for
 * SCEP's GET transport, constant-time comparison, hex, files.
 * Return convention: 0 ok, -1 failure; constructors return NULL.
 */
#ifndef SCEPD_UTIL_H
#define SCEPD_UTIL_H

#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * A growable byte buffer that never grows past "max".  On failure the
 * buffer is left exactly as it was.  Free "data" with buf_free().
 */
struct buf {
	unsigned char	*data;
	size_t		 len;
	size_t		 cap;
	size_t		 max;
};
int	 buf_add(struct buf *, const void *, size_t);
void	 buf_free(struct buf *);

/*
 * Decode SCEP GET base64 as real clients send it: standard or URL-safe
 * alphabet, line breaks, spaces where '+' was, missing padding.
 * Anything else is an error.  *out is malloc'd.
 */
int	 b64_decode_lenient(const char *, size_t, unsigned char **, size_t *);

/* Equal contents, in time that depends on neither content nor lengths. */
int	 ct_equal(const void *, size_t, const void *, size_t);

/* "out" receives 2 * n + 1 bytes: upper-case hex and a NUL. */
void	 hex_encode(const unsigned char *, size_t, char *);
void	 hex_lower(const unsigned char *, size_t, char *);	/* the same */
/* Exactly "n" bytes from 2 * n hex digits (any case); -1 otherwise. */
int	 hex_decode(const char *, unsigned char *, size_t n);
/* SHA-256 of "p" into "out" (32 bytes): challenges are kept hashed. */
int	 sha256(const void *p, size_t n, unsigned char *out);

/* Whole file into memory, refusing files over "max" bytes. */
unsigned char	*file_read(const char *, size_t max, size_t *);
/* Write a new file with "mode", failing if it exists (O_EXCL). */
int	 file_write_new(const char *, const void *, size_t, int mode);
/* Is the file readable by group or others? -1 on stat failure. */
int	 file_is_shared(const char *);

/* "n" bytes from the CSPRNG.  0/-1. */
int	 rand_bytes(void *, size_t n);
#define HMAC_SHA256_LEN	32
/*
 * HMAC-SHA256 under "key" of the "iovcnt" parts of "iov" in order, into
 * "out" (HMAC_SHA256_LEN bytes).  0, or -1 (logged).
 */
int	 hmac_sha256(const void *key, size_t keysz, const struct iovec *iov,
	    size_t iovcnt, unsigned char *out);
/* Standard base64 of "n" bytes, one line, malloc'd; NULL if no memory. */
char	*b64_encode(const void *, size_t n);
/* "n" random characters from [A-Za-z0-9] and a NUL, from the CSPRNG. */
int	 rand_token(char *, size_t n);
/* PEM armour ("-----BEGIN <label>-----") around DER, to "fp". */
int	 pem_print(FILE *, const char *label, const unsigned char *,
	    size_t);

/* Monotonic milliseconds, for durations. */
double	 now_ms(void);

#endif
