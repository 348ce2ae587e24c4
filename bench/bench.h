/*	SPDX-License-Identifier: ISC */
/*
 * bench.h: scepbench, the enrollment benchmark of issue #6.
 * bench_crypto.c builds PKCSReq messages and checks CertReps (RFC 8894
 * 3.3.1, 3.3.2) with OpenSSL alone; bench_http.c is a keep-alive
 * HTTP/1.1 client on plain sockets, loopback only; bench_load.c drives
 * C connections and samples the server's /proc; bench_report.c turns
 * result lines into the report and its targets; scepbench.c is the
 * command line.  Nothing here links scepd's own code: the benchmark
 * is a client, and must measure micromdm's server the same way.
 */
#ifndef SCEPBENCH_H
#define SCEPBENCH_H

#include <sys/types.h>

#include <netinet/in.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#define BENCH_NONCE_LEN		16	/* RFC 8894 3.2.1.5 */
#define BENCH_TXID_LEN		32	/* hex of 16 random bytes */
#define BENCH_SERIAL_MAX	64	/* hex digits of a serial we accept */

/* The SCEP attributes of RFC 8894 3.2.1, Table 2. */
enum bench_oid {
	BENCH_OID_MESSAGETYPE,
	BENCH_OID_PKISTATUS,
	BENCH_OID_FAILINFO,
	BENCH_OID_SENDERNONCE,
	BENCH_OID_RECIPIENTNONCE,
	BENCH_OID_TRANSACTIONID,
	BENCH_OID__MAX
};

/*
 * What every request of a run shares.  Everything is owned here:
 * free with bench_pool_free().
 */
struct bench_pool {
	X509		*ca;		/* trust anchor */
	X509		*ra;		/* opens and signs SCEP for "ca", or NULL */
	X509_STORE	*trust;		/* "ca" alone */
	unsigned char	*cader;		/* "ca" as DER: the GetCACert answer */
	size_t		 caderlen;
	EVP_PKEY	**keys;		/* requester keys, used in turn */
	int		 nkeys;
	EVP_MD		*md;		/* digest of the requests */
	EVP_CIPHER	*cipher;	/* content cipher of the envelopes */
	char		*challenge;	/* challengePassword, or NULL */
	char		 tag[9];	/* random: subjects differ across runs */
	ASN1_OBJECT	*oid[BENCH_OID__MAX];
	OSSL_PROVIDER	*legacy;	/* DES, for micromdm's replies */
	OSSL_PROVIDER	*deflt;		/* loaded again beside "legacy" */
};

/* One prepared PKCSReq.  Free what it owns with bench_msg_clear(). */
struct bench_msg {
	unsigned char	*der;		/* the pkiMessage */
	size_t		 dersz;
	char		 txid[BENCH_TXID_LEN + 1];
	unsigned char	 nonce[BENCH_NONCE_LEN];
	EVP_PKEY	*key;		/* the pool's; not owned */
	X509		*signer;	/* self-signed over "key" */
};

/* bench_crypto.c: "racert" may be NULL (the CA speaks SCEP itself). */
struct bench_pool *bench_pool_new(const char *cacert, const char *racert,
		    int nkeys, int bits, const char *digest, const char *cipher,
		    const char *challenge);
void		 bench_pool_free(struct bench_pool *);
int		 bench_msg_build(const struct bench_pool *, size_t,
		    struct bench_msg *);
void		 bench_msg_clear(struct bench_msg *);
/*
 * Check a CertRep to "m": signed by the CA, our nonce and transaction,
 * SUCCESS, an envelope we can open, holding a certificate over our key
 * that chains to the CA.  0 with its serial (hex) in "serial", or -1
 * after a warning naming what is wrong.
 */
int		 bench_rep_check(const struct bench_pool *,
		    const struct bench_msg *, const unsigned char *, size_t,
		    char serial[BENCH_SERIAL_MAX + 1]);
/* RSA private operations a second on one thread, or -1. */
double		 bench_rsa_speed(int bits, double secs);
/* bench_crypto.c: a monotonic clock in seconds. */
double		 bench_now(void);
int		 bench_x509_costs(int bits, double secs, double *parse_us,
		    double *verify_us);
