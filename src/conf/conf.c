/*	SPDX-License-Identifier: ISC */
/*
 * conf.c: scepd.conf -> struct conf.  libconfig parses; tables of known
 * settings give each one's type, range, default and destination, so one
 * pass reports every unknown name, wrong type and out-of-range value with
 * its line, and the file is refused if there was any.
 * Three tables: server-wide settings (struct conf), a CA's (struct
 * conf_ca) and a profile's (struct conf_profile).  The top level holds
 * the server settings, the default CA ("ca") and the default profile;
 * "cas" and "profiles" add named ones.  A named profile starts from the
 * top-level profile settings and overrides what it sets.
 * Values that need more than a type check live in conf_value.c.
 */
#include <libgen.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "conf.h"
#include "conf_value.h"
#include "log.h"
#include "util.h"

#define P(f)	offsetof(struct conf_profile, f)
#define C(f)	offsetof(struct conf, f)
#define A(f)	offsetof(struct conf_ca, f)

/*
 * Every setting: its name, type, field, range and default, one row each
 * and nowhere else in conf.  conf_defaults() stores the defaults before
 * the file is read; a comment says so where a default is decided later.
 */
static const struct conf_key conf_global_keys[] = {
	/* Unset: issued certificates carry no CRL DP and no AIA. */
	CONF_K_STR("public_url", C(public_url), NULL),
	CONF_K_STR("store.backend", C(store.backend), "sqlite"),
	CONF_K_PATH("store.path", C(store.path)),
	CONF_K_STR("store.url", C(store.url), NULL),
	/* 0: the backend's own pool size, 8 in both (store_*.c). */
	CONF_K_INT("store.connections", C(store.conns), 0, 256, 0),
	CONF_K_INT("store.wal_limit", C(store.wal_kib), 64, 1048576,
	    CONF_WAL_KIB_DEFAULT),
	CONF_K_STR("http.listen", C(http.listen), CONF_LISTEN_DEFAULT),
	/* 0: one per core, counted by http.c when it starts. */
	CONF_K_INT("http.threads", C(http.threads), 0, 256, 0),
	CONF_K_SIZE("http.max_body", C(http.max_body), 4096,
	    16 * 1024 * 1024, 256 * 1024),
	CONF_K_INT("http.timeout", C(http.timeout), 1, 3600, 30),
	CONF_K_INT("http.max_connections", C(http.max_conns), 1, 100000,
	    1024),
	/* 0: no limit per address (docs/configuration.md: NAT). */
	CONF_K_INT("http.max_connections_per_address", C(http.max_conns_addr),
	    0, 100000, 64),
	CONF_K_INT("http.header_timeout", C(http.header_timeout), 1, 3600, 5),
	/* 0: a PKIOperation waits for a worker however long it takes. */
	CONF_K_INT("http.queue_ms", C(http.queue_ms), 0, 600000, 500),
	/* Both unset: plain HTTP, as SCEP devices expect (RFC 8894 4.1). */
	CONF_K_PATH("http.tls_cert", C(http.tls_cert)),
	CONF_K_PATH("http.tls_key", C(http.tls_key)),
	/* Unset: no admin listener (scepd init writes one). */
	CONF_K_STR("admin.listen", C(admin.listen), NULL),
	CONF_K_PATH("admin.tls_cert", C(admin.tls_cert)),
	CONF_K_PATH("admin.tls_key", C(admin.tls_key)),
	CONF_K_BOOL("admin.client_certs", C(admin.client_certs), 0),
	CONF_K_INT("crl.validity", C(pki.crl_validity), 60, 366 * 86400,
	    86400),
	CONF_K_INT("ocsp.validity", C(pki.ocsp_validity), 60, 30 * 86400,
	    3600),
	CONF_K_INT("auth.max_failures", C(auth.max_failures), 1, 1000, 3),
	CONF_K_INT("auth.window", C(auth.window), 1, 7 * 86400, 600),
	CONF_K_INT("auth.delay", C(auth.delay), 1, 86400, 1),
	CONF_K_INT("auth.max_delay", C(auth.max_delay), 1, 7 * 86400, 300),
	/* The transaction log (GET /api/v1/transactions), pruned hourly. */
	CONF_K_INT("log.transactions_days", C(log.transactions_days), 1,
	    3650, 90),
	/* Unset: no events are sent (docs/events.md). */
	CONF_K_STR("events.url", C(events.url), NULL),
	CONF_K_PATH("events.secret_file", C(events.secret_file)),
	CONF_K_INT("events.timeout", C(events.timeout), 1, 60, 5),
	CONF_K_INT("events.retries", C(events.retries), 0, 20, 5),
	CONF_K_INT("events.ca_expiry_days", C(events.ca_expiry_days), 0,
	    3650, 30),
	CONF_K_END
};

/* A CA's files: cert and key are required, the rest optional. */
static const struct conf_key conf_ca_keys[] = {
	CONF_K_PATH("cert", A(cert)),
	CONF_K_PATH("key", A(key)),
	CONF_K_PATH("chain", A(chain)),
	CONF_K_PATH("ra_cert", A(ra_cert)),
	CONF_K_PATH("ra_key", A(ra_key)),
	CONF_K_PATH("ocsp_signer_cert", A(ocsp_cert)),
	CONF_K_PATH("ocsp_signer_key", A(ocsp_key)),
	CONF_K_END
};

