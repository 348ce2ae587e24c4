/*	SPDX-License-Identifier: ISC */
/*
 * api_profile.c: what the admin API says about the SCEP service itself
 * (issue #11 item 4): GET /profiles (URL, CA, RA and CA fingerprints in
 * SHA-256 and, for Apple, SHA-1, capabilities, template, challenge and
 * approval modes), GET /profiles/{name}/mobileconfig (what "scepd
 * mobileconfig" writes, made by apple/mobileconfig_profile.c) and
 * GET /cas (name, subject, fingerprints, validity, CRL number).  Role
 * viewer.  A token limited to profiles sees those and their CAs only;
 * another profile is 404.  No secret leaves: not the static challenge,
 * not a webhook's secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_local.h"
#include "api_query.h"
#include "ca.h"
#include "mobileconfig.h"
#include "x509_desc.h"

static const char *const api_challenge_modes[] = {
	[CONF_CHALLENGE_NONE] = "none",
	[CONF_CHALLENGE_STATIC] = "static",
	[CONF_CHALLENGE_DYNAMIC] = "dynamic",
	[CONF_CHALLENGE_WEBHOOK] = "webhook",
};

static const char *const api_subject_modes[] = {
	[CONF_SUBJECT_KEEP] = "keep",
	[CONF_SUBJECT_REQUIRE] = "require",
	[CONF_SUBJECT_OVERRIDE] = "override",
};

static const char *const api_getcacert_modes[] = {
	[CONF_GETCACERT_AUTO] = "auto",
	[CONF_GETCACERT_CA] = "ca",
	[CONF_GETCACERT_CHAIN] = "chain",
};

static const char *
api_mode(const char *const *names, size_t n, int v)
{
	return v >= 0 && (size_t)v < n && names[v] != NULL ? names[v] : "?";
}
#define API_MODE(names, v) \
	api_mode((names), sizeof(names) / sizeof((names)[0]), (v))

static json_t *
api_jstr_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? api_jstr(s) : json_null();
}

/* {subject, not_before, not_after, fingerprints} of a certificate. */
static json_t *
api_cert_brief(const unsigned char *der, size_t len)
{
	struct x509_desc	 d;
	json_t			*j;

	if (der == NULL || x509_desc_cert(der, len, &d) == -1)
		return json_null();
	j = json_pack("{s:o, s:s, s:o, s:o, s:{s:s, s:i, s:o}, "
	    "s:{s:s, s:s}}",
	    "subject", api_jstr(d.subject),
	    "serial", d.serial,
	    "not_before", api_jtime(d.not_before),
	    "not_after", api_jtime(d.not_after),
	    "key", "type", d.key_type, "bits", d.key_bits,
	    "curve", api_jstr_or_null(d.key_curve),
	    "fingerprints", "sha256", d.sha256, "sha1", d.sha1);
	x509_desc_clear(&d);
	return j;
}

static json_t *
api_ra_brief(const struct server_ca *sca)
{
	unsigned char	*der = NULL;
	size_t		 len = 0;
	json_t		*j;

	if (ca_ra_der(sca->ca, &der, &len) == -1)
		return NULL;
	j = der == NULL ? json_null() : api_cert_brief(der, len);
	free(der);
	return j;
}

/* GetCACaps' body, one capability a line, as an array. */
static json_t *
api_caps(const char *caps)
{
	json_t		*a = json_array();
	const char	*e;

	for (; a != NULL && caps != NULL && *caps != '\0'; caps = e + 1) {
		if ((e = strchr(caps, '\n')) == NULL)
			e = caps + strlen(caps);
		if (e > caps)
			json_array_append_new(a, json_stringn(caps,
			    (size_t)(e - caps)));
		if (*e == '\0')
			break;
	}
	return a;
}

static json_t *
api_san_types(int copy)
{
	static const struct { int bit; const char *name; } t[] = {
		{ CONF_SAN_DNS, "dns" }, { CONF_SAN_EMAIL, "email" },
		{ CONF_SAN_URI, "uri" }, { CONF_SAN_IP, "ip" },
		{ CONF_SAN_OTHER, "other" },
	};
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; a != NULL && i < sizeof(t) / sizeof(t[0]); i++)
		if (copy & t[i].bit)
			json_array_append_new(a, json_string(t[i].name));
	return a;
}

