/*	SPDX-License-Identifier: ISC */
/*
 * conf_value.c: storing one configuration setting: the plain types, and
 * the settings that are names from a fixed set (modes, key usages,
 * SAN types, curves), lists, regular expressions and address blocks.
 * Every refusal names the file, the line and what would be accepted.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_value.h"
#include "log.h"

#define LINE(s)	config_setting_source_line(s)

char *
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
conf_set_str(const struct conf *c, const struct conf_key *k,
    config_setting_t *s, char **field)
{
	const char *str;

	if ((str = config_setting_get_string(s)) == NULL) {
		log_warnx("%s:%d: %s: want a string", c->path, LINE(s),
		    k->name);
		return -1;
	}
	free(*field);
	*field = k->type == CONF_PATH ? conf_resolve(c, str) : strdup(str);
	return *field == NULL ? -1 : 0;
}

static int
conf_set_int(const struct conf *c, const struct conf_key *k,
    config_setting_t *s, void *field)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		log_warnx("%s:%d: %s: want an integer", c->path, LINE(s),
		    k->name);
		return -1;
	}
	v = config_setting_get_int64(s);
	if (v < k->min || v > k->max) {
		log_warnx("%s:%d: %s: %lld is outside %lld..%lld", c->path,
		    LINE(s), k->name, v, k->min, k->max);
		return -1;
	}
	if (k->type == CONF_INT)
		*(int *)field = (int)v;
	else
		*(size_t *)field = (size_t)v;
	return 0;
}

int
conf_set(const struct conf *c, const struct conf_key *k, config_setting_t *s,
    void *base)
{
	void *field = (char *)base + k->off;

	switch (k->type) {
	case CONF_FN_INT:
	case CONF_FN_STR:
	case CONF_FN:
		return k->fn(c, k, s, field);
	case CONF_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
			log_warnx("%s:%d: %s: want true or false", c->path,
			    LINE(s), k->name);
			return -1;
		}
		*(int *)field = config_setting_get_bool(s);
		return 0;
	case CONF_STR:
	case CONF_PATH:
		return conf_set_str(c, k, s, field);
	case CONF_INT:
	case CONF_SIZE:
		return conf_set_int(c, k, s, field);
	}
	return -1;
}

int
conf_defaults(const struct conf_key *k, void *base)
{
	void *field;

	for (; k->name != NULL; k++) {
		field = (char *)base + k->off;
		switch (k->type) {
		case CONF_INT:
		case CONF_BOOL:
		case CONF_FN_INT:
			*(int *)field = (int)k->def;
			break;
		case CONF_SIZE:
			*(size_t *)field = (size_t)k->def;
			break;
		case CONF_STR:
		case CONF_FN_STR:
			/* A copy: the setters free what they replace. */
			if (k->sdef != NULL &&
			    (*(char **)field = strdup(k->sdef)) == NULL)
				return -1;
			break;
		case CONF_PATH:
		case CONF_FN:
			/* No default to store: calloc's zero means "none". */
			break;
		}
	}
	return 0;
}

/* A word from "names" (NULL-terminated): its index, or -1 (logged). */
static int
cv_word(const struct conf *c, const struct conf_key *k, config_setting_t *s,
    const char *str, const char *const *names)
{
	char	 all[256] = "";
	size_t	 i;

	for (i = 0; str != NULL && names[i] != NULL; i++)
		if (strcmp(str, names[i]) == 0)
			return (int)i;
	for (i = 0; names[i] != NULL; i++)
		snprintf(all + strlen(all), sizeof(all) - strlen(all),
		    "%s%s", i ? ", " : "", names[i]);
	log_warnx("%s:%d: %s: \"%s\" is not one of %s", c->path, LINE(s),
	    k->name, str == NULL ? "(not a string)" : str, all);
	return -1;
}

/* A setting that is one word of "names": the index into *field. */
static int
cv_enum(const struct conf *c, const struct conf_key *k, config_setting_t *s,
    void *field, const char *const *names)
{
	int i;

	if ((i = cv_word(c, k, s, config_setting_get_string(s), names)) < 0)
		return -1;
	*(int *)field = i;
	return 0;
}

/* A list of words of "names": a bit per word; "empty" says if [] is ok. */
static int
cv_bits(const struct conf *c, const struct conf_key *k, config_setting_t *s,
    const char *const *names, int *bits, int empty)
{
	int i, w, rc = 0;

	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		log_warnx("%s:%d: %s: want a list, [ \"...\", ... ]", c->path,
		    LINE(s), k->name);
		return -1;
	}
	*bits = 0;
	for (i = 0; i < config_setting_length(s); i++) {
		if ((w = cv_word(c, k, s, config_setting_get_string_elem(s, i),
		    names)) < 0)
			rc = -1;
		else
			*bits |= 1 << w;
	}
	if (rc == 0 && !empty && *bits == 0) {
		log_warnx("%s:%d: %s: the list is empty", c->path, LINE(s),
		    k->name);
		rc = -1;
	}
	return rc;
}

