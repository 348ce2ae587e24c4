/*	SPDX-License-Identifier: ISC */
/*
 * test_webhook.c: webhook_check() and webhook_notify() against a real
 * HTTP endpoint on loopback (tests/tools/webhook_server.py, which checks
 * the signature and records every POST): allow, deny with a reason, and
 * every way of getting no usable answer (timeout, 500, not JSON, no
 * "allow", too big, redirect, refused connection, wrong secret, a
 * protocol other than http/https).  Also csr_san_each(), which spells
 * the SANs that the JSON carries.
 */
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "csr.h"
#include "testutil.h"
#include "util.h"
#include "webhook.h"

#define SECRET		"shared-s3cret"
#define INTUNE_URI	"tag:microsoft.com,2022-09-14:sid:S-1-5-21-1-2-3-1001"

/* One server and one CSR for the whole run. */
struct fx {
	pid_t		 pid;		/* webhook_server.py */
	int		 port;
	int		 refuse;	/* bound, never listening: refuses */
	int		 refuse_port;
	char		*dir;
	char		*record;	/* what the server saw, JSON lines */
	unsigned char	*csr;
	size_t		 csrsz;
	char		 url[64], notify_url[64], refused_url[64];
};

/* Start the server and read its port from the first line it prints. */
static int
server_start(struct fx *fx)
{
	struct pollfd	 pfd;
	char		 line[32];
	ssize_t		 n;
	size_t		 got = 0;
	int		 p[2];

	if (pipe(p) == -1 || (fx->pid = fork()) == -1)
		return -1;
	if (fx->pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		execlp("python3", "python3", WEBHOOK_SERVER, "--secret", SECRET,
		    "--record", fx->record, "--lifetime", "60", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	while (got < sizeof(line) - 1 && memchr(line, '\n', got) == NULL) {
		if (poll(&pfd, 1, 10000) != 1 ||
		    (n = read(p[0], line + got, sizeof(line) - 1 - got)) <= 0)
			break;
		got += (size_t)n;
	}
	close(p[0]);
	line[got] = '\0';
	return (fx->port = atoi(line)) > 0 ? 0 : -1;
}

/* A TCP port on which connect() is refused for as long as we hold it. */
static int
refusing_port(struct fx *fx)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fx->refuse = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fx->refuse, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fx->refuse, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	fx->refuse_port = ntohs(sin.sin_port);
	return 0;
}

static int
csr_make(struct fx *fx)
{
	EVP_PKEY	*key;
	X509_REQ	*req = NULL;

	if ((key = tu_key_ec("P-256")) == NULL)
		return -1;
	if ((req = tu_req_new(key, "dev")) != NULL)
		fx->csr = tu_req_sign(req, key, EVP_sha256(), &fx->csrsz);
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	return fx->csr == NULL ? -1 : 0;
}

static int
setup(void **state)
{
	struct fx	*fx;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	*state = fx;
	fx->refuse = -1;
	if (webhook_global_init() == -1 || (fx->dir = tu_tmpdir()) == NULL ||
	    (fx->record = tu_path(fx->dir, "record.jsonl")) == NULL ||
	    csr_make(fx) == -1 || refusing_port(fx) == -1 ||
	    server_start(fx) == -1)
		return -1;
	snprintf(fx->url, sizeof(fx->url), "http://127.0.0.1:%d/check",
	    fx->port);
	snprintf(fx->notify_url, sizeof(fx->notify_url),
	    "http://127.0.0.1:%d/notify", fx->port);
	snprintf(fx->refused_url, sizeof(fx->refused_url),
	    "http://127.0.0.1:%d/check", fx->refuse_port);
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;

	if (fx == NULL)
		return 0;
	if (fx->pid > 0) {
		kill(fx->pid, SIGTERM);
		waitpid(fx->pid, NULL, 0);
	}
	if (fx->refuse != -1)
		close(fx->refuse);
	tu_rmrf(fx->dir);
	free(fx->dir);
	free(fx->record);
	free(fx->csr);
	free(fx);
	webhook_global_cleanup();
	return 0;
}

static struct webhook_conf
conf(const struct fx *fx, int timeout_ms)
{
	struct webhook_conf	 wc = {
		.url = fx->url,
		.secret = SECRET,
		.timeout_ms = timeout_ms,
		.notify_url = fx->notify_url,
	};

	return wc;
}

/* A request from "cn"; the transaction ID is "tx-<cn>". */
static struct webhook_req
req(const struct fx *fx, const char *cn, char *subject, size_t subjectsz,
    char *txid, size_t txidsz)
{
	struct webhook_req	 rq = {
		.profile = "mdm",
		.peer = "192.0.2.7",
		.csr = fx->csr,
		.csrsz = fx->csrsz,
	};

	snprintf(subject, subjectsz, "CN=%s,O=scepd tests", cn);
	snprintf(txid, txidsz, "tx-%s", cn);
	rq.subject = subject;
	rq.txid = txid;
	return rq;
}

/* webhook_check() on a request from "cn" with "wc". */
static enum webhook_verdict
check_with(const struct fx *fx, const struct webhook_conf *wc,
    const char *cn, char *reason, size_t reasonsz)
{
	struct webhook_req	 rq;
	char			 subject[128], txid[64];

	rq = req(fx, cn, subject, sizeof(subject), txid, sizeof(txid));
	memset(reason, 'X', reasonsz);
	return webhook_check(wc, &rq, reason, reasonsz);
}

static enum webhook_verdict
check(const struct fx *fx, const char *cn, char *reason, size_t reasonsz)
{
	struct webhook_conf	 wc = conf(fx, 3000);

	return check_with(fx, &wc, cn, reason, reasonsz);
}

/*
 * The last record of a POST to "path" about "txid", or NULL; the
 * caller frees it with json_decref().
 */
static json_t *
record_find(const struct fx *fx, const char *path, const char *txid)
{
	FILE		*fp;
	char		*line = NULL;
	size_t		 cap = 0;
	json_t		*j, *found = NULL;
	const char	*p, *t;

	if ((fp = fopen(fx->record, "r")) == NULL)
		return NULL;
	while (getline(&line, &cap, fp) != -1) {
		if ((j = json_loads(line, 0, NULL)) == NULL)
			continue;
		p = json_string_value(json_object_get(j, "path"));
		t = json_string_value(json_object_get(json_object_get(j,
		    "body"), "transaction_id"));
		if (p != NULL && t != NULL && strcmp(p, path) == 0 &&
		    strcmp(t, txid) == 0) {
			json_decref(found);
			found = j;
		} else
			json_decref(j);
	}
	free(line);
	fclose(fp);
	return found;
}

static const char *
body_str(json_t *rec, const char *key)
{
	return json_string_value(json_object_get(json_object_get(rec,
	    "body"), key));
}

static void
test_allow(void **state)
{
	struct fx	*fx = *state;
	json_t		*rec;
	char		 reason[128], b64[512];

	assert_int_equal(check(fx, "allow", reason, sizeof(reason)),
	    WEBHOOK_ALLOW);
	assert_string_equal(reason, "");
	assert_non_null(rec = record_find(fx, "/check", "tx-allow"));
	assert_true(json_is_true(json_object_get(rec, "sig_ok")));
	assert_string_equal(body_str(rec, "profile"), "mdm");
	assert_string_equal(body_str(rec, "subject"), "CN=allow,O=scepd tests");
	assert_string_equal(body_str(rec, "requester"), "192.0.2.7");
	assert_true(fx->csrsz < 3 * sizeof(b64) / 4 - 3);
	EVP_EncodeBlock((unsigned char *)b64, fx->csr, (int)fx->csrsz);
	assert_string_equal(body_str(rec, "csr"), b64);
	assert_int_equal(json_array_size(json_object_get(json_object_get(rec,
	    "body"), "san")), 0);
	assert_null(json_object_get(json_object_get(rec, "body"), "event"));
	json_decref(rec);
}

static void
test_deny(void **state)
{
	struct fx	*fx = *state;
	char		 reason[128], tiny[8];

	assert_int_equal(check(fx, "deny", reason, sizeof(reason)),
	    WEBHOOK_DENY);
	assert_string_equal(reason, "not on the list");
	/* No reason in the answer: still a refusal, and still says so. */
	assert_int_equal(check(fx, "denybare", reason, sizeof(reason)),
	    WEBHOOK_DENY);
	assert_string_equal(reason, "refused by the webhook");
	/* A short buffer is truncated, never overrun. */
	assert_int_equal(check(fx, "deny", tiny, sizeof(tiny)), WEBHOOK_DENY);
	assert_string_equal(tiny, "not on ");
}

static void
test_timeout(void **state)
{
	struct fx		*fx = *state;
	struct webhook_conf	 wc = conf(fx, 500);
	char			 reason[128];
	double			 t0, ms;

	t0 = now_ms();
	assert_int_equal(check_with(fx, &wc, "slow", reason, sizeof(reason)),
	    WEBHOOK_ERROR);
	ms = now_ms() - t0;
	assert_true(ms >= 400 && ms < 2000);
	assert_string_equal(reason, "no answer within 500 ms");
}

static void
test_bad_answers(void **state)
{
	struct fx	*fx = *state;
	json_t		*rec;
	char		 reason[128];

	assert_int_equal(check(fx, "fail", reason, sizeof(reason)),
	    WEBHOOK_ERROR);
	assert_string_equal(reason, "HTTP status 500");
	assert_int_equal(check(fx, "garbage", reason, sizeof(reason)),
	    WEBHOOK_ERROR);
	assert_string_equal(reason, "answer is not a JSON object");
	assert_int_equal(check(fx, "noallow", reason, sizeof(reason)),
	    WEBHOOK_ERROR);
	assert_string_equal(reason, "answer has no boolean \"allow\"");
	assert_int_equal(check(fx, "strallow", reason, sizeof(reason)),
	    WEBHOOK_ERROR);
	assert_int_equal(check(fx, "big", reason, sizeof(reason)),
	    WEBHOOK_ERROR);
	assert_string_equal(reason, "answer over 65536 bytes");
	/* Unannounced length: the ceiling holds while reading. */
	assert_int_equal(check(fx, "bigstream", reason, sizeof(reason)),
	    WEBHOOK_ERROR);
	assert_string_equal(reason, "answer over 65536 bytes");
	/* A redirect is an answer, not an invitation. */
	assert_int_equal(check(fx, "redirect", reason, sizeof(reason)),
	    WEBHOOK_ERROR);
	assert_string_equal(reason, "HTTP status 302");
	rec = record_find(fx, "/redirected", "tx-redirect");
	assert_null(rec);
}

static void
test_refused(void **state)
{
	struct fx		*fx = *state;
	struct webhook_conf	 wc = conf(fx, 3000);
	struct tu_capture	 cap;
	char			 reason[128], *log;
	double			 t0;

	wc.url = fx->refused_url;
	assert_int_equal(tu_capture_begin(&cap), 0);
	t0 = now_ms();
	assert_int_equal(check_with(fx, &wc, "allow", reason, sizeof(reason)),
	    WEBHOOK_ERROR);
	assert_true(now_ms() - t0 < 1000);
	assert_non_null(log = tu_capture_end(&cap));
	assert_non_null(strstr(log, "tx-allow: webhook: "));
	free(log);
	assert_true(reason[0] != '\0');
}

static void
test_wrong_secret(void **state)
{
	struct fx		*fx = *state;
	struct webhook_conf	 wc = conf(fx, 3000);
	json_t			*rec;
	char			 reason[128];

	wc.secret = "not-the-secret";
	assert_int_equal(check_with(fx, &wc, "allow", reason, sizeof(reason)),
	    WEBHOOK_ERROR);
	assert_string_equal(reason, "HTTP status 401");
	assert_non_null(rec = record_find(fx, "/check", "tx-allow"));
	assert_true(json_is_false(json_object_get(rec, "sig_ok")));
	json_decref(rec);
	/* No secret: nothing unsigned is ever sent. */
	wc.secret = "";
	assert_int_equal(check_with(fx, &wc, "deny", reason, sizeof(reason)),
	    WEBHOOK_ERROR);
	assert_string_equal(reason, "no webhook secret configured");
}

static void
test_protocols(void **state)
{
	struct fx		*fx = *state;
	struct webhook_conf	 wc = conf(fx, 3000);
	char			 reason[128];

	wc.url = "file:///etc/passwd";
	assert_int_equal(check_with(fx, &wc, "allow", reason, sizeof(reason)),
	    WEBHOOK_ERROR);
	wc.url = "ftp://127.0.0.1/";
	assert_int_equal(check_with(fx, &wc, "allow", reason, sizeof(reason)),
	    WEBHOOK_ERROR);
	wc.url = NULL;
	assert_int_equal(check_with(fx, &wc, "allow", reason, sizeof(reason)),
	    WEBHOOK_ERROR);
}

/* GeneralNames with one of each kind, as a DER the caller frees. */
static unsigned char *
san_make(size_t *len)
{
	GENERAL_NAMES	*gens;
	GENERAL_NAME	*g;
	ASN1_IA5STRING	*s;
	ASN1_TYPE	*v;
	unsigned char	*der = NULL;
	static const struct {
		int		 type;
		const char	*value;
	} names[] = {
		{ GEN_DNS, "a.example" },
		{ GEN_EMAIL, "dev@example.com" },
		{ GEN_URI, INTUNE_URI },
	};
	size_t		 i;
	int		 n;

	assert_non_null(gens = GENERAL_NAMES_new());
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_non_null(g = GENERAL_NAME_new());
		assert_non_null(s = ASN1_IA5STRING_new());
		assert_true(ASN1_STRING_set(s, names[i].value, -1));
		GENERAL_NAME_set0_value(g, names[i].type, s);
		assert_true(sk_GENERAL_NAME_push(gens, g));
	}
	assert_non_null(g = a2i_GENERAL_NAME(NULL, NULL, NULL, GEN_IPADD,
	    "192.0.2.1", 0));
	assert_true(sk_GENERAL_NAME_push(gens, g));
	assert_non_null(g = a2i_GENERAL_NAME(NULL, NULL, NULL, GEN_IPADD,
	    "2001:db8::1", 0));
	assert_true(sk_GENERAL_NAME_push(gens, g));
	/* A UPN otherName (Windows), which has no plain text form. */
	assert_non_null(g = GENERAL_NAME_new());
	assert_non_null(v = ASN1_generate_v3("UTF8:dev@example.com", NULL));
	assert_true(GENERAL_NAME_set0_othername(g,
	    OBJ_txt2obj("1.3.6.1.4.1.311.20.2.3", 1), v));
	assert_true(sk_GENERAL_NAME_push(gens, g));
	n = i2d_GENERAL_NAMES(gens, &der);
	GENERAL_NAMES_free(gens);
	assert_true(n > 0);
	*len = (size_t)n;
	return der;
}

