/*	SPDX-License-Identifier: ISC */
/*
 * util.c: bounded buffers, lenient base64 around OpenSSL's decoder,
 * constant-time comparison, hex and small file helpers.
 * A leaf: depends on libc and libcrypto only.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "log.h"
#include "util.h"

int
buf_add(struct buf *b, const void *p, size_t n)
{
	unsigned char	*nd;
	size_t		 ncap;

	if (n > b->max - b->len)
		return -1;
	if (b->len + n > b->cap) {
		ncap = b->cap == 0 ? 4096 : b->cap;
		while (ncap < b->len + n)
			ncap = ncap > b->max / 2 ? b->max : ncap * 2;
		if ((nd = realloc(b->data, ncap)) == NULL)
			return -1;
		b->data = nd;
		b->cap = ncap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/*
 * Map one character to the standard alphabet: '-' and '_' are the
 * URL-safe spellings, ' ' is a '+' that a form decoder turned into a
 * space (RFC 8894 4.1 clients rarely escape '+').  Returns 0 to skip
 * the character (line breaks), -1 for a character base64 never has.
 */
static int
b64_norm(char c, char *out)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/') {
		*out = c;
		return 1;
	}
	switch (c) {
	case '-':
		*out = '+';
		return 1;
	case '_':
		*out = '/';
		return 1;
	case ' ':
		*out = '+';
		return 1;
	case '\r':
	case '\n':
	case '\t':
		return 0;
	default:
		return -1;
	}
}

int
b64_decode_lenient(const char *in, size_t inlen, unsigned char **out,
    size_t *outlen)
{
	char		*norm = NULL;
	unsigned char	*dec = NULL;
	size_t		 i, n = 0, pad = 0;
	int		 r, rc = -1;

	*out = NULL;
	*outlen = 0;
	if (inlen > SIZE_MAX / 2 - 4 || (norm = malloc(inlen + 4)) == NULL)
		goto out;
	for (i = 0; i < inlen; i++) {
		if (in[i] == '=') {
			/*
			 * Padding only at the very end.  How many '=' is
			 * not checked: the length decides, as for missing
			 * padding below.
			 */
			while (i < inlen && (in[i] == '=' || in[i] == '\r' ||
			    in[i] == '\n'))
				i++;
			if (i != inlen)
				goto out;
			break;
		}
		if ((r = b64_norm(in[i], &norm[n])) < 0)
			goto out;
		n += (size_t)r;
	}
	if (n == 0 || n % 4 == 1)
		goto out;
	while (n % 4 != 0) {
		norm[n++] = '=';
		pad++;
	}
	if ((dec = malloc(n / 4 * 3)) == NULL)
		goto out;
	if ((r = EVP_DecodeBlock(dec, (unsigned char *)norm, (int)n)) < 0)
		goto out;
	/* EVP_DecodeBlock counts the bytes behind the padding as data. */
	*outlen = (size_t)r - pad;
	*out = dec;
	dec = NULL;
	rc = 0;
 out:
	free(norm);
	free(dec);
	return rc;
}

int
ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	unsigned char	da[EVP_MAX_MD_SIZE], db[EVP_MAX_MD_SIZE];
	unsigned int	la = 0, lb = 0;

	/*
	 * Compare digests rather than the strings, so that neither a
	 * mismatched length nor the position of the first difference
	 * shows in the time taken.
	 */
	if (!EVP_Digest(a, alen, da, &la, EVP_sha256(), NULL) ||
	    !EVP_Digest(b, blen, db, &lb, EVP_sha256(), NULL))
		return 0;
	return CRYPTO_memcmp(da, db, la) == 0 && alen == blen;
}

