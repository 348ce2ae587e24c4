/*	SPDX-License-Identifier: ISC */
/*
 * fuzz_intune.c: libFuzzer target for what Entra ID, Graph and Intune
 * answer (intune_json.c): a token answer, Graph's list of endpoints, a
 * {"code"} answer, the revocation queue and the upload's answer.  Text
 * from the answer ends up in logs: every string read must be
 * NUL-terminated within its buffer and free of control characters; a
 * service URL must be https; a verdict one of three.
 *
 * Input: byte 0 picks the reader and the HTTP status (from a table);
 * the rest is the answer.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "intune.h"
#include "util.h"

/* A NUL within "sz" bytes, and no control character before it. */
static void
clean(const char *s, size_t sz)
{
	const char	*end = memchr(s, '\0', sz);

	if (end == NULL)
		abort();
	for (; s < end; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
}

static void
check_result(const struct intune_result *r)
{
	clean(r->code, sizeof(r->code));
	clean(r->desc, sizeof(r->desc));
}

static void
check_uri(const char *u)
{
	clean(u, INTUNE_URI_MAX);
	if (*u != '\0' && strncmp(u, "https://", 8) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long		 status[] = { 200, 201, 204, 299, 300,
	    401, 403, 500, 0, -1 };
	static struct intune_revocation	 v[8];
	struct intune_result		 r;
	struct buf			 b = { 0 };
	char				 s[INTUNE_URI_MAX], p[INTUNE_URI_MAX];
	char				*tok = NULL;
	int64_t				 life;
	size_t				 n, i;
	long				 st;

	if (size < 1)
		return 0;
	st = status[(data[0] >> 3) % (sizeof(status) / sizeof(status[0]))];
	b.data = (unsigned char *)data + 1;
	b.len = b.cap = b.max = size - 1;
	memset(&r, 0, sizeof(r));
	switch (data[0] & 7) {
	case 0:
		if (intune_json_token(st, &b, &tok, &life, &r) == 0 &&
		    (tok == NULL || life <= 0 || strpbrk(tok, " \r\n") != NULL))
			abort();
		free(tok);
		break;
	case 1:
		if (intune_json_services(&b, s, p, &r) == 0) {
			check_uri(s);
			check_uri(p);
		}
		break;
	case 2:
		intune_json_code(st, &b, &r);
		if (r.verdict != INTUNE_OK && r.verdict != INTUNE_REFUSED &&
		    r.verdict != INTUNE_ERROR)
			abort();
		if (r.verdict == INTUNE_OK && (st < 200 || st > 299 ||
		    strcmp(r.code, INTUNE_CODE_SUCCESS) != 0))
			abort();
		break;
	case 3:
		if (intune_json_revocations(&b, v, 8, &n, &r) == 0) {
			if (n > 8)
				abort();
			for (i = 0; i < n; i++) {
				clean(v[i].serial, sizeof(v[i].serial));
				clean(v[i].issuer, sizeof(v[i].issuer));
				if (memchr(v[i].context, '\0',
				    sizeof(v[i].context)) == NULL ||
				    v[i].context[0] == '\0')
					abort();
			}
			/* What was read can be answered. */
			free(intune_json_upload(v, n));
		}
		break;
	default:
		(void)intune_json_uploaded(&b, &r);
		break;
	}
	check_result(&r);
	return 0;
}