/* bench_sync.c: CPU microseconds of one durable write, or -1. */
double		 bench_sync_cpu_us(const char *dir, double secs);

/* A loopback SCEP URL, parsed. */
struct bench_url {
	struct sockaddr_in	 sin;
	char			 host[64];	/* "127.0.0.1:8080" */
	char			 path[256];	/* "/scep" */
};

/* One keep-alive connection and its receive buffer. */
struct bench_conn {
	const struct bench_url	*url;
	struct in_addr		 src;		/* bound to it; 0: any */
	int			 fd;		/* -1 when closed */
	int			 retry_after;	/* of the last answer; -1: none */
	unsigned char		*buf;		/* what was received */
	size_t			 len;
	size_t			 cap;
	unsigned char		*body;		/* decoded body of a chunked reply */
	size_t			 bodycap;
};

/* bench_http.c */
int		 bench_url_parse(const char *, struct bench_url *);
/* A whole request for "op": GET without "body", else POST; malloc'd. */
char		*bench_http_req(const struct bench_url *, const char *op,
		    const unsigned char *body, size_t bodysz, size_t *);
void		 bench_conn_init(struct bench_conn *, const struct bench_url *);
void		 bench_conn_close(struct bench_conn *);
/*
 * Send a request built by bench_http_req() and read the answer; the
 * body stays valid until the next call, and c->retry_after holds its
 * Retry-After seconds.  0, or -1 after a warning.
 */
int		 bench_conn_do(struct bench_conn *, const char *, size_t,
		    int *status, const unsigned char **, size_t *);
/* A free TCP port on 127.0.0.1, or -1. */
int		 bench_free_port(void);

/* One request of a counted run, and its answer once it ran. */
struct bench_item {
	char		*req;		/* from bench_http_req() */
	size_t		 reqsz;
	unsigned char	*rep;		/* body of the answer, malloc'd */
	size_t		 repsz;
	int		 http;		/* status, 0 if the exchange failed */
	int		 shed;		/* 503 with a Retry-After: an answer */
	double		 lat_ms;
};

/* What a timed phase measured.  Times in milliseconds. */
struct bench_stats {
	size_t		 n;		/* requests answered 200 */
	size_t		 shed;		/* answered 503 with Retry-After */
	size_t		 errors;	/* exchanges failed, or other answers */
	double		 wall_ms;
	double		 rate;		/* requests a second */
	double		 p50, p90, p99, max;
	double		 srv_cpu_ms;	/* server utime + stime, all threads */
	long		 srv_hwm_kb;	/* server VmHWM at the end */
	long		 srv_rss0_kb;	/* server VmRSS before, -1 unknown */
	long		 srv_rss1_kb;	/* and once the load has ended */
	double		 cli_cpu_ms;	/* ours, for the shared-CPU caveat */
	double		 busy;		/* share of all CPUs busy, or -1 */
	double		 other;		/* of that, neither server nor us */
};

/* bench_load.c: a process's resident set and its file-backed part. */
int		 bench_proc_rss(pid_t, long *rss_kb, long *file_kb);

/*
 * How the connections of a phase look to the server: "nsrc" source
 * addresses from "src" up (connection i takes src + i % nsrc; 0: the
 * kernel's choice), and "settle" seconds after the last one closed
 * before the server's resident set is read again.
 */
struct bench_shape {
	struct in_addr	 src;
	int		 nsrc;
	double		 settle;
};

/* bench_load.c: pid 0 skips the server's /proc. */
int		 bench_load_items(const struct bench_url *, pid_t, int conc,
		    const struct bench_shape *, struct bench_item *, size_t,
		    struct bench_stats *);
int		 bench_load_repeat(const struct bench_url *, pid_t, int conc,
		    const char *, size_t, double secs, const unsigned char *,
		    size_t, struct bench_stats *);

/* bench_report.c: print the report of a results file; 0 or -1. */
int		 bench_report(const char *path);

#endif