/*
 * challenge.mode's default depends on another setting: "static" when
 * the profile has a challenge.file, else "none".  A named profile may
 * take its file from the top level, so conf_challenge() resolves this
 * once every value is in.
 */
#define CONF_CHALLENGE_BYFILE	(-1)

static const struct conf_key conf_profile_keys[] = {
	/* Set by named profiles only: the top level's "ca" is a CA. */
	CONF_K_STR("ca", P(ca_name), CONF_DEFAULT),
	CONF_K_BOOL("enabled", P(enabled), 1),
	CONF_K_STR("disabled_reason", P(disabled_reason), NULL),
	CONF_K_FN_INT("getcacert", P(getcacert), cv_getcacert,
	    CONF_GETCACERT_AUTO),
	CONF_K_FN_INT("challenge.mode", P(policy.challenge_mode),
	    cv_challenge_mode, CONF_CHALLENGE_BYFILE),
	CONF_K_PATH("challenge.file", P(policy.challenge_file)),
	CONF_K_INT("challenge.ttl", P(policy.challenge_ttl), 60,
	    366 * 86400, 3600),
	CONF_K_STR("challenge.ndes_user", P(policy.ndes_user), NULL),
	CONF_K_PATH("challenge.ndes_password_file",
	    P(policy.ndes_password_file)),
	CONF_K_STR("challenge.webhook.url", P(policy.webhook_url), NULL),
	CONF_K_PATH("challenge.webhook.secret_file",
	    P(policy.webhook_secret_file)),
	CONF_K_STR("challenge.webhook.notify_url",
	    P(policy.webhook_notify_url), NULL),
	CONF_K_INT("challenge.webhook.timeout_ms",
	    P(policy.webhook_timeout_ms), 100, 60000, 5000),
	CONF_K_INT("certificate.validity_days", P(cert.validity_days), 1,
	    36500, 365),
	CONF_K_INT("certificate.backdate_seconds", P(cert.backdate_secs), 0,
	    86400, 300),
	/*
	 * NULL: by the CSR's key type, so ca.c decides per request
	 * (digitalSignature, and keyEncipherment for RSA).
	 */
	CONF_K_FN_STR("certificate.key_usage", P(cert.key_usage),
	    cv_key_usage, NULL),
	/* [ "clientAuth" ], in the X509V3 form cv_eku() stores. */
	CONF_K_FN_STR("certificate.extended_key_usage", P(cert.eku), cv_eku,
	    "clientAuth"),
	CONF_K_FN_STR("certificate.digest", P(cert.digest), cv_digest,
	    CONF_DIGEST_DEFAULT),
	CONF_K_FN_INT("certificate.subject.mode", P(cert.subject_mode),
	    cv_subject_mode, CONF_SUBJECT_KEEP),
	CONF_K_FN("certificate.subject.pattern", P(cert.subject_re),
	    cv_regex),
	CONF_K_STR("certificate.subject.value", P(cert.subject_value), NULL),
	CONF_K_FN_INT("certificate.san.copy", P(cert.san_copy), cv_san_types,
	    CONF_SAN_ALL),
	CONF_K_FN("certificate.san.pattern", P(cert.san_re), cv_regex),
	/* 0: any number. */
	CONF_K_INT("certificate.max_active_per_subject", P(cert.max_active),
	    0, 100000, 0),
	CONF_K_INT("keys.rsa_min_bits", P(policy.rsa_min_bits), 1024, 16384,
	    2048),
	CONF_K_INT("keys.rsa_max_bits", P(policy.rsa_max_bits), 2048, 16384,
	    8192),
	CONF_K_FN_INT("keys.types", P(policy.key_types), cv_key_types,
	    CONF_KEY_RSA | CONF_KEY_EC),
	CONF_K_FN_INT("keys.ec_curves", P(policy.ec_curves), cv_curves,
	    CONF_EC_P256 | CONF_EC_P384),
	CONF_K_BOOL("algorithms.legacy", P(policy.legacy), 0),
	/* Off: strongSwan before 5.9.11 cannot verify a PSS CertRep. */
	CONF_K_BOOL("algorithms.pss_replies", P(policy.pss_replies), 0),
	/*
	 * On by default: certmonger cannot verify a CertRep without content;
	 * false restores the absent eContent older scepd releases sent.
	 */
	CONF_K_BOOL("compat.failure_content", P(policy.failure_content), 1),
	CONF_K_BOOL("approval.manual", P(policy.manual), 0),
	CONF_K_INT("approval.pending_ttl", P(policy.pending_ttl), 1,
	    365 * 86400, 7 * 86400),
	/* The rules' defaults are "no rule": none of them is checked. */
	CONF_K_FN("approval.rules.networks", P(policy.nets), cv_networks),
	CONF_K_FN("approval.rules.subject", P(policy.rule_subject),
	    cv_regex),
	CONF_K_BOOL("approval.rules.challenge", P(policy.rule_challenge), 0),
	CONF_K_FN_INT("approval.otherwise", P(policy.otherwise),
	    cv_otherwise, CONF_OTHERWISE_PENDING),
	/* 0: renewal is open at any time. */
	CONF_K_INT("renewal.window_days", P(policy.renew_window), 0, 36500,
	    0),
	CONF_K_BOOL("renewal.allow_subject_change", P(policy.renew_subject),
	    0),
	CONF_K_BOOL("renewal.allow_same_key", P(policy.renew_same_key), 1),
	/* challenge.mode intune (docs/intune.md); conf_intune() checks. */
	CONF_K_STR("intune.tenant", P(intune.tenant), NULL),
	CONF_K_STR("intune.app_id", P(intune.app_id), NULL),
	CONF_K_PATH("intune.secret_file", P(intune.secret_file)),
	CONF_K_PATH("intune.cert_file", P(intune.cert_file)),
	CONF_K_PATH("intune.key_file", P(intune.key_file)),
	CONF_K_STR("intune.authority", P(intune.authority),
	    "https://login.microsoftonline.com"),
	CONF_K_STR("intune.graph", P(intune.graph),
	    "https://graph.microsoft.com"),
	CONF_K_STR("intune.resource", P(intune.resource),
	    "https://api.manage.microsoft.com/"),
	CONF_K_STR("intune.proxy", P(intune.proxy), NULL),
	CONF_K_PATH("intune.ca_file", P(intune.ca_file)),
	CONF_K_STR("intune.provider", P(intune.provider),
	    "scepd/" SCEPD_VERSION),
	CONF_K_INT("intune.timeout", P(intune.timeout), 1, 120, 15),
	/* 0: the revocation queue is not fetched. */
	CONF_K_INT("intune.revocation_interval", P(intune.revocation_interval),
	    0, 7 * 86400, 3600),
	CONF_K_END
};

