/*	SPDX-License-Identifier: ISC */
/*
 * fuzz_webhook.c: libFuzzer target for a webhook's answer (webhook.h:
 * a 2xx JSON object with a boolean "allow" and perhaps a "reason"), as
 * webhook_check() reads it once libcurl has the bytes:
 * webhook_verdict_parse().  The reason may come from the remote
 * service and ends up in logs and replies: it must be NUL-terminated,
 * within its buffer, and free of control characters.
 *
 * Input: byte 0 the HTTP status (from a table), byte 1 the size of the
 * reason buffer (0 to 255, and 256 for 0xff); the rest is the answer.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util.h"
#include "webhook.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long	 status[] = { 200, 201, 204, 299, 300, 199,
	    302, 400, 403, 500, 0, -1, 100000 };
	struct buf		 b = { 0 };
	enum webhook_verdict	 v;
	char			 reason[257];
	size_t			 rsz, i;

	if (size < 2)
		return 0;
	rsz = data[1] == 0xff ? 256 : data[1];
	b.data = (unsigned char *)data + 2;
	b.len = b.cap = b.max = size - 2;
	memset(reason, 'Z', sizeof(reason));
	v = webhook_verdict_parse(status[data[0] % (sizeof(status) /
	    sizeof(status[0]))], &b, reason, rsz);
	if (v != WEBHOOK_ALLOW && v != WEBHOOK_DENY && v != WEBHOOK_ERROR)
		abort();
	if (reason[rsz] != 'Z')		/* wrote past "reasonsz" */
		abort();
	if (rsz == 0)
		return 0;
	if (memchr(reason, '\0', rsz) == NULL)
		abort();
	for (i = 0; reason[i] != '\0'; i++)
		if ((unsigned char)reason[i] < 0x20 || reason[i] == 0x7f)
			abort();
	if (v == WEBHOOK_ALLOW && reason[0] != '\0')
		abort();
	return 0;
}