static void
test_san(void **state)
{
	struct fx		*fx = *state;
	struct webhook_conf	 wc = conf(fx, 3000);
	struct webhook_req	 rq;
	json_t			*rec, *want;
	unsigned char		*san;
	size_t			 sansz;
	char			 reason[128], subject[128], txid[64];

	san = san_make(&sansz);
	rq = req(fx, "allow", subject, sizeof(subject), txid, sizeof(txid));
	rq.txid = "tx-san";
	rq.san = san;
	rq.sansz = sansz;
	assert_int_equal(webhook_check(&wc, &rq, reason, sizeof(reason)),
	    WEBHOOK_ALLOW);
	assert_non_null(rec = record_find(fx, "/check", "tx-san"));
	want = json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s},"
	    "{s:s,s:s},{s:s,s:s}]",
	    "type", "dns", "value", "a.example",
	    "type", "email", "value", "dev@example.com",
	    "type", "uri", "value", INTUNE_URI,
	    "type", "ip", "value", "192.0.2.1",
	    "type", "ip", "value", "2001:db8::1",
	    "type", "other", "value", "otherName 1.3.6.1.4.1.311.20.2.3");
	assert_non_null(want);
	assert_true(json_equal(json_object_get(json_object_get(rec, "body"),
	    "san"), want));
	json_decref(want);
	json_decref(rec);
	OPENSSL_free(san);
}

