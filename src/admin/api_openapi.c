/*	SPDX-License-Identifier: ISC */
/*
 * api_openapi.c: GET /api/v1/openapi.json, the OpenAPI 3.0 description
 * of the whole API.  The bytes are docs/openapi.json, turned into a C
 * array at build time (cmake/embed.cmake), so the binary serves the
 * document of its own version.  Public (API_ROLE_NONE): it says only
 * what the repository already publishes, and clients and tools
 * (generators, Swagger UI) read it before they hold a token.
 */
#include <stdlib.h>
#include <string.h>

#include "api_local.h"

/* build/gen/api_openapi_doc.c */
extern const unsigned char	api_openapi_doc[];
extern const size_t		api_openapi_doc_len;

static void
api_openapi(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	if ((rs->body = malloc(api_openapi_doc_len + 1)) == NULL) {
		api_error(rs, 500, "out of memory");
		return;
	}
	memcpy(rs->body, api_openapi_doc, api_openapi_doc_len);
	rs->body[api_openapi_doc_len] = '\0';
	rs->len = api_openapi_doc_len;
	rs->status = 200;
	rs->ctype = "application/json";
}

static const struct api_route api_openapi_rows[] = {
	{ "GET", "/openapi.json", API_ROLE_NONE, api_openapi },
};

const struct api_table api_openapi_table = {
	api_openapi_rows, sizeof(api_openapi_rows) / sizeof(api_openapi_rows[0])
};