/* The certificate template, as an operator reads the config. */
static json_t *
api_template(const struct conf_cert *tc)
{
	return json_pack("{s:i, s:o, s:o, s:o, s:s, s:o, s:o, s:i, s:o, s:o}",
	    "validity_days", tc->validity_days,
	    "key_usage", api_jstr_or_null(tc->key_usage),
	    "extended_key_usage", api_jstr_or_null(tc->eku),
	    "digest", api_jstr_or_null(tc->digest),
	    "subject_mode", API_MODE(api_subject_modes, tc->subject_mode),
	    "subject_value", api_jstr_or_null(tc->subject_value),
	    "san_copy", api_san_types(tc->san_copy),
	    "max_active_per_subject", tc->max_active,
	    "crl_url", api_jstr_or_null(tc->crl_url),
	    "ocsp_url", api_jstr_or_null(tc->ocsp_url));
}

static json_t *
api_profile_json(const struct server *srv, const struct server_profile *sp)
{
	const struct conf_profile	*pc = sp->conf;
	char				*url, path[STORE_NAME_MAX + 8];
	json_t				*j;
	int				 dflt = sp == &srv->profiles[0];

	snprintf(path, sizeof(path), "/scep%s%s", dflt ? "" : "/",
	    dflt ? "" : pc->name);
	url = srv->conf->public_url == NULL ? NULL :
	    mobileconfig_profile_url(srv->conf->public_url, NULL, pc->name,
	    dflt);
	j = json_pack("{s:o, s:b, s:o, s:s, s:o, s:o, s:s, s:{s:b, s:b, "
	    "s:s}, s:o, s:s, s:o, s:o, s:o, s:{s:b, s:b}, s:{s:i, s:b, s:b}}",
	    "name", api_jstr(pc->name),
	    "enabled", pc->enabled,
	    "disabled_reason", api_jstr_or_null(pc->disabled_reason),
	    "url_path", path,
	    "url", api_jstr_or_null(url),
	    "ca", api_jstr(sp->sca->conf->name),
	    "challenge_mode", API_MODE(api_challenge_modes,
	    pc->policy.challenge_mode),
	    "approval", "manual", pc->policy.manual, "rules",
	    pc->policy.rules, "otherwise", pc->policy.otherwise ==
	    CONF_OTHERWISE_REJECT ? "reject" : "pending",
	    "capabilities", api_caps(sp->caps),
	    "getcacert", API_MODE(api_getcacert_modes, pc->getcacert),
	    "ca_certificate", api_cert_brief(sp->sca->cader,
	    sp->sca->caderlen),
	    "ra_certificate", api_ra_brief(sp->sca),
	    "template", api_template(&pc->cert),
	    "keys", "rsa", (pc->policy.key_types & CONF_KEY_RSA) != 0,
	    "ec", (pc->policy.key_types & CONF_KEY_EC) != 0,
	    "renewal", "window_days", pc->policy.renew_window,
	    "allow_subject_change", pc->policy.renew_subject,
	    "allow_same_key", pc->policy.renew_same_key);
	free(url);
	return j;
}

static void
api_profile_list(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	static const char *const none[] = { NULL };
	json_t	*items;
	size_t	 i;

	if (api_args_known(rq, rs, none) == -1)
		return;
	if ((items = json_array()) == NULL)
		goto oom;
	for (i = 0; i < rq->srv->nprofiles; i++)
		if (api_profile_allowed(rq->who,
		    rq->srv->profiles[i].conf->name) &&
		    json_array_append_new(items, api_profile_json(rq->srv,
		    &rq->srv->profiles[i])) == -1)
			goto oom;
	api_reply(rs, 200, json_pack("{s:o}", "items", items));
	return;
 oom:
	json_decref(items);
	api_error(rs, 500, "out of memory");
}

/* The profile named "name" if "who" may see it, else NULL (a 404). */
static const struct server_profile *
api_profile_find(const struct api_req *rq, struct api_resp *rs,
    const char *name)
{
	const struct server_profile *sp;

	sp = server_profile(rq->srv, name, strlen(name));
	if (*name == '\0' || sp == NULL ||
	    !api_profile_allowed(rq->who, sp->conf->name)) {
		api_error(rs, 404, "no such profile");
		return NULL;
	}
	return sp;
}

/*
 * GET /profiles/{name}/mobileconfig[?challenge=&subject=&keysize=]:
 * "scepd mobileconfig --challenge C --subject S --keysize N".  Without
 * "challenge" none is embedded, even for a static profile: a viewer
 * may not read the shared secret, and minting a one-time one is an
 * operator's POST /challenges, whose answer the caller then passes.
 */