char *
conf_path(const char *dir)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, CONF_FILE) == -1)
		return NULL;
	return p;
}

/* Top-level groups that are not plain settings. */
static int
conf_root_special(const char *name)
{
	return strcmp(name, "profiles") == 0 || strcmp(name, "cas") == 0 ||
	    strcmp(name, "ca") == 0;
}

static const struct conf_key *
conf_key_find(const struct conf_key *tab, const char *name)
{
	for (; tab->name != NULL; tab++)
		if (strcmp(tab->name, name) == 0)
			return tab;
	return NULL;
}

/* Where a walk writes: one table and the struct its offsets are in. */
struct conf_dest {
	const struct conf_key	*tab;
	void			*base;
};

/*
 * One setting "s" under "prefix" (the dotted name of its group, "" at
 * the top): a known leaf is stored, a group recurses, the rest is
 * unknown.  Names are looked up in "d" in order.  With "quiet", unknown
 * names are not reported: the top level walked again for a named
 * profile holds the server's and the CAs' settings too.
 */
static int
conf_walk_setting(struct conf *c, config_setting_t *s, const char *prefix,
    const struct conf_dest *d, size_t nd, int quiet)
{
	config_setting_t	*e;
	const struct conf_key	*k = NULL;
	char			 name[256], shown[256];
	size_t			 j;
	int			 i, rc = 0;

	snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "",
	    config_setting_name(s));
	for (j = 0; j < nd && k == NULL; j++)
		k = conf_key_find(d[j].tab, name);
	if (k == NULL && config_setting_is_group(s)) {
		for (i = 0; (e = config_setting_get_elem(s, i)) != NULL; i++)
			if (conf_walk_setting(c, e, name, d, nd, quiet) == -1)
				rc = -1;
		return rc;
	}
	if (k != NULL)
		return conf_set(c, k, s, d[j - 1].base);
	if (quiet)
		return 0;
	/* The full dotted path, as the file spells it. */
	snprintf(shown, sizeof(shown), "%s", config_setting_name(s));
	for (e = config_setting_parent(s); e != NULL &&
	    config_setting_name(e) != NULL; e = config_setting_parent(e)) {
		if (snprintf(name, sizeof(name), "%s.%s",
		    config_setting_name(e), shown) >= (int)sizeof(name))
			break;
		memcpy(shown, name, sizeof(shown));
	}
	log_warnx("%s:%d: unknown setting \"%s\"", c->path,
	    config_setting_source_line(s), shown);
	return -1;
}

/* Every setting of group "g", as conf_walk_setting(). */
static int
conf_walk(struct conf *c, config_setting_t *g, const struct conf_dest *d,
    size_t nd, int quiet)
{
	config_setting_t	*s;
	int			 i, rc = 0;

	for (i = 0; (s = config_setting_get_elem(g, i)) != NULL; i++) {
		/* Not profile settings, and walked on their own. */
		if (quiet && config_setting_parent(g) == NULL &&
		    conf_root_special(config_setting_name(s)))
			continue;
		if (conf_walk_setting(c, s, "", d, nd, quiet) == -1)
			rc = -1;
	}
	return rc;
}

