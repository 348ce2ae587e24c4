/*	SPDX-License-Identifier: ISC */
/*
 * conf.c: scepd.conf -> struct conf.  libconfig parses; a table of known
 * settings gives each one's type, range and destination, so one pass
 * reports every unknown name, wrong type and out-of-range value with its
 * line, and the file is refused if there was any.
 */
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "conf.h"
#include "log.h"
#include "util.h"

enum conf_type {
	CONF_STR,	/* a string */
	CONF_PATH,	/* a string naming a file, relative to the conf dir */
	CONF_INT,	/* an integer within [min, max] */
	CONF_BOOL,	/* true or false, stored as int */
	CONF_SIZE,	/* the same, stored as size_t */
	CONF_CURVES,	/* a list of EC curve names */
};

static const struct conf_key {
	const char	*name;
	enum conf_type	 type;
	size_t		 off;
	long long	 min, max;
} conf_keys[] = {
	{ "public_url", CONF_STR, offsetof(struct conf, public_url), 0, 0 },
	{ "ca.cert", CONF_PATH, offsetof(struct conf, ca.cert), 0, 0 },
	{ "ca.key", CONF_PATH, offsetof(struct conf, ca.key), 0, 0 },
	{ "ca.chain", CONF_PATH, offsetof(struct conf, ca.chain), 0, 0 },
	{ "ocsp.signer_cert", CONF_PATH, offsetof(struct conf, ca.ocsp_cert),
	    0, 0 },
	{ "ocsp.signer_key", CONF_PATH, offsetof(struct conf, ca.ocsp_key),
	    0, 0 },
	{ "challenge.file", CONF_PATH, offsetof(struct conf, challenge_file),
	    0, 0 },
	{ "store.backend", CONF_STR, offsetof(struct conf, store.backend),
	    0, 0 },
	{ "store.path", CONF_PATH, offsetof(struct conf, store.path), 0, 0 },
	{ "store.connections", CONF_INT, offsetof(struct conf, store.conns),
	    0, 256 },
	{ "http.listen", CONF_STR, offsetof(struct conf, http.listen), 0, 0 },
	{ "http.threads", CONF_INT, offsetof(struct conf, http.threads),
	    0, 256 },
	{ "http.max_body", CONF_SIZE, offsetof(struct conf, http.max_body),
	    4096, 16 * 1024 * 1024 },
	{ "http.timeout", CONF_INT, offsetof(struct conf, http.timeout),
	    1, 3600 },
	{ "http.max_connections", CONF_INT,
	    offsetof(struct conf, http.max_conns), 1, 100000 },
	{ "certificate.validity_days", CONF_INT,
	    offsetof(struct conf, cert.validity_days), 1, 36500 },
	{ "certificate.backdate_seconds", CONF_INT,
	    offsetof(struct conf, cert.backdate_secs), 0, 86400 },
	{ "keys.rsa_min_bits", CONF_INT,
	    offsetof(struct conf, policy.rsa_min_bits), 1024, 16384 },
	{ "keys.rsa_max_bits", CONF_INT,
	    offsetof(struct conf, policy.rsa_max_bits), 2048, 16384 },
	{ "keys.ec_curves", CONF_CURVES, 0, 0, 0 },
	{ "algorithms.legacy", CONF_BOOL, offsetof(struct conf, policy.legacy),
	    0, 0 },
	{ "approval.manual", CONF_BOOL, offsetof(struct conf, policy.manual),
	    0, 0 },
	{ "approval.pending_ttl", CONF_INT,
	    offsetof(struct conf, policy.pending_ttl), 1, 365 * 86400 },
	{ "renewal.window_days", CONF_INT,
	    offsetof(struct conf, policy.renew_window), 0, 36500 },
	{ "renewal.allow_subject_change", CONF_BOOL,
	    offsetof(struct conf, policy.renew_subject), 0, 0 },
	{ "renewal.allow_same_key", CONF_BOOL,
	    offsetof(struct conf, policy.renew_same_key), 0, 0 },
	{ "crl.validity", CONF_INT, offsetof(struct conf, pki.crl_validity),
	    60, 366 * 86400 },
	{ "ocsp.validity", CONF_INT, offsetof(struct conf, pki.ocsp_validity),
	    60, 30 * 86400 },
};

/* Largest challenge file: RFC 2985 DirectoryString{255}, and a newline. */
#define CONF_CHALLENGE_MAX	256

char *
conf_path(const char *dir)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, CONF_FILE) == -1)
		return NULL;
	return p;
}

