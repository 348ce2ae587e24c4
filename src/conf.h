/*	SPDX-License-Identifier: ISC */
/*
 * conf.h: the configuration file (libconfig syntax, docs/configuration.md)
 * as a plain struct.  Paths are resolved against the directory holding
 * the file.  Runtime modules receive only the part they need.
 */
#ifndef SCEPD_CONF_H
#define SCEPD_CONF_H

#include <stddef.h>

#define CONF_FILE	"scepd.conf"

struct conf_ca {
	char	*cert;		/* CA certificate, PEM */
	char	*key;		/* CA private key, PEM, mode 0600 */
	char	*chain;		/* optional: more certificates for GetCACert */
	char	*ocsp_cert;	/* optional delegated OCSP signer (RFC 6960 */
	char	*ocsp_key;	/* 4.2.2.2) and its key; else the CA signs */
};

struct conf_store {
	char	*backend;	/* "sqlite" */
	char	*path;		/* SQLite database file */
	int	 conns;		/* connections in the pool; 0 = threads + 1 */
};

struct conf_http {
	char	*listen;	/* "host:port" */
	int	 threads;	/* worker threads, 0 = one per core */
	size_t	 max_body;	/* largest POST body accepted */
	int	 timeout;	/* seconds an idle connection is kept */
	int	 max_conns;	/* connections served at once */
};

/* What every certificate gets: the default template (RFC 5280 profile). */
struct conf_cert {
	int	 validity_days;
	int	 backdate_secs;	/* notBefore this far in the past, for skew */
	char	*crl_url;	/* CRL distribution point, or NULL */
	char	*ocsp_url;	/* AIA OCSP, or NULL */
	char	*issuer_url;	/* AIA caIssuers, or NULL */
};

/* Which requests are acceptable at all. */
struct conf_policy {
	int	 rsa_min_bits;
	int	 rsa_max_bits;
	int	 ec_p256;	/* EC P-256 keys allowed */
	int	 ec_p384;	/* EC P-384 keys allowed */
	char	*challenge;	/* static challengePassword, NULL = none needed */
	int	 legacy;	/* accept single DES and MD5 (draft clients) */
	int	 manual;	/* new enrolments wait for an administrator */
	int	 pending_ttl;	/* seconds a pending request lives */
	int	 renew_window;	/* days before expiry renewal opens, 0 any */
	int	 renew_subject;	/* renewal may change the subject */
	int	 renew_same_key; /* renewal may keep the old key */
};

/* Revocation information: how long CRLs and OCSP answers are valid. */
struct conf_pki {
	int	 crl_validity;	/* seconds from thisUpdate to nextUpdate */
	int	 ocsp_validity;	/* seconds from thisUpdate to nextUpdate */
};

struct conf {
	char			*path;		/* the file read */
	char			*dir;		/* its directory */
	char			*public_url;	/* printed by init, future CDP/AIA */
	struct conf_ca		 ca;
	struct conf_store	 store;
	struct conf_http	 http;
	struct conf_cert	 cert;
	struct conf_policy	 policy;
	struct conf_pki		 pki;
	char			*challenge_file;
};

/*
 * Read and check "path".  Every problem is logged as "file:line: what";
 * returns NULL if there was any.  Free with conf_free().
 */
struct conf	*conf_load(const char *path);
void		 conf_free(struct conf *);
/* The config file path for data directory "dir" (caller frees). */
char		*conf_path(const char *dir);

#endif