/* Names of profiles and CAs become URL path parts and store keys. */
static int
conf_name_ok(struct conf *c, config_setting_t *s, const char *what)
{
	const char	*n = config_setting_name(s);
	size_t		 len = strlen(n);

	if (len == 0 || len > CONF_NAME_MAX ||
	    strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_-") != len) {
		log_warnx("%s:%d: %s name \"%s\": want 1 to %d of a-z 0-9 _ -",
		    c->path, config_setting_source_line(s), what, n,
		    CONF_NAME_MAX);
		return -1;
	}
	if (strcmp(n, CONF_DEFAULT) == 0) {
		log_warnx("%s:%d: %s name \"default\" is the top level's",
		    c->path, config_setting_source_line(s), what);
		return -1;
	}
	return 0;
}

/* cas: { name: { cert = ...; key = ...; ... }; ... } */
static int
conf_cas(struct conf *c, config_setting_t *g)
{
	const struct conf_dest	 d = { conf_ca_keys, NULL };
	struct conf_dest	 dd;
	config_setting_t	*s;
	struct conf_ca		*ca;
	int			 i, rc = 0;

	if (g == NULL)
		return 0;
	if (!config_setting_is_group(g)) {
		log_warnx("%s:%d: cas: want a group of CAs", c->path,
		    config_setting_source_line(g));
		return -1;
	}
	for (i = 0; (s = config_setting_get_elem(g, i)) != NULL; i++) {
		if (conf_name_ok(c, s, "CA") == -1 ||
		    !config_setting_is_group(s)) {
			rc = -1;
			continue;
		}
		ca = &c->cas[c->ncas++];
		if (conf_defaults(conf_ca_keys, ca) == -1 ||
		    (ca->name = strdup(config_setting_name(s))) == NULL)
			return -1;
		ca->line = config_setting_source_line(s);
		dd = d;
		dd.base = ca;
		if (conf_walk(c, s, &dd, 1, 0) == -1)
			rc = -1;
	}
	return rc;
}

/*
 * profiles: { name: { ... }; ... }: each from the defaults, then the
 * top level's profile settings ("inherit"), then its own.
 */
static int
conf_profiles(struct conf *c, config_setting_t *root, config_setting_t *g,
    int inherit)
{
	struct conf_dest	 d = { conf_profile_keys, NULL };
	config_setting_t	*s;
	struct conf_profile	*p;
	int			 i, rc = 0;

	if (g == NULL)
		return 0;
	if (!config_setting_is_group(g)) {
		log_warnx("%s:%d: profiles: want a group of profiles",
		    c->path, config_setting_source_line(g));
		return -1;
	}
	for (i = 0; (s = config_setting_get_elem(g, i)) != NULL; i++) {
		if (conf_name_ok(c, s, "profile") == -1 ||
		    !config_setting_is_group(s)) {
			rc = -1;
			continue;
		}
		p = &c->profiles[c->nprofiles++];
		if (conf_defaults(conf_profile_keys, p) == -1 ||
		    (p->name = strdup(config_setting_name(s))) == NULL)
			return -1;
		p->line = config_setting_source_line(s);
		d.base = p;
		if ((inherit && conf_walk(c, root, &d, 1, 1) == -1) ||
		    conf_walk(c, s, &d, 1, 0) == -1)
			rc = -1;
	}
	return rc;
}

/* Room for every entry of an optional group, plus the default. */
static int
conf_alloc(struct conf *c, config_setting_t *root)
{
	config_setting_t	*g;
	size_t			 np = 1, nc = 1;

	if ((g = config_setting_get_member(root, "profiles")) != NULL)
		np += (size_t)config_setting_length(g);
	if ((g = config_setting_get_member(root, "cas")) != NULL)
		nc += (size_t)config_setting_length(g);
	if ((c->profiles = calloc(np, sizeof(*c->profiles))) == NULL ||
	    (c->cas = calloc(nc, sizeof(*c->cas))) == NULL)
		return -1;
	c->nprofiles = c->ncas = 1;
	if (conf_defaults(conf_profile_keys, &c->profiles[0]) == -1 ||
	    conf_defaults(conf_ca_keys, &c->cas[0]) == -1 ||
	    (c->profiles[0].name = strdup(CONF_DEFAULT)) == NULL ||
	    (c->cas[0].name = strdup(CONF_DEFAULT)) == NULL)
		return -1;
	return 0;
}

/*
 * The top level: server settings, the default CA (group "ca", and
 * ocsp.signer_cert/key), the default profile; then "cas", "profiles".
 */