static void
conf_defaults(struct conf *c)
{
	c->store.conns = 0;
	c->http.threads = 0;
	c->http.max_body = 256 * 1024;
	c->http.timeout = 30;
	c->http.max_conns = 1024;
	c->cert.validity_days = 365;
	c->cert.backdate_secs = 300;
	c->policy.rsa_min_bits = 2048;
	c->policy.rsa_max_bits = 8192;
	c->policy.ec_p256 = 1;
	c->policy.ec_p384 = 1;
	c->policy.pending_ttl = 7 * 86400;
	c->policy.renew_same_key = 1;
	c->pki.crl_validity = 86400;
	c->pki.ocsp_validity = 3600;
}

static char *
conf_resolve(const struct conf *c, const char *v)
{
	char *p;

	if (v[0] == '/')
		return strdup(v);
	if (asprintf(&p, "%s/%s", c->dir, v) == -1)
		return NULL;
	return p;
}

static int
conf_curves(struct conf *c, const config_setting_t *s)
{
	const char	*name;
	int		 i, rc = 0;

	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		log_warnx("%s:%d: keys.ec_curves: want a list of names",
		    c->path, config_setting_source_line(s));
		return -1;
	}
	c->policy.ec_p256 = c->policy.ec_p384 = 0;
	for (i = 0; i < config_setting_length(s); i++) {
		name = config_setting_get_string_elem(s, i);
		if (name != NULL && strcmp(name, "P-256") == 0)
			c->policy.ec_p256 = 1;
		else if (name != NULL && strcmp(name, "P-384") == 0)
			c->policy.ec_p384 = 1;
		else {
			log_warnx("%s:%d: keys.ec_curves: \"%s\" is not one "
			    "of P-256, P-384", c->path,
			    config_setting_source_line(s),
			    name == NULL ? "?" : name);
			rc = -1;
		}
	}
	return rc;
}

/* Store one known setting; -1 (logged) if its type or range is wrong. */
static int
conf_set(struct conf *c, const struct conf_key *k, config_setting_t *s)
{
	char		*field = (char *)c + k->off;
	const char	*str;
	long long	 v;
	int		 line = config_setting_source_line(s);

	switch (k->type) {
	case CONF_CURVES:
		return conf_curves(c, s);
	case CONF_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
			log_warnx("%s:%d: %s: want true or false", c->path,
			    line, k->name);
			return -1;
		}
		*(int *)field = config_setting_get_bool(s);
		return 0;
	case CONF_STR:
	case CONF_PATH:
		if ((str = config_setting_get_string(s)) == NULL) {
			log_warnx("%s:%d: %s: want a string", c->path, line,
			    k->name);
			return -1;
		}
		free(*(char **)field);
		*(char **)field = k->type == CONF_PATH ?
		    conf_resolve(c, str) : strdup(str);
		return *(char **)field == NULL ? -1 : 0;
	case CONF_INT:
	case CONF_SIZE:
		if (config_setting_type(s) != CONFIG_TYPE_INT &&
		    config_setting_type(s) != CONFIG_TYPE_INT64) {
			log_warnx("%s:%d: %s: want an integer", c->path, line,
			    k->name);
			return -1;
		}
		v = config_setting_get_int64(s);
		if (v < k->min || v > k->max) {
			log_warnx("%s:%d: %s: %lld is outside %lld..%lld",
			    c->path, line, k->name, v, k->min, k->max);
			return -1;
		}
		if (k->type == CONF_INT)
			*(int *)field = (int)v;
		else
			*(size_t *)field = (size_t)v;
		return 0;
	}
	return -1;
}

static const struct conf_key *
conf_key_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++)
		if (strcmp(conf_keys[i].name, name) == 0)
			return &conf_keys[i];
	return NULL;
}

/*
 * Walk every setting under "g": groups recurse, leaves must be known.
 * "prefix" is the dotted name of "g" ("" at the root).
 */
static int
conf_walk(struct conf *c, config_setting_t *g, const char *prefix)
{
	config_setting_t	*s;
	const struct conf_key	*k;
	char			 name[128];
	int			 i, rc = 0;

	for (i = 0; (s = config_setting_get_elem(g, i)) != NULL; i++) {
		snprintf(name, sizeof(name), "%s%s%s", prefix,
		    *prefix ? "." : "", config_setting_name(s));
		if (config_setting_is_group(s)) {
			if (conf_walk(c, s, name) == -1)
				rc = -1;
			continue;
		}
		if ((k = conf_key_find(name)) == NULL) {
			log_warnx("%s:%d: unknown setting \"%s\"", c->path,
			    config_setting_source_line(s), name);
			rc = -1;
		} else if (conf_set(c, k, s) == -1)
			rc = -1;
	}
	return rc;
}