/* "auto", "ca" or "chain" (enum conf_getcacert). */
int
cv_getcacert(const struct conf *c, const struct conf_key *k,
    config_setting_t *s, void *field)
{
	static const char *const names[] = { "auto", "ca", "chain", NULL };

	return cv_enum(c, k, s, field, names);
}

/* "none", "static", "dynamic", "webhook" or "intune" (enum conf_challenge). */
int
cv_challenge_mode(const struct conf *c, const struct conf_key *k,
    config_setting_t *s, void *field)
{
	static const char *const names[] = { "none", "static", "dynamic",
	    "webhook", "intune", NULL };

	return cv_enum(c, k, s, field, names);
}

/* "keep", "require" or "override" (enum conf_subject). */
int
cv_subject_mode(const struct conf *c, const struct conf_key *k,
    config_setting_t *s, void *field)
{
	static const char *const names[] = { "keep", "require", "override",
	    NULL };

	return cv_enum(c, k, s, field, names);
}

/* "pending" or "reject" (enum conf_otherwise). */
int
cv_otherwise(const struct conf *c, const struct conf_key *k,
    config_setting_t *s, void *field)
{
	static const char *const names[] = { "pending", "reject", NULL };

	return cv_enum(c, k, s, field, names);
}

/* "sha256", "sha384" or "sha512": what certificates are signed with. */
int
cv_digest(const struct conf *c, const struct conf_key *k,
    config_setting_t *s, void *field)
{
	static const char *const names[] = { "sha256", "sha384", "sha512",
	    NULL };
	int i;

	if ((i = cv_word(c, k, s, config_setting_get_string(s), names)) < 0)
		return -1;
	free(*(char **)field);
	return (*(char **)field = strdup(names[i])) == NULL ? -1 : 0;
}

/*
 * RFC 5280 4.2.1.3 names, as a list: stored as the OpenSSL X509V3 value
 * "critical,digitalSignature,...", the names being OpenSSL's too.
 */
int
cv_key_usage(const struct conf *c, const struct conf_key *k,
    config_setting_t *s, void *field)
{
	static const char *const names[] = { "digitalSignature",
	    "nonRepudiation", "keyEncipherment", "dataEncipherment",
	    "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly",
	    "decipherOnly", NULL };
	char	 v[256] = "critical";
	int	 bits, i;

	if (cv_bits(c, k, s, names, &bits, 0) == -1)
		return -1;
	for (i = 0; names[i] != NULL; i++)
		if (bits & (1 << i))
			snprintf(v + strlen(v), sizeof(v) - strlen(v), ",%s",
			    names[i]);
	free(*(char **)field);
	return (*(char **)field = strdup(v)) == NULL ? -1 : 0;
}

/* A dotted OID: digits, at least two arcs. */
static int
cv_oid(const char *s)
{
	size_t	n = strlen(s);

	return n > 2 && strspn(s, "0123456789.") == n && s[0] != '.' &&
	    s[n - 1] != '.' && strstr(s, "..") == NULL &&
	    strchr(s, '.') != NULL;
}

/*
 * RFC 5280 4.2.1.12 purposes by OpenSSL short name, or dotted OIDs
 * (Microsoft's smart card logon is 1.3.6.1.4.1.311.20.2.2); [] means
 * no extendedKeyUsage extension at all.
 */
int
cv_eku(const struct conf *c, const struct conf_key *k, config_setting_t *s,
    void *field)
{
	static const char *const names[] = { "serverAuth", "clientAuth",
	    "codeSigning", "emailProtection", "timeStamping", "OCSPSigning",
	    "ipsecIKE", "msCodeInd", "msCodeCom", "msCTLSign", "msEFS",
	    "msSGC", "nsSGC", "anyExtendedKeyUsage", NULL };
	char		 v[1024] = "";
	const char	*e;
	int		 i, rc = 0;

	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		log_warnx("%s:%d: %s: want a list, [ \"clientAuth\", ... ]",
		    c->path, LINE(s), k->name);
		return -1;
	}
	for (i = 0; i < config_setting_length(s); i++) {
		e = config_setting_get_string_elem(s, i);
		if (e == NULL || (!cv_oid(e) && cv_word(c, k, s, e, names) <
		    0)) {
			rc = -1;
			continue;
		}
		snprintf(v + strlen(v), sizeof(v) - strlen(v), "%s%s",
		    *v ? "," : "", e);
	}
	if (rc == -1)
		return -1;
	free(*(char **)field);
	return (*(char **)field = strdup(v)) == NULL ? -1 : 0;
}

/* Which subjectAltName types a certificate may carry (CONF_SAN_*). */
int
cv_san_types(const struct conf *c, const struct conf_key *k,
    config_setting_t *s, void *field)
{
	static const char *const names[] = { "dns", "email", "uri", "ip",
	    "other", NULL };

	return cv_bits(c, k, s, names, field, 1);
}