/* csr_san_each() callback that collects "type=value;" into a buffer. */
static int
san_collect(const char *type, const char *value, void *arg)
{
	char	*out = arg;
	size_t	 n = strlen(out);

	snprintf(out + n, 256 - n, "%s=%s;", type, value);
	return strcmp(value, "stop") == 0 ? -1 : 0;
}

static void
test_san_each(void **state)
{
	/* GeneralNames { dNSName "a.example", dNSName "stop" } */
	static const unsigned char	 two[] = {
		0x30, 0x11, 0x82, 0x09, 'a', '.', 'e', 'x', 'a', 'm', 'p', 'l',
		'e', 0x82, 0x04, 's', 't', 'o', 'p'
	};
	/* GeneralNames { dNSName "a\0b" }: a NUL is never passed on. */
	static const unsigned char	 nul[] = {
		0x30, 0x05, 0x82, 0x03, 'a', 0x00, 'b'
	};
	/* GeneralNames { iPAddress of 5 octets } */
	static const unsigned char	 ip5[] = {
		0x30, 0x07, 0x87, 0x05, 1, 2, 3, 4, 5
	};
	char				 out[256];

	out[0] = '\0';
	assert_int_equal(csr_san_each(NULL, 0, san_collect, out), 0);
	assert_string_equal(out, "");
	assert_int_equal(csr_san_each(two, sizeof(two), san_collect, out), -1);
	assert_string_equal(out, "dns=a.example;dns=stop;");
	out[0] = '\0';
	assert_int_equal(csr_san_each(two, sizeof(two) - 1, san_collect, out),
	    -1);
	assert_string_equal(out, "");
	assert_int_equal(csr_san_each(nul, sizeof(nul), san_collect, out), -1);
	assert_int_equal(csr_san_each(ip5, sizeof(ip5), san_collect, out), -1);
	assert_string_equal(out, "");
}