static void
api_profile_mobileconfig(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	static const char *const known[] = { "challenge", "subject",
	    "keysize", NULL };
	const struct server_profile	*sp;
	struct mobileconfig_profile_opts o;
	long long			 ks;
	char				*xml;
	size_t				 len;

	if (api_args_known(rq, rs, known) == -1 ||
	    (sp = api_profile_find(rq, rs, m->part[0])) == NULL ||
	    (ks = api_arg_int(rq, rs, "keysize", 2048, 4096)) == -1)
		return;
	if (ks != 1024 && ks != 2048 && ks != 4096) {
		api_error(rs, 400, "keysize: Apple takes 1024, 2048 or 4096");
		return;
	}
	if (!sp->conf->enabled || rq->srv->conf->public_url == NULL) {
		api_error(rs, 409, "profile \"%.64s\" %s", sp->conf->name,
		    !sp->conf->enabled ? "is disabled" :
		    ": the configuration sets no public_url");
		return;
	}
	memset(&o, 0, sizeof(o));
	o.public_url = rq->srv->conf->public_url;
	o.name = sp->conf->name;
	o.dflt = sp == &rq->srv->profiles[0];
	o.challenge = api_arg(rq, "challenge");
	o.subject = api_arg(rq, "subject");
	o.keysize = (int)ks;
	o.ca_der = sp->sca->cader;
	o.ca_dersz = sp->sca->caderlen;
	if ((xml = mobileconfig_profile(&o, &len)) == NULL) {
		api_error(rs, 400, "the profile cannot be made with these "
		    "options (see the log)");
		return;
	}
	rs->status = 200;
	rs->ctype = "application/x-apple-aspen-config";
	rs->body = xml;
	rs->len = len;
	snprintf(rs->filename, sizeof(rs->filename), "%.50s.mobileconfig",
	    sp->conf->name);
}

/* May "who" see CA "sca": does one of its profiles use it? */
static int
api_ca_allowed(const struct api_req *rq, const struct server_ca *sca)
{
	size_t i;

	for (i = 0; i < rq->srv->nprofiles; i++)
		if (rq->srv->profiles[i].sca == sca &&
		    api_profile_allowed(rq->who,
		    rq->srv->profiles[i].conf->name))
			return 1;
	return 0;
}

static json_t *
api_ca_json(const struct api_req *rq, const struct server_ca *sca)
{
	struct store_crl	 crl;
	json_t			*j;
	int			 found = 0;

	if (store_crl_latest(rq->srv->store, sca->conf->name, &crl,
	    &found) == -1)
		return NULL;
	j = json_pack("{s:o, s:o, s:o, s:o, s:o}",
	    "name", api_jstr(sca->conf->name),
	    "certificate", api_cert_brief(sca->cader, sca->caderlen),
	    "ra_certificate", api_ra_brief(sca),
	    "crl_number", found ? json_integer(crl.number) : json_null(),
	    "crl_next_update", found ? api_jtime(crl.next_update) :
	    json_null());
	if (found)
		store_crl_clear(&crl);
	return j;
}

static void
api_ca_list(const struct api_req *rq, struct api_resp *rs,
    const struct api_match *m, json_t *body)
{
	static const char *const none[] = { NULL };
	json_t	*items, *one;
	size_t	 i;

	if (api_args_known(rq, rs, none) == -1)
		return;
	if ((items = json_array()) == NULL) {
		api_error(rs, 500, "out of memory");
		return;
	}
	for (i = 0; i < rq->srv->ncas; i++) {
		if (!api_ca_allowed(rq, &rq->srv->cas[i]))
			continue;
		if ((one = api_ca_json(rq, &rq->srv->cas[i])) == NULL ||
		    json_array_append_new(items, one) == -1) {
			json_decref(items);
			api_error(rs, 503, "the CAs could not be described");
			return;
		}
	}
	api_reply(rs, 200, json_pack("{s:o}", "items", items));
}

static const struct api_route api_profile_rows[] = {
	{ "GET", "/profiles", API_ROLE_VIEWER, api_profile_list },
	{ "GET", "/profiles/*/mobileconfig", API_ROLE_VIEWER,
	    api_profile_mobileconfig },
	{ "GET", "/cas", API_ROLE_VIEWER, api_ca_list },
};

const struct api_table api_profile_table = {
	api_profile_rows, sizeof(api_profile_rows) / sizeof(api_profile_rows[0])
};