static int
conf_root(struct conf *c, config_setting_t *root)
{
	/* The default CA's ocsp_signer_* of conf_ca_keys, by other names. */
	static const struct conf_key	 ocsp_keys[] = {
		CONF_K_PATH("ocsp.signer_cert", A(ocsp_cert)),
		CONF_K_PATH("ocsp.signer_key", A(ocsp_key)),
		CONF_K_END
	};
	const struct conf_dest		 d[] = {
		{ conf_global_keys, c },
		{ ocsp_keys, &c->cas[0] },
		{ conf_profile_keys, &c->profiles[0] },
	};
	const struct conf_dest		 dca = { conf_ca_keys, &c->cas[0] };
	config_setting_t		*s;
	int				 i, rc = 0;

	for (i = 0; (s = config_setting_get_elem(root, i)) != NULL; i++) {
		const char *n = config_setting_name(s);

		if (strcmp(n, "ca") == 0) {
			c->cas[0].line = config_setting_source_line(s);
			if (!config_setting_is_group(s)) {
				log_warnx("%s:%d: ca: want a group", c->path,
				    c->cas[0].line);
				rc = -1;
			} else if (conf_walk(c, s, &dca, 1, 0) == -1)
				rc = -1;
		} else if (!conf_root_special(n) && conf_walk_setting(c, s,
		    "", d, sizeof(d) / sizeof(d[0]), 0) == -1)
			rc = -1;
	}
	/*
	 * Named profiles copy the top level only once it is right, or its
	 * mistakes would be reported again for each of them; their own
	 * settings and the CAs' are read anyway, so that one run reports
	 * every mistake.
	 */
	if (conf_cas(c, config_setting_get_member(root, "cas")) == -1)
		rc = -1;
	if (conf_profiles(c, root, config_setting_get_member(root,
	    "profiles"), rc == 0) == -1)
		rc = -1;
	return rc;
}

/* Largest secret file: RFC 2985 DirectoryString{255}, and a newline. */
#define CONF_SECRET_MAX	256

/*
 * A secret: a private file, one line of 1..255 bytes.  *out is a copy
 * (the file's buffer has no room for the terminator).
 */