static void
test_notify(void **state)
{
	struct fx		*fx = *state;
	struct webhook_conf	 wc = conf(fx, 3000);
	struct webhook_req	 rq;
	json_t			*rec;
	char			 subject[128], txid[64];

	rq = req(fx, "allow", subject, sizeof(subject), txid, sizeof(txid));
	rq.txid = "tx-issued";
	webhook_notify(&wc, &rq, 1, "0A1B2C", NULL);
	assert_non_null(rec = record_find(fx, "/notify", "tx-issued"));
	assert_true(json_is_true(json_object_get(rec, "sig_ok")));
	assert_string_equal(body_str(rec, "event"), "issued");
	assert_string_equal(body_str(rec, "serial"), "0A1B2C");
	assert_true(json_is_null(json_object_get(json_object_get(rec, "body"),
	    "reason")));
	assert_string_equal(body_str(rec, "profile"), "mdm");
	json_decref(rec);

	rq.txid = "tx-failed";
	webhook_notify(&wc, &rq, 0, NULL, "denied by webhook: not on the list");
	assert_non_null(rec = record_find(fx, "/notify", "tx-failed"));
	assert_string_equal(body_str(rec, "event"), "failed");
	assert_string_equal(body_str(rec, "reason"),
	    "denied by webhook: not on the list");
	assert_true(json_is_null(json_object_get(json_object_get(rec, "body"),
	    "serial")));
	json_decref(rec);

	/* No notify_url: nothing is sent. */
	wc.notify_url = NULL;
	rq.txid = "tx-none";
	webhook_notify(&wc, &rq, 1, "01", NULL);
	assert_null(record_find(fx, "/notify", "tx-none"));
	/* A dead notify_url costs a log line, nothing more. */
	wc.notify_url = fx->refused_url;
	webhook_notify(&wc, &rq, 1, "01", NULL);
}

/* Worker threads asking at once, as libmicrohttpd's pool will. */
static void *
check_thread(void *arg)
{
	const struct fx	*fx = arg;
	char		 reason[128];
	int		 i, bad = 0;

	for (i = 0; i < 5; i++)
		bad += check(fx, "allow", reason, sizeof(reason)) !=
		    WEBHOOK_ALLOW;
	return bad == 0 ? arg : NULL;
}

static void
test_threads(void **state)
{
	struct fx	*fx = *state;
	pthread_t	 t[8];
	void		*rv;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(pthread_create(&t[i], NULL, check_thread, fx),
		    0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(pthread_join(t[i], &rv), 0);
		assert_ptr_equal(rv, fx);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allow),
		cmocka_unit_test(test_deny),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_bad_answers),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_wrong_secret),
		cmocka_unit_test(test_protocols),
		cmocka_unit_test(test_san),
		cmocka_unit_test(test_san_each),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