int
hex_decode(const char *s, unsigned char *out, size_t n)
{
	size_t	i;
	int	hi, lo;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if ((hi = OPENSSL_hexchar2int((unsigned char)s[2 * i])) < 0 ||
		    (lo = OPENSSL_hexchar2int((unsigned char)s[2 * i + 1])) <
		    0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
sha256(const void *p, size_t n, unsigned char *out)
{
	return EVP_Digest(p, n, out, NULL, EVP_sha256(), NULL) ? 0 : -1;
}

static void
hex_digits(const unsigned char *p, size_t n, char *out, const char *digits)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

void
hex_encode(const unsigned char *p, size_t n, char *out)
{
	hex_digits(p, n, out, "0123456789ABCDEF");
}

void
hex_lower(const unsigned char *p, size_t n, char *out)
{
	hex_digits(p, n, out, "0123456789abcdef");
}

unsigned char *
file_read(const char *path, size_t max, size_t *len)
{
	struct buf	 b = { .max = max };
	unsigned char	 chunk[8192];
	ssize_t		 r;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 || buf_add(&b, chunk, (size_t)r) == -1) {
			if (r != -1)
				errno = EFBIG;
			close(fd);
			buf_free(&b);
			return NULL;
		}
	}
	close(fd);
	if (b.data == NULL && (b.data = malloc(1)) == NULL)
		return NULL;
	*len = b.len;
	return b.data;
}

int
file_write_new(const char *path, const void *p, size_t n, int mode)
{
	const unsigned char	*c = p;
	ssize_t			 w;
	int			 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd == -1)
		return -1;
	while (n > 0) {
		if ((w = write(fd, c, n)) == -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			unlink(path);
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		unlink(path);
		return -1;
	}
	return 0;
}

int
file_is_shared(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return -1;
	return (st.st_mode & (S_IRWXG | S_IRWXO)) != 0;
}

double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
rand_bytes(void *out, size_t n)
{
	return n <= INT_MAX && RAND_bytes(out, (int)n) == 1 ? 0 : -1;
}

int
hmac_sha256(const void *key, size_t keysz, const struct iovec *iov,
    size_t iovcnt, unsigned char *out)
{
	EVP_MAC		*mac = NULL;
	EVP_MAC_CTX	*ctx = NULL;
	OSSL_PARAM	 params[2];
	size_t		 n = 0, i;
	int		 rc = -1;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL ||
	    !EVP_MAC_init(ctx, key, keysz, params))
		goto out;
	for (i = 0; i < iovcnt; i++)
		if (!EVP_MAC_update(ctx, iov[i].iov_base, iov[i].iov_len))
			goto out;
	if (EVP_MAC_final(ctx, out, &n, HMAC_SHA256_LEN) &&
	    n == HMAC_SHA256_LEN)
		rc = 0;
 out:
	if (rc == -1)
		log_crypto("HMAC-SHA256");
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

char *
b64_encode(const void *p, size_t n)
{
	unsigned char	*s;

	if (n > (size_t)INT_MAX / 4 * 3 ||
	    (s = malloc(4 * ((n + 2) / 3) + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock(s, p, (int)n);
	return (char *)s;
}

int
rand_token(char *out, size_t n)
{
	static const char	 set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char		 r;
	size_t			 i = 0;

	/* Rejection sampling keeps every character equally likely. */
	while (i < n) {
		if (RAND_bytes(&r, 1) != 1)
			return -1;
		if (r < 248)	/* 248 = 4 * 62 */
			out[i++] = set[r % 62];
	}
	out[n] = '\0';
	return 0;
}

int
pem_print(FILE *fp, const char *label, const unsigned char *der, size_t n)
{
	unsigned char	 line[65];
	size_t		 i, chunk;

	fprintf(fp, "-----BEGIN %s-----\n", label);
	for (i = 0; i < n; i += chunk) {
		chunk = n - i > 48 ? 48 : n - i;
		EVP_EncodeBlock(line, der + i, (int)chunk);
		fprintf(fp, "%s\n", line);
	}
	fprintf(fp, "-----END %s-----\n", label);
	return ferror(fp) ? -1 : 0;
}