static int
conf_secret(const struct conf *c, const char *path, char **out)
{
	unsigned char	*p;
	size_t		 len, n;
	int		 rc = -1;

	if (file_is_shared(path) == 1) {
		log_warnx("%s: readable by group or others; chmod 600 it",
		    path);
		return -1;
	}
	if ((p = file_read(path, CONF_SECRET_MAX, &len)) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	n = len;
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	if (n == 0 || n >= CONF_SECRET_MAX || memchr(p, '\0', n) != NULL ||
	    memchr(p, '\n', n))
		log_warnx("%s: want one line of 1 to 255 bytes", path);
	else if ((*out = strndup((char *)p, n)) == NULL)
		log_warn("%s", path);
	else
		rc = 0;
	explicit_bzero(p, len);
	free(p);
	(void)c;
	return rc;
}

/*
 * The static challenge: kept only as its SHA-256.  The file holds the
 * secret itself (as "scepd init" writes it, so that "scepd info" can
 * print it) or "sha256:HEX" for a secret nobody on this host knows.
 */
static int
conf_static_challenge(const struct conf *c, struct conf_policy *po)
{
	char	*s = NULL;
	int	 rc = -1;

	if (conf_secret(c, po->challenge_file, &s) == -1)
		return -1;
	if (strncmp(s, "sha256:", 7) == 0) {
		if (hex_decode(s + 7, po->challenge_hash, CONF_HASH_LEN) == -1)
			log_warnx("%s: sha256: wants 64 hex digits",
			    po->challenge_file);
		else
			rc = 0;
	} else if (sha256(s, strlen(s), po->challenge_hash) == 0) {
		po->challenge = s;
		s = NULL;
		rc = 0;
	}
	if (s != NULL)
		explicit_bzero(s, strlen(s));
	free(s);
	return rc;
}

/*
 * A problem with profile "p": "file:line: profile NAME: what" for a
 * named one, "file: what" for the top level's.
 */
static void conf_perr(const struct conf *, const struct conf_profile *,
    const char *, ...) __attribute__((format(printf, 3, 4)));

static void
conf_perr(const struct conf *c, const struct conf_profile *p,
    const char *fmt, ...)
{
	va_list	ap;
	char	m[256];

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	if (p->line == 0)
		log_warnx("%s: %s", c->path, m);
	else
		log_warnx("%s:%d: profile %s: %s", c->path, p->line, p->name,
		    m);
}

/* Entra ID, Graph and Intune are reached over TLS only. */
static int
conf_intune_url(const struct conf *c, const struct conf_profile *p,
    const char *name, const char *url)
{
	if (url != NULL && strncmp(url, "https://", 8) == 0 &&
	    url[8] != '\0')
		return 0;
	conf_perr(c, p, "intune.%s \"%s\": want an https:// URL", name,
	    url != NULL ? url : "");
	return -1;
}

/*
 * challenge.mode intune: a tenant, an application, and one credential
 * (a secret, or a certificate and key for a signed assertion); Intune
 * expects an answer at once, so never manual approval (UCM PR #281).
 */
static int
conf_intune(const struct conf *c, struct conf_profile *p)
{
	struct conf_intune	*in = &p->intune;
	int			 rc = 0;

	if (in->tenant == NULL || *in->tenant == '\0' || in->app_id == NULL ||
	    *in->app_id == '\0') {
		conf_perr(c, p, "challenge.mode intune needs intune.tenant "
		    "and intune.app_id");
		rc = -1;
	} else if (strspn(in->tenant, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != strlen(in->tenant)) {
		/* It becomes a path segment of the token endpoint's URL. */
		conf_perr(c, p, "intune.tenant \"%s\": want a tenant ID or "
		    "domain name", in->tenant);
		rc = -1;
	}
	if ((in->secret_file != NULL) == (in->cert_file != NULL ||
	    in->key_file != NULL) || (in->cert_file == NULL) !=
	    (in->key_file == NULL)) {
		conf_perr(c, p, "challenge.mode intune needs intune.secret_file"
		    ", or intune.cert_file with intune.key_file, not both");
		rc = -1;
	}
	if (p->policy.manual || (p->policy.rules &&
	    p->policy.otherwise == CONF_OTHERWISE_PENDING)) {
		conf_perr(c, p, "challenge.mode intune cannot wait for "
		    "approval (approval.manual, approval.otherwise pending): "
		    "Intune expects an answer at once");
		rc = -1;
	}
	if (conf_intune_url(c, p, "authority", in->authority) == -1 ||
	    conf_intune_url(c, p, "graph", in->graph) == -1 ||
	    conf_intune_url(c, p, "resource", in->resource) == -1)
		rc = -1;
	if (rc == 0 && in->key_file != NULL && file_is_shared(in->key_file) ==
	    1) {
		log_warnx("%s: readable by group or others; chmod 600 it",
		    in->key_file);
		rc = -1;
	}
	if (rc == 0 && in->secret_file != NULL)
		rc = conf_secret(c, in->secret_file, &in->secret);
	return rc;
}

/* What each challenge mode needs, and its secrets read. */
static int
conf_challenge(const struct conf *c, struct conf_profile *p)
{
	struct conf_policy	*po = &p->policy;
	int			 rc = 0;

	if (po->challenge_mode == CONF_CHALLENGE_BYFILE)
		po->challenge_mode = po->challenge_file != NULL ?
		    CONF_CHALLENGE_STATIC : CONF_CHALLENGE_NONE;
	if (po->rule_challenge && po->challenge_mode == CONF_CHALLENGE_NONE) {
		conf_perr(c, p, "approval.rules.challenge needs a challenge "
		    "mode other than none");
		return -1;
	}
	switch (po->challenge_mode) {
	case CONF_CHALLENGE_STATIC:
		if (po->challenge_file == NULL) {
			conf_perr(c, p, "challenge.mode static needs "
			    "challenge.file");
			return -1;
		}
		return conf_static_challenge(c, po);
	case CONF_CHALLENGE_DYNAMIC:
		if ((po->ndes_user == NULL) != (po->ndes_password_file ==
		    NULL)) {
			conf_perr(c, p, "challenge.ndes_user and "
			    "challenge.ndes_password_file go together");
			return -1;
		}
		if (po->ndes_password_file != NULL)
			rc = conf_secret(c, po->ndes_password_file,
			    &po->ndes_password);
		return rc;
	case CONF_CHALLENGE_WEBHOOK:
		if (po->webhook_url == NULL ||
		    po->webhook_secret_file == NULL) {
			conf_perr(c, p, "challenge.mode webhook needs "
			    "challenge.webhook.url and secret_file");
			return -1;
		}
		return conf_secret(c, po->webhook_secret_file,
		    &po->webhook_secret);
	case CONF_CHALLENGE_INTUNE:
		return conf_intune(c, p);
	default:
		return 0;
	}
}

/*
 * RFC 5280 4.2.1.13, 4.2.2.1: certificates point at this server's CRL,
 * OCSP responder and CA certificate, under the scheme, host and port
 * of public_url: /crl and /ca.crt for the default CA, /crl/<ca> and
 * /ca/<ca>.crt for the others, /ocsp for all.
 */
static int
conf_urls(const struct conf *c, struct conf_profile *p)
{
	const char	*u = c->public_url, *host, *slash;
	const char	*ca = p->ca_name;
	int		 n, dflt = strcmp(ca, CONF_DEFAULT) == 0;

	/* A public_url without http(s):// is reported by conf_check(). */
	if (u == NULL || (strncmp(u, "http://", 7) != 0 &&
	    strncmp(u, "https://", 8) != 0))
		return 0;
	host = strstr(u, "://") + 3;
	slash = strchr(host, '/');
	n = (int)(slash != NULL ? slash - u : (long)strlen(u));
	if ((dflt ? asprintf(&p->cert.crl_url, "%.*s/crl", n, u) :
	    asprintf(&p->cert.crl_url, "%.*s/crl/%s", n, u, ca)) == -1 ||
	    asprintf(&p->cert.ocsp_url, "%.*s/ocsp", n, u) == -1 ||
	    (dflt ? asprintf(&p->cert.issuer_url, "%.*s/ca.crt", n, u) :
	    asprintf(&p->cert.issuer_url, "%.*s/ca/%s.crt", n, u, ca)) == -1)
		return -1;
	return 0;
}

/* Rules between the settings of one profile. */
static int
conf_profile_check(const struct conf *c, struct conf_profile *p)
{
	struct conf_policy	*po = &p->policy;
	size_t			 i;
	int			 rc = 0;

#define PWARN(...) do { conf_perr(c, p, __VA_ARGS__); rc = -1; } while (0)
	for (i = 0; i < c->ncas && strcmp(c->cas[i].name, p->ca_name); i++)
		;
	if (i == c->ncas)
		PWARN("no CA named \"%s\"", p->ca_name);
	p->ca = i;
	if (po->rsa_max_bits < po->rsa_min_bits)
		PWARN("keys.rsa_max_bits is below keys.rsa_min_bits");
	if ((po->key_types & CONF_KEY_EC) && po->ec_curves == 0)
		po->key_types &= ~CONF_KEY_EC;
	if (p->cert.subject_mode == CONF_SUBJECT_REQUIRE &&
	    p->cert.subject_re == NULL)
		PWARN("certificate.subject.mode require needs a pattern");
	if (p->cert.subject_mode == CONF_SUBJECT_OVERRIDE &&
	    p->cert.subject_value == NULL)
		PWARN("certificate.subject.mode override needs a value");
	po->rules = po->nets.n > 0 || po->rule_subject != NULL ||
	    po->rule_challenge;
	if (po->rules && po->manual)
		PWARN("approval.manual and approval.rules exclude each "
		    "other: rules send the rest to approval.otherwise");
#undef PWARN
	if (rc == 0 && (conf_challenge(c, p) == -1 || conf_urls(c, p) == -1))
		rc = -1;
	return rc;
}

/*
 * A listener's certificate and key go together, and the key must be
 * private (STYLE 11).  Whether they load is http.c's to say.
 */
static int
conf_tls_pair(const struct conf *c, const char *group, const char *cert,
    const char *key)
{
	if ((cert == NULL) != (key == NULL)) {
		log_warnx("%s: %s.tls_cert and %s.tls_key go together",
		    c->path, group, group);
		return -1;
	}
	if (key != NULL && file_is_shared(key) == 1) {
		log_warnx("%s: readable by group or others; chmod 600 it",
		    key);
		return -1;
	}
	return 0;
}

static int
conf_tls_check(const struct conf *c)
{
	int rc = 0;

	if (conf_tls_pair(c, "http", c->http.tls_cert, c->http.tls_key) == -1)
		rc = -1;
	if (conf_tls_pair(c, "admin", c->admin.tls_cert,
	    c->admin.tls_key) == -1)
		rc = -1;
	return rc;
}

/* The events webhook: an http(s) URL needs its secret; never unsigned. */
static int
conf_events_check(const struct conf *c, struct conf_events *ev)
{
	if (ev->url == NULL) {
		if (ev->secret_file != NULL)
			log_warnx("%s: events.secret_file without events.url: "
			    "no events are sent", c->path);
		return 0;
	}
	if (strncmp(ev->url, "http://", 7) != 0 &&
	    strncmp(ev->url, "https://", 8) != 0) {
		log_warnx("%s: events.url \"%s\": want http:// or https://",
		    c->path, ev->url);
		return -1;
	}
	if (ev->secret_file == NULL) {
		log_warnx("%s: events.url needs events.secret_file (the "
		    "HMAC-SHA256 key that signs each event)", c->path);
		return -1;
	}
	return conf_secret(c, ev->secret_file, &ev->secret);
}

/* Cross-field rules, once every value is in. */
static int
conf_check(struct conf *c)
{
	size_t	 i, j;
	int	 rc = 0;

	for (i = 0; i < c->ncas; i++) {
		if ((c->cas[i].cert == NULL || c->cas[i].key == NULL) &&
		    i == 0) {
			log_warnx("%s: ca.cert and ca.key are required",
			    c->path);
			rc = -1;
		} else if (c->cas[i].cert == NULL || c->cas[i].key == NULL) {
			log_warnx("%s:%d: cas.%s: cert and key are required",
			    c->path, c->cas[i].line, c->cas[i].name);
			rc = -1;
		}
		if ((c->cas[i].ra_cert == NULL) != (c->cas[i].ra_key == NULL) ||
		    (c->cas[i].ocsp_cert == NULL) !=
		    (c->cas[i].ocsp_key == NULL)) {
			log_warnx("%s:%d: CA %s: an RA or OCSP signer needs "
			    "both its certificate and its key", c->path,
			    c->cas[i].line, c->cas[i].name);
			rc = -1;
		}
	}
	if (strcmp(c->store.backend, "sqlite") == 0) {
		if (c->store.path == NULL) {
			log_warnx("%s: store.path is required", c->path);
			rc = -1;
		}
	} else if (strcmp(c->store.backend, "postgresql") == 0) {
		/* The URL may hold a password: it is never logged. */
		if (c->store.url == NULL || *c->store.url == '\0') {
			log_warnx("%s: store.url is required with backend "
			    "\"postgresql\"", c->path);
			rc = -1;
		}
	} else {
		log_warnx("%s: store.backend \"%s\": want \"sqlite\" or "
		    "\"postgresql\"", c->path, c->store.backend);
		rc = -1;
	}
	if (conf_tls_check(c) == -1)
		rc = -1;
	if (c->public_url != NULL && strncmp(c->public_url, "http://", 7) &&
	    strncmp(c->public_url, "https://", 8)) {
		log_warnx("%s: public_url \"%s\": want http:// or https://",
		    c->path, c->public_url);
		rc = -1;
	}
	if (conf_events_check(c, &c->events) == -1)
		rc = -1;
	for (i = 0; i < c->nprofiles; i++) {
		/* Every profile, so that one run reports every mistake. */
		if (conf_profile_check(c, &c->profiles[i]) == -1)
			rc = -1;
		for (j = 0; j < i; j++)
			if (c->profiles[i].policy.ndes_user != NULL &&
			    c->profiles[j].policy.ndes_user != NULL &&
			    strcmp(c->profiles[i].policy.ndes_user,
			    c->profiles[j].policy.ndes_user) == 0) {
				log_warnx("%s:%d: profile %s: ndes_user is "
				    "profile %s's already", c->path,
				    c->profiles[i].line, c->profiles[i].name,
				    c->profiles[j].name);
				rc = -1;
			}
	}
	return rc;
}

struct conf *
conf_load(const char *path)
{
	struct conf	*c = NULL;
	config_t	 cfg;
	char		*tmp = NULL;
	int		 ok = 0;

	config_init(&cfg);
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(path)) == NULL || (tmp = strdup(path)) == NULL ||
	    (c->dir = strdup(dirname(tmp))) == NULL ||
	    conf_defaults(conf_global_keys, c) == -1) {
		log_warn("conf_load");
		goto out;
	}
	if (!config_read_file(&cfg, path)) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			log_warn("%s", path);
		else
			log_warnx("%s:%d: %s", path, config_error_line(&cfg),
			    config_error_text(&cfg));
		goto out;
	}
	if (conf_alloc(c, config_root_setting(&cfg)) == -1) {
		log_warn("conf_load");
		goto out;
	}
	if (conf_root(c, config_root_setting(&cfg)) == 0 && conf_check(c) == 0)
		ok = 1;
 out:
	config_destroy(&cfg);
	free(tmp);
	if (!ok) {
		conf_free(c);
		return NULL;
	}
	return c;
}

