/*	SPDX-License-Identifier: ISC */
/*
 * test_util.c: util.c's leaves.  Lenient base64 as SCEP GET clients send
 * it (RFC 8894 4.1), constant-time comparison, hex, bounded buffers
 * (checklist: every input has a ceiling), random tokens, file helpers.
 */
#include <sys/stat.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "testutil.h"
#include "util.h"

/* Decode "in" and compare with "want" (wantsz bytes). */
static void
b64_ok(const char *in, const void *want, size_t wantsz)
{
	unsigned char	*out = NULL;
	size_t		 outsz = 0;

	if (b64_decode_lenient(in, strlen(in), &out, &outsz) != 0)
		fail_msg("b64_decode_lenient(\"%s\") failed", in);
	assert_non_null(out);
	assert_int_equal(outsz, wantsz);
	assert_memory_equal(out, want, wantsz);
	free(out);
}

static void
b64_bad(const char *in, size_t inlen)
{
	unsigned char	*out = (unsigned char *)"x";
	size_t		 outsz = 99;

	if (b64_decode_lenient(in, inlen, &out, &outsz) != -1)
		fail_msg("b64_decode_lenient(\"%.*s\") accepted", (int)inlen,
		    in);
	assert_null(out);
	assert_int_equal(outsz, 0);
}

static void
test_b64_standard(void **state)
{
	b64_ok("aGVsbG8gd29ybGQ=", "hello world", 11);
	b64_ok("aGVsbG8gd29ybA==", "hello worl", 10);
	b64_ok("aGVsbG8gd29y", "hello wor", 9);
	b64_ok("+/+/", "\xfb\xff\xbf", 3);
	b64_ok("AA==", "\0", 1);
}

static void
test_b64_urlsafe(void **state)
{
	b64_ok("-_-_", "\xfb\xff\xbf", 3);
	b64_ok("-/+_", "\xfb\xff\xbf", 3);	/* mixed alphabets */
}

static void
test_b64_linebreaks(void **state)
{
	b64_ok("aGVs\r\nbG8g\r\nd29y\r\nbGQ=\r\n", "hello world", 11);
	b64_ok("aGVs\nbG8g\nd29ybGQ=\n", "hello world", 11);
	b64_ok("aGVsbG8g\td29ybGQ=", "hello world", 11);
	b64_ok("aGVsbG8gd29ybGQ=\r\n", "hello world", 11);
}

static void
test_b64_space_is_plus(void **state)
{
	/* A form decoder turned each '+' into ' ' (RFC 8894 4.1 clients). */
	b64_ok(" / /", "\xfb\xff\xbf", 3);
	b64_ok(" /+/", "\xfb\xff\xbf", 3);
}

static void
test_b64_no_padding(void **state)
{
	b64_ok("aGVsbG8gd29ybGQ", "hello world", 11);	/* n % 4 == 3 */
	b64_ok("aGVsbG8gd29ybA", "hello worl", 10);	/* n % 4 == 2 */
	b64_ok("AA", "\0", 1);
}

static void
test_b64_garbage(void **state)
{
	b64_bad("aGVs*G8=", 8);
	b64_bad("aGVs.bG8", 8);
	b64_bad("aGVsbG8%2B", 10);	/* still percent-encoded */
	b64_bad("aGVs\0bG8", 8);	/* NUL inside */
	b64_bad("aGVs\xc3\xa4G8", 9);	/* non-ASCII */
	b64_bad("", 0);
	b64_bad("\r\n", 2);
	b64_bad("====", 4);
}

static void
test_b64_len_mod4_is_1(void **state)
{
	b64_bad("aGVsb", 5);
	b64_bad("a", 1);
	b64_bad("aGVsbG8gd\r\n", 11);	/* 9 characters that count */
	b64_bad("aGVsb=", 6);
}

static void
test_b64_padding_in_middle(void **state)
{
	b64_bad("aGU=aGVs", 8);
	b64_bad("aG==aGVs", 8);
	b64_bad("aGU=\r\naGU=", 10);
	b64_bad("=aGVs", 5);
}