/* The challenge is a secret: a private file, one line, 1..255 bytes. */
static int
conf_challenge(struct conf *c)
{
	unsigned char	*p;
	size_t		 len, n;
	int		 rc = -1;

	if (c->challenge_file == NULL)
		return 0;
	if (file_is_shared(c->challenge_file) == 1) {
		log_warnx("%s: readable by group or others; chmod 600 it",
		    c->challenge_file);
		return -1;
	}
	if ((p = file_read(c->challenge_file, CONF_CHALLENGE_MAX, &len)) ==
	    NULL) {
		log_warn("%s", c->challenge_file);
		return -1;
	}
	n = len;
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	if (n == 0 || n >= CONF_CHALLENGE_MAX || memchr(p, '\0', n) != NULL ||
	    memchr(p, '\n', n)) {
		log_warnx("%s: want one line of 1 to 255 bytes",
		    c->challenge_file);
		goto out;
	}
	/* A copy: the file's buffer has no room for the terminator. */
	if ((c->policy.challenge = strndup((char *)p, n)) == NULL) {
		log_warn("%s", c->challenge_file);
		goto out;
	}
	rc = 0;
 out:
	explicit_bzero(p, len);
	free(p);
	return rc;
}

/*
 * RFC 5280 4.2.1.13, 4.2.2.1: certificates point at this server's /crl,
 * /ocsp and /ca.crt, under the scheme, host and port of public_url.
 */
static int
conf_urls(struct conf *c)
{
	const char	*u = c->public_url, *host, *slash;
	int		 n;

	if (u == NULL)
		return 0;
	if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0) {
		log_warnx("%s: public_url \"%s\": want http:// or https://",
		    c->path, u);
		return -1;
	}
	host = strstr(u, "://") + 3;
	slash = strchr(host, '/');
	n = (int)(slash != NULL ? slash - u : (long)strlen(u));
	if (asprintf(&c->cert.crl_url, "%.*s/crl", n, u) == -1 ||
	    asprintf(&c->cert.ocsp_url, "%.*s/ocsp", n, u) == -1 ||
	    asprintf(&c->cert.issuer_url, "%.*s/ca.crt", n, u) == -1)
		return -1;
	return 0;
}

/* Cross-field rules, once every value is in. */
static int
conf_check(struct conf *c)
{
	int rc = 0;

	if (c->ca.cert == NULL || c->ca.key == NULL) {
		log_warnx("%s: ca.cert and ca.key are required", c->path);
		rc = -1;
	}
	if (strcmp(c->store.backend, "sqlite") != 0) {
		log_warnx("%s: store.backend \"%s\": only \"sqlite\" is "
		    "supported", c->path, c->store.backend);
		rc = -1;
	}
	if (c->store.path == NULL) {
		log_warnx("%s: store.path is required", c->path);
		rc = -1;
	}
	if ((c->ca.ocsp_cert == NULL) != (c->ca.ocsp_key == NULL)) {
		log_warnx("%s: ocsp.signer_cert and ocsp.signer_key go "
		    "together", c->path);
		rc = -1;
	}
	if (c->policy.rsa_max_bits < c->policy.rsa_min_bits) {
		log_warnx("%s: keys.rsa_max_bits is below keys.rsa_min_bits",
		    c->path);
		rc = -1;
	}
	if (conf_challenge(c) == -1 || conf_urls(c) == -1)
		rc = -1;
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
	    (c->store.backend = strdup("sqlite")) == NULL ||
	    (c->http.listen = strdup("127.0.0.1:8080")) == NULL) {
		log_warn("conf_load");
		goto out;
	}
	conf_defaults(c);
	if (!config_read_file(&cfg, path)) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			log_warn("%s", path);
		else
			log_warnx("%s:%d: %s", path, config_error_line(&cfg),
			    config_error_text(&cfg));
		goto out;
	}
	if (conf_walk(c, config_root_setting(&cfg), "") == 0 &&
	    conf_check(c) == 0)
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

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->dir);
	free(c->public_url);
	free(c->ca.cert);
	free(c->ca.key);
	free(c->ca.chain);
	free(c->ca.ocsp_cert);
	free(c->ca.ocsp_key);
	free(c->store.backend);
	free(c->store.path);
	free(c->http.listen);
	free(c->challenge_file);
	free(c->cert.crl_url);
	free(c->cert.ocsp_url);
	free(c->cert.issuer_url);
	if (c->policy.challenge != NULL)
		explicit_bzero(c->policy.challenge, strlen(c->policy.challenge));
	free(c->policy.challenge);
	free(c);
}
