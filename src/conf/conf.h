/*	SPDX-License-Identifier: ISC */
/*
 * conf.h: the configuration file (libconfig syntax, docs/configuration.md)
 * as plain structs.  Paths are resolved against the directory holding
 * the file.  The top-level groups describe the default profile (served
 * at /scep) and the default CA; "profiles" and "cas" add more, each
 * profile starting from the top-level values.  Runtime modules receive
 * only the part they need.
 */
#ifndef SCEPD_CONF_H
#define SCEPD_CONF_H

#include <regex.h>
#include <stddef.h>

#define CONF_FILE	"scepd.conf"
#define CONF_DEFAULT	"default"	/* the top-level profile and CA */
#define CONF_NAME_MAX	63		/* profile and CA names */
#define CONF_HASH_LEN	32		/* SHA-256 of a challenge */
/* http.listen's default; "scepd init" and "serve" show it too. */
#define CONF_LISTEN_DEFAULT	"127.0.0.1:8080"
/*
 * certificate.digest's default: in its settings row, and what ca.c signs
 * with for a template that was not read from a file (tests, tools).
 */
#define CONF_DIGEST_DEFAULT	"sha256"
/* store.wal_limit's default, KiB; also for stores opened without a file. */
#define CONF_WAL_KIB_DEFAULT	1024

/* One CA: who signs certificates, and who speaks SCEP for it. */
struct conf_ca {
	char	*name;
	int	 line;		/* where it is defined, for messages */
	char	*cert;		/* CA certificate, PEM */
	char	*key;		/* CA private key, PEM, mode 0600 */
	char	*chain;		/* optional: more certificates for GetCACert */
	char	*ra_cert;	/* optional RA: opens and signs SCEP */
	char	*ra_key;	/* messages, the CA key signs certificates */
	char	*ocsp_cert;	/* optional delegated OCSP signer (RFC 6960 */
	char	*ocsp_key;	/* 4.2.2.2) and its key; else the CA signs */
};

struct conf_store {
	char	*backend;	/* "sqlite" or "postgresql" */
	char	*path;		/* SQLite database file */
	char	*url;		/* PostgreSQL: URI or key=value conninfo */
	int	 conns;		/* connections in the pool; 0: backend's */
	int	 wal_kib;	/* SQLite: bound of the WAL, KiB; 0: default */
};

struct conf_http {
	char	*listen;	/* "host:port" */
	int	 threads;	/* worker threads, 0 = one per core */
	size_t	 max_body;	/* largest POST body accepted */
	int	 timeout;	/* seconds an idle connection is kept */
	int	 max_conns;	/* connections served at once */
	int	 max_conns_addr; /* of them from one address; 0: any */
	int	 header_timeout; /* seconds to deliver a request's headers */
	int	 queue_ms;	/* longest wait for a worker; 0: no limit */
	char	*tls_cert;	/* HTTPS: certificate chain, PEM; NULL: HTTP */
	char	*tls_key;	/* its private key, PEM, mode 0600 */
};

/*
 * The admin listener (issue #11): the API, /metrics, /healthz and
 * /readyz on their own address.  Fixed at start, like http, except the
 * TLS files, which SIGHUP reads again.
 */
struct conf_admin {
	char	*listen;	/* "host:port"; NULL: no admin listener */
	char	*tls_cert;	/* as conf_http's */
	char	*tls_key;
	int	 client_certs;	/* ask for (never require) a client cert */
};

/*
 * Repeated credential failures from one address (the NDES page; see
 * lib/throttle.h).  Fixed at start, like http.
 */
struct conf_auth {
	int	 max_failures;	/* failures before an address must wait */
	int	 window;	/* seconds without one that forget them */
	int	 delay;		/* the first wait, seconds; then doubled */
	int	 max_delay;	/* the longest wait, seconds */
};

enum conf_subject {
	CONF_SUBJECT_KEEP,	/* the CSR's subject */
	CONF_SUBJECT_REQUIRE,	/* the CSR's, if it matches subject_re */
	CONF_SUBJECT_OVERRIDE,	/* always subject_value */
};