/* Round trips of pseudo-random data through every client spelling. */
static void
test_b64_roundtrip(void **state)
{
	unsigned char	 raw[1000], *out;
	char		*enc, *sp;
	size_t		 n, i, j, k, outsz;

	for (n = 1; n <= sizeof(raw); n += 37) {
		tu_fill(raw, n, (uint32_t)n);
		enc = malloc(4 * ((n + 2) / 3) + 1);
		sp = malloc(2 * (4 * ((n + 2) / 3)) + 1);
		assert_non_null(enc);
		assert_non_null(sp);
		EVP_EncodeBlock((unsigned char *)enc, raw, (int)n);
		/* URL-safe, no padding, CRLF every 64, '+' as ' '. */
		for (i = j = k = 0; enc[i] != '\0' && enc[i] != '='; i++) {
			sp[j++] = enc[i] == '+' ? (k % 2 ? ' ' : '-') :
			    enc[i] == '/' ? '_' : enc[i];
			if (enc[i] == '+')
				k++;
			if ((i + 1) % 64 == 0) {
				sp[j++] = '\r';
				sp[j++] = '\n';
			}
		}
		sp[j] = '\0';
		assert_int_equal(b64_decode_lenient(enc, strlen(enc), &out,
		    &outsz), 0);
		assert_int_equal(outsz, n);
		assert_memory_equal(out, raw, n);
		free(out);
		assert_int_equal(b64_decode_lenient(sp, j, &out, &outsz), 0);
		assert_int_equal(outsz, n);
		assert_memory_equal(out, raw, n);
		free(out);
		free(enc);
		free(sp);
	}
}

static void
test_ct_equal(void **state)
{
	assert_true(ct_equal("abc", 3, "abc", 3));
	assert_false(ct_equal("abc", 3, "abd", 3));
	assert_false(ct_equal("abc", 3, "Abc", 3));
	assert_false(ct_equal("abc", 3, "abcd", 4));
	assert_false(ct_equal("abcd", 4, "abc", 3));
	assert_false(ct_equal("abc", 3, "", 0));
	assert_true(ct_equal("", 0, "", 0));
	/* Lengths are compared too, not only the bytes both share. */
	assert_false(ct_equal("abc", 2, "abc", 3));
	assert_true(ct_equal("a\0b", 3, "a\0b", 3));
	assert_false(ct_equal("a\0b", 3, "a\0c", 3));
}

static void
test_hex_encode(void **state)
{
	const unsigned char	 in[] = { 0x00, 0xab, 0xff, 0x10, 0x9c };
	char			 out[16];

	memset(out, 'Z', sizeof(out));
	hex_encode(in, sizeof(in), out);
	assert_string_equal(out, "00ABFF109C");
	assert_int_equal(out[11], 'Z');		/* 2n + 1 bytes, no more */

	memset(out, 'Z', sizeof(out));
	hex_encode(in, 0, out);
	assert_string_equal(out, "");
	assert_int_equal(out[1], 'Z');
}

static void
test_buf_limits(void **state)
{
	struct buf	 b = { .max = 10 };
	unsigned char	*data;
	size_t		 cap;

	assert_int_equal(buf_add(&b, "abcdef", 6), 0);
	assert_int_equal(b.len, 6);
	data = b.data;
	cap = b.cap;

	/* Over the ceiling: refused, and the buffer is exactly as it was. */
	assert_int_equal(buf_add(&b, "ghijk", 5), -1);
	assert_int_equal(b.len, 6);
	assert_ptr_equal(b.data, data);
	assert_int_equal(b.cap, cap);
	assert_memory_equal(b.data, "abcdef", 6);
	assert_int_equal(buf_add(&b, "x", SIZE_MAX), -1);
	assert_int_equal(b.len, 6);

	assert_int_equal(buf_add(&b, "ghij", 4), 0);	/* exactly max */
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.data, "abcdefghij", 10);
	assert_int_equal(buf_add(&b, "", 0), 0);
	assert_int_equal(buf_add(&b, "k", 1), -1);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.data, "abcdefghij", 10);

	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
}

static void
test_buf_grow(void **state)
{
	struct buf	 b = { .max = 100000 };
	unsigned char	 chunk[999], *want;
	size_t		 off = 0;

	want = malloc(b.max);
	assert_non_null(want);
	tu_fill(want, b.max, 7);
	/* Many growth steps, up to the last byte the ceiling allows. */
	while (off < b.max) {
		size_t n = b.max - off < sizeof(chunk) ? b.max - off :
		    sizeof(chunk);

		memcpy(chunk, want + off, n);
		assert_int_equal(buf_add(&b, chunk, n), 0);
		off += n;
		assert_int_equal(b.len, off);
		assert_true(b.cap >= b.len);
		assert_true(b.cap <= b.max || b.cap == 4096);
	}
	assert_memory_equal(b.data, want, b.max);
	assert_int_equal(buf_add(&b, chunk, 1), -1);
	assert_int_equal(b.len, b.max);
	buf_free(&b);
	free(want);
}