/* "rsa", "ec" (CONF_KEY_*). */
int
cv_key_types(const struct conf *c, const struct conf_key *k,
    config_setting_t *s, void *field)
{
	static const char *const names[] = { "rsa", "ec", NULL };

	return cv_bits(c, k, s, names, field, 0);
}

/* "P-256", "P-384" (CONF_EC_*). */
int
cv_curves(const struct conf *c, const struct conf_key *k,
    config_setting_t *s, void *field)
{
	static const char *const names[] = { "P-256", "P-384", NULL };

	return cv_bits(c, k, s, names, field, 1);
}

void
cv_regex_free(struct conf_re *r)
{
	if (r == NULL)
		return;
	regfree(&r->re);
	free(r->src);
	free(r);
}

/* A POSIX extended regular expression, anchored by the writer. */
int
cv_regex(const struct conf *c, const struct conf_key *k, config_setting_t *s,
    void *field)
{
	struct conf_re	*r;
	const char	*str;
	char		 err[128];
	int		 e;

	if ((str = config_setting_get_string(s)) == NULL) {
		log_warnx("%s:%d: %s: want a regular expression string",
		    c->path, LINE(s), k->name);
		return -1;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->src = strdup(str)) == NULL) {
		free(r);
		return -1;
	}
	if ((e = regcomp(&r->re, str, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(e, &r->re, err, sizeof(err));
		log_warnx("%s:%d: %s: \"%s\": %s", c->path, LINE(s), k->name,
		    str, err);
		free(r->src);
		free(r);
		return -1;
	}
	cv_regex_free(*(struct conf_re **)field);
	*(struct conf_re **)field = r;
	return 0;
}

/* "10.0.0.0/8", "2001:db8::/32", or one address. */
static int
cv_net(const char *str, struct conf_net *n)
{
	char		 a[INET6_ADDRSTRLEN + 8], *slash, *end;
	long		 pfx;
	int		 max;

	if (snprintf(a, sizeof(a), "%s", str) >= (int)sizeof(a))
		return -1;
	if ((slash = strchr(a, '/')) != NULL)
		*slash++ = '\0';
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, a, n->addr) == 1) {
		n->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, a, n->addr) == 1) {
		n->family = AF_INET6;
		max = 128;
	} else
		return -1;
	n->prefix = max;
	if (slash != NULL) {
		pfx = strtol(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || pfx < 0 || pfx > max)
			return -1;
		n->prefix = (int)pfx;
	}
	return 0;
}

/* A list of address blocks (struct conf_nets). */
int
cv_networks(const struct conf *c, const struct conf_key *k,
    config_setting_t *s, void *field)
{
	struct conf_nets	*nets = field;
	struct conf_net		*v;
	const char		*str;
	int			 i, n, rc = 0;

	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		log_warnx("%s:%d: %s: want a list, [ \"10.0.0.0/8\", ... ]",
		    c->path, LINE(s), k->name);
		return -1;
	}
	n = config_setting_length(s);
	if ((v = calloc((size_t)n + 1, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		str = config_setting_get_string_elem(s, i);
		if (str == NULL || cv_net(str, &v[i]) == -1) {
			log_warnx("%s:%d: %s: \"%s\" is not an address or "
			    "ADDRESS/PREFIX", c->path, LINE(s), k->name,
			    str == NULL ? "(not a string)" : str);
			rc = -1;
		}
	}
	if (rc == -1) {
		free(v);
		return -1;
	}
	free(nets->v);
	nets->v = v;
	nets->n = (size_t)n;
	return 0;
}

static int
conf_net_in(const struct conf_net *n, const unsigned char *a)
{
	int		 full = n->prefix / 8, rest = n->prefix % 8;
	unsigned char	 mask;

	if (memcmp(n->addr, a, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (n->addr[full] & mask) == (a[full] & mask);
}

int
conf_net_match(const struct conf_nets *nets, const char *ip)
{
	unsigned char	 a4[4], a6[16];
	size_t		 i;
	int		 is4, is6;

	is4 = inet_pton(AF_INET, ip, a4) == 1;
	is6 = !is4 && inet_pton(AF_INET6, ip, a6) == 1;
	/* An IPv4 client on a dual-stack socket: ::ffff:a.b.c.d. */
	if (is6 && IN6_IS_ADDR_V4MAPPED((struct in6_addr *)a6)) {
		memcpy(a4, a6 + 12, 4);
		is4 = 1;
		is6 = 0;
	}
	for (i = 0; i < nets->n; i++) {
		if (is4 && nets->v[i].family == AF_INET &&
		    conf_net_in(&nets->v[i], a4))
			return 1;
		if (is6 && nets->v[i].family == AF_INET6 &&
		    conf_net_in(&nets->v[i], a6))
			return 1;
	}
	return 0;
}

int
conf_re_match(const struct conf_re *r, const char *s)
{
	return regexec(&r->re, s, 0, NULL, 0) == 0;
}