/* SAN types a template copies from the CSR (certificate.san.copy). */
#define CONF_SAN_DNS	0x01
#define CONF_SAN_EMAIL	0x02
#define CONF_SAN_URI	0x04
#define CONF_SAN_IP	0x08
#define CONF_SAN_OTHER	0x10	/* otherName, dirName, rid, ... */
#define CONF_SAN_ALL	0x1f

/* A POSIX extended regular expression and its source, for messages. */
struct conf_re {
	char	*src;
	regex_t	 re;
};

/* What every certificate of a profile gets: its template. */
struct conf_cert {
	int	 validity_days;
	int	 backdate_secs;	/* notBefore this far in the past, for skew */
	char	*key_usage;	/* X509V3 value ("critical,digitalSignature,
				 * ..."), NULL: by key type */
	char	*eku;		/* X509V3 value ("clientAuth,1.2.3"), "" none */
	char	*digest;	/* certificate signature: sha256/384/512 */
	int	 subject_mode;	/* enum conf_subject */
	struct conf_re *subject_re; /* RFC 2253 text must match (REQUIRE) */
	char	*subject_value;	/* "CN=x,O=y" for OVERRIDE */
	int	 san_copy;	/* CONF_SAN_* copied; others are refused */
	struct conf_re *san_re;	/* every SAN value must match, or NULL */
	int	 max_active;	/* valid certificates per subject, 0 any */
	char	*crl_url;	/* CRL distribution point, or NULL */
	char	*ocsp_url;	/* AIA OCSP, or NULL */
	char	*issuer_url;	/* AIA caIssuers, or NULL */
};

enum conf_challenge {
	CONF_CHALLENGE_NONE,	/* anyone reaching the profile enrolls */
	CONF_CHALLENGE_STATIC,	/* one shared secret */
	CONF_CHALLENGE_DYNAMIC,	/* one-time, minted per device */
	CONF_CHALLENGE_WEBHOOK,	/* an external service decides */
	CONF_CHALLENGE_INTUNE,	/* Microsoft Intune validates (issue #16) */
};

enum conf_otherwise {
	CONF_OTHERWISE_PENDING,	/* wait for an administrator */
	CONF_OTHERWISE_REJECT,	/* FAILURE badRequest */
};

/* An address block of approval.rules.networks. */
struct conf_net {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];
	int		 prefix;
};

struct conf_nets {
	struct conf_net	*v;
	size_t		 n;		/* 0: any address */
};

#define CONF_EC_P256	0x01
#define CONF_EC_P384	0x02
#define CONF_KEY_RSA	0x01
#define CONF_KEY_EC	0x02

/* Which requests are acceptable, and who decides. */
struct conf_policy {
	int	 rsa_min_bits;
	int	 rsa_max_bits;
	int	 key_types;	/* CONF_KEY_*: RSA, EC on ec_curves */
	int	 ec_curves;	/* CONF_EC_* */
	int	 challenge_mode; /* enum conf_challenge */
	char	*challenge_file; /* static: the secret or "sha256:HEX" */
	char	*challenge;	/* static: the secret, if the file holds it */
	unsigned char challenge_hash[CONF_HASH_LEN]; /* static: SHA-256 */
	int	 challenge_ttl;	/* dynamic: seconds a minted one lives */
	char	*ndes_user;	/* dynamic: NDES-style page, Basic auth */
	char	*ndes_password_file;
	char	*ndes_password;
	char	*webhook_url;
	char	*webhook_secret_file;
	char	*webhook_secret;
	char	*webhook_notify_url;
	int	 webhook_timeout_ms;
	int	 legacy;	/* accept single DES and MD5 (draft clients) */
	int	 pss_replies;	/* a PSS-signed request gets a PSS CertRep */
	int	 failure_content; /* FAILURE/PENDING with an empty eContent
				  * (default), else eContent absent */
	int	 manual;	/* new enrolments wait for an administrator */
	int	 pending_ttl;	/* seconds a pending request lives */
	int	 renew_window;	/* days before expiry renewal opens, 0 any */
	int	 renew_subject;	/* renewal may change the subject */
	int	 renew_same_key; /* renewal may keep the old key */
	int	 rules;		/* approval.rules given: issue only if all */
	struct conf_nets nets;	/* ... the requester is in one of these, */
	struct conf_re *rule_subject; /* ... the subject matches, */
	int	 rule_challenge; /* ... and a valid challenge came with it */
	int	 otherwise;	/* enum conf_otherwise, when a rule fails */
};