static void
test_rand_token(void **state)
{
	static const char	 alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789";
	char			 tok[65], prev[65];
	int			 seen[256] = { 0 };
	size_t			 i, j, nseen = 0;

	prev[0] = '\0';
	for (i = 0; i < 200; i++) {
		memset(tok, 'Z', sizeof(tok));
		assert_int_equal(rand_token(tok, 64), 0);
		assert_int_equal(strlen(tok), 64);
		for (j = 0; j < 64; j++) {
			if (strchr(alpha, tok[j]) == NULL)
				fail_msg("character 0x%02x outside [A-Za-z0-9]",
				    (unsigned char)tok[j]);
			if (!seen[(unsigned char)tok[j]]++)
				nseen++;
		}
		assert_string_not_equal(tok, prev);
		memcpy(prev, tok, sizeof(prev));
	}
	/* 12800 draws: every one of the 62 characters shows up. */
	assert_int_equal(nseen, 62);

	memset(tok, 'Z', sizeof(tok));
	assert_int_equal(rand_token(tok, 0), 0);
	assert_string_equal(tok, "");
	assert_int_equal(rand_token(tok, 1), 0);
	assert_int_equal(strlen(tok), 1);
}

static void
test_files(void **state)
{
	char		*dir, *p, *big;
	unsigned char	*got;
	size_t		 n = 0;

	assert_non_null(dir = tu_tmpdir());
	assert_non_null(p = tu_path(dir, "f"));

	assert_int_equal(file_write_new(p, "secret\n", 7, 0600), 0);
	assert_int_equal(file_is_shared(p), 0);
	/* O_EXCL: never overwrite. */
	assert_int_equal(file_write_new(p, "other", 5, 0600), -1);
	assert_non_null(got = file_read(p, 100, &n));
	assert_int_equal(n, 7);
	assert_memory_equal(got, "secret\n", 7);
	free(got);
	/* Over the ceiling. */
	errno = 0;
	assert_null(file_read(p, 6, &n));
	assert_int_equal(errno, EFBIG);
	assert_non_null(got = file_read(p, 7, &n));
	free(got);
	assert_int_equal(chmod(p, 0640), 0);
	assert_int_equal(file_is_shared(p), 1);
	assert_int_equal(chmod(p, 0604), 0);
	assert_int_equal(file_is_shared(p), 1);
	unlink(p);
	assert_int_equal(file_is_shared(p), -1);
	assert_null(file_read(p, 100, &n));

	/* Empty files read as zero bytes, not as an error. */
	assert_int_equal(file_write_new(p, "", 0, 0600), 0);
	assert_non_null(got = file_read(p, 100, &n));
	assert_int_equal(n, 0);
	free(got);
	unlink(p);

	/* Larger than one read(2) chunk. */
	assert_non_null(big = malloc(20000));
	tu_fill((unsigned char *)big, 20000, 3);
	assert_int_equal(file_write_new(p, big, 20000, 0600), 0);
	assert_non_null(got = file_read(p, 20000, &n));
	assert_int_equal(n, 20000);
	assert_memory_equal(got, big, 20000);
	free(got);
	assert_null(file_read(p, 19999, &n));
	free(big);

	free(p);
	tu_rmrf(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_standard),
		cmocka_unit_test(test_b64_urlsafe),
		cmocka_unit_test(test_b64_linebreaks),
		cmocka_unit_test(test_b64_space_is_plus),
		cmocka_unit_test(test_b64_no_padding),
		cmocka_unit_test(test_b64_garbage),
		cmocka_unit_test(test_b64_len_mod4_is_1),
		cmocka_unit_test(test_b64_padding_in_middle),
		cmocka_unit_test(test_b64_roundtrip),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_hex_encode),
		cmocka_unit_test(test_buf_limits),
		cmocka_unit_test(test_buf_grow),
		cmocka_unit_test(test_rand_token),
		cmocka_unit_test(test_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