const struct conf_profile *
conf_profile_find(const struct conf *c, const char *name)
{
	size_t i;

	if (name == NULL)
		return &c->profiles[0];
	for (i = 0; i < c->nprofiles; i++)
		if (strcmp(c->profiles[i].name, name) == 0)
			return &c->profiles[i];
	return NULL;
}

static void
conf_secret_free(char *s)
{
	if (s != NULL)
		explicit_bzero(s, strlen(s));
	free(s);
}

static void
conf_intune_free(struct conf_intune *in)
{
	free(in->tenant);
	free(in->app_id);
	free(in->secret_file);
	conf_secret_free(in->secret);
	free(in->cert_file);
	free(in->key_file);
	free(in->authority);
	free(in->graph);
	free(in->resource);
	free(in->proxy);
	free(in->ca_file);
	free(in->provider);
}

static void
conf_profile_free(struct conf_profile *p)
{
	struct conf_policy *po = &p->policy;

	free(p->name);
	free(p->disabled_reason);
	free(p->ca_name);
	free(p->cert.key_usage);
	free(p->cert.eku);
	free(p->cert.digest);
	cv_regex_free(p->cert.subject_re);
	free(p->cert.subject_value);
	cv_regex_free(p->cert.san_re);
	free(p->cert.crl_url);
	free(p->cert.ocsp_url);
	free(p->cert.issuer_url);
	free(po->challenge_file);
	conf_secret_free(po->challenge);
	explicit_bzero(po->challenge_hash, sizeof(po->challenge_hash));
	free(po->ndes_user);
	free(po->ndes_password_file);
	conf_secret_free(po->ndes_password);
	free(po->webhook_url);
	free(po->webhook_secret_file);
	conf_secret_free(po->webhook_secret);
	free(po->webhook_notify_url);
	free(po->nets.v);
	cv_regex_free(po->rule_subject);
	conf_intune_free(&p->intune);
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nprofiles; i++)
		conf_profile_free(&c->profiles[i]);
	free(c->profiles);
	for (i = 0; i < c->ncas; i++) {
		free(c->cas[i].name);
		free(c->cas[i].cert);
		free(c->cas[i].key);
		free(c->cas[i].chain);
		free(c->cas[i].ra_cert);
		free(c->cas[i].ra_key);
		free(c->cas[i].ocsp_cert);
		free(c->cas[i].ocsp_key);
	}
	free(c->cas);
	free(c->path);
	free(c->dir);
	free(c->public_url);
	free(c->store.backend);
	free(c->store.path);
	conf_secret_free(c->store.url);
	free(c->http.listen);
	free(c->http.tls_cert);
	free(c->http.tls_key);
	free(c->admin.listen);
	free(c->admin.tls_cert);
	free(c->admin.tls_key);
	free(c->events.url);
	free(c->events.secret_file);
	conf_secret_free(c->events.secret);
	free(c);
}