enum conf_getcacert {
	CONF_GETCACERT_AUTO,	/* DER alone, PKCS#7 with an RA or chain */
	CONF_GETCACERT_CA,	/* the CA certificate alone, DER */
	CONF_GETCACERT_CHAIN,	/* always PKCS#7: RA, CA, chain */
};

/*
 * challenge.mode "intune": the Entra ID application scepd acts as, and
 * how to reach Microsoft (docs/intune.md).  The secret, or the key of a
 * certificate credential, is read from a private file.
 */
struct conf_intune {
	char	*tenant;	/* directory ID or domain */
	char	*app_id;	/* the app registration's client ID */
	char	*secret_file;	/* client secret, one line */
	char	*secret;	/* ... as read */
	char	*cert_file;	/* or a certificate credential (PEM) */
	char	*key_file;	/* ... and its RSA key: a signed assertion */
	char	*authority;	/* Entra ID, https://login.microsoftonline.com */
	char	*graph;		/* Microsoft Graph, https://graph.microsoft.com */
	char	*resource;	/* Intune, https://api.manage.microsoft.com/ */
	char	*proxy;		/* HTTP proxy URL, or NULL: the environment's */
	char	*ca_file;	/* PEM CAs to trust, or NULL: the system's */
	char	*provider;	/* callerInfo, "scepd/<version>" */
	int	 timeout;	/* seconds per HTTP request */
	int	 revocation_interval; /* seconds between syncs, 0: none */
};

/* One SCEP endpoint: /scep (the default) or /scep/<name>. */
struct conf_profile {
	char			*name;
	int			 line;
	int			 enabled;
	char			*disabled_reason;
	char			*ca_name;
	size_t			 ca;		/* index into conf->cas */
	int			 getcacert;	/* enum conf_getcacert */
	struct conf_cert	 cert;
	struct conf_policy	 policy;
	struct conf_intune	 intune;	/* challenge.mode intune */
};

/* What scepd keeps of its own work (issue #11). */
struct conf_log {
	int	 transactions_days; /* transaction log rows kept, days */
};

/* Revocation information: how long CRLs and OCSP answers are valid. */
struct conf_pki {
	int	 crl_validity;	/* seconds from thisUpdate to nextUpdate */
	int	 ocsp_validity;	/* seconds from thisUpdate to nextUpdate */
};

/*
 * The events webhook (enroll/events.h): where outcomes are POSTed,
 * signed like the challenge webhook.  No url: no events.
 */
struct conf_events {
	char	*url;		/* http(s) URL, or NULL */
	char	*secret_file;	/* HMAC-SHA256 key, mode 0600 */
	char	*secret;	/* its content, read by conf_check() */
	int	 timeout;	/* seconds per delivery attempt */
	int	 retries;	/* attempts after the first one */
	int	 ca_expiry_days; /* warn this long before a CA expires; 0 never */
};

struct conf {
	char			*path;		/* the file read */
	char			*dir;		/* its directory */
	char			*public_url;	/* base of CDP/AIA URLs */
	struct conf_ca		*cas;		/* [0] is the default CA */
	size_t			 ncas;
	struct conf_profile	*profiles;	/* [0] is the default */
	size_t			 nprofiles;
	struct conf_store	 store;
	struct conf_http	 http;
	struct conf_pki		 pki;
	struct conf_auth	 auth;
	struct conf_admin	 admin;
	struct conf_log		 log;
	struct conf_events	 events;
};

/*
 * Read and check "path".  Every problem is logged as "file:line: what";
 * returns NULL if there was any.  Free with conf_free().
 */
struct conf	*conf_load(const char *path);
void		 conf_free(struct conf *);
/* The config file path for data directory "dir" (caller frees). */
char		*conf_path(const char *dir);
/* A profile by name ("default" or NULL: the default), or NULL. */
const struct conf_profile *conf_profile_find(const struct conf *,
		    const char *name);
/* Does the address "ip" (text) fall in one of the networks? */
int		 conf_net_match(const struct conf_nets *, const char *ip);
/* Does "s" match the expression? */
int		 conf_re_match(const struct conf_re *, const char *s);

#endif
