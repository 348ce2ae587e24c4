/*	SPDX-License-Identifier: ISC */
/*
 * fuzz_api.c: libFuzzer target for what a caller of the admin API sends
 * to the admin layer's routes (issue #11 item 10): JSON bodies of the
 * state-changing POSTs (api_action.c) and query strings of the lists
 * (api_txn.c, api_audit.c, api_stats.c), through api_handle() over the
 * test server of fuzz_util.c, its store and its audit log included.
 *
 * Input: byte 0: the route (bits 0-2), the caller's role (bits 3-4:
 * viewer, operator, auditor, admin) and whether it is limited to the
 * profile "manual" (bit 5).  The rest: the body, or for a GET the query
 * ("a=1&b=2", split as libmicrohttpd would hand it over, unescaped).
 * A broken contract of api.h is a crash: every answer is one JSON
 * object with a status from 200 to 599, and an error has "error".
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api.h"
#include "fuzz.h"
#include "server.h"

static const struct {
	const char	*method, *path;
} fz_routes[8] = {
	{ "POST", "/challenges" },
	{ "POST", "/requests/1/reject" },
	{ "POST", "/certificates/4A/revoke" },
	{ "POST", "/requests/2/approve" },
	{ "GET", "/transactions" },
	{ "GET", "/audit" },
	{ "GET", "/stats" },
	{ "POST", "/reload" },
};

#define FZ_ARGS	16

struct fz_args {
	char	*k[FZ_ARGS], *v[FZ_ARGS];
	int	 n;
};

static const char *
fz_arg(void *cls, const char *name)
{
	struct fz_args	*a = cls;
	int		 i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->k[i], name) == 0)
			return a->v[i];
	return NULL;
}

/* "a=1&b=2" in place, as NUL-ended pairs. */
static void
fz_split(char *q, struct fz_args *a)
{
	char *e;

	memset(a, 0, sizeof(*a));
	for (; *q != '\0' && a->n < FZ_ARGS; q = e) {
		if ((e = strchr(q, '&')) != NULL)
			*e++ = '\0';
		else
			e = q + strlen(q);
		a->k[a->n] = q;
		if ((a->v[a->n] = strchr(q, '=')) != NULL)
			*a->v[a->n]++ = '\0';
		else
			a->v[a->n] = q + strlen(q);
		a->n++;
	}
}

static int
fz_reload(void *cls)
{
	return 0;
}

static void
fz_check(const struct api_resp *rs)
{
	json_t *j;

	if (rs->status < 200 || rs->status > 599 || rs->body == NULL ||
	    rs->len != strlen(rs->body))
		abort();
	if ((j = json_loadb(rs->body, rs->len, 0, NULL)) == NULL ||
	    !json_is_object(j) || (rs->status >= 400 &&
	    !json_is_string(json_object_get(j, "error"))))
		abort();
	json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_srv		*fs;
	struct api_identity	 who = { .name = "fuzz", .kind = "token" };
	struct api_req		 rq = { 0 };
	struct api_resp		 rs;
	struct fz_args		 a;
	char			*q = NULL;
	unsigned int		 sel;

	if (size < 1 || (fs = fz_srv()) == NULL)
		return 0;
	fz_srv_tick(fs);
	sel = data[0];
	who.role = API_ROLE_VIEWER + (int)((sel >> 3) & 3);
	if (sel & 0x20)
		snprintf(who.profiles, sizeof(who.profiles), "manual");
	rq.srv = fs->srv;
	rq.method = fz_routes[sel & 7].method;
	rq.path = fz_routes[sel & 7].path;
	rq.who = &who;
	rq.peer = "192.0.2.1";
	rq.reload = fz_reload;
	if (strcmp(rq.method, "GET") == 0) {
		if ((q = strndup((const char *)data + 1, size - 1)) == NULL)
			return 0;
		fz_split(q, &a);
		rq.arg = fz_arg;
		rq.argcls = &a;
	} else {
		rq.body = data + 1;
		rq.bodysz = size - 1;
	}
	api_handle(&rq, &rs);
	fz_check(&rs);
	free(rs.body);
	free(q);
	return 0;
}
