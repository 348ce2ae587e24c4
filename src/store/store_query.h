/*	SPDX-License-Identifier: ISC */
/*
 * store_query.h: the filtered lists of the admin API (transaction log,
 * audit log) as SQL both backends run.  A query is put together from
 * fixed fragments of this file's callers, one per filter given, and
 * every value is a bound parameter: no request data ever becomes SQL
 * text.  Only the filters present appear in the WHERE clause, so each
 * query can use the index of its most selective column.  Included by
 * store_sqlite.c and store_pgsql.c only.
 */
#ifndef SCEPD_STORE_QUERY_H
#define SCEPD_STORE_QUERY_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define STORE_Q_SQL_MAX		1536
#define STORE_Q_PARAMS		12

enum store_q_type {
	STORE_Q_TEXT,
	STORE_Q_INT,
	STORE_Q_BYTES,		/* text stored as bytea in PostgreSQL */
};

struct store_q_param {
	enum store_q_type	 type;
	const char		*s;
	int64_t			 i;
};

/* A query under construction; "err" is set once anything did not fit. */
struct store_q {
	char			 sql[STORE_Q_SQL_MAX];
	size_t			 len;
	int			 pg;		/* $n placeholders, else ?n */
	int			 where;		/* a WHERE written */
	int			 n;
	struct store_q_param	 p[STORE_Q_PARAMS];
	int			 err;
};

static inline void
store_q_cat(struct store_q *q, const char *s)
{
	size_t n = strlen(s);

	if (n >= sizeof(q->sql) - q->len) {
		q->err = 1;
		return;
	}
	memcpy(q->sql + q->len, s, n + 1);
	q->len += n;
}

static inline void
store_q_init(struct store_q *q, int pg, const char *head)
{
	memset(q, 0, sizeof(*q));
	q->pg = pg;
	store_q_cat(q, head);
}

/*
 * Append condition "frag", whose one "%s" becomes the next parameter's
 * placeholder, joined by WHERE or AND.
 */
static inline void
store_q_cond(struct store_q *q, const char *frag, enum store_q_type t,
    const char *s, int64_t i)
{
	char		 ph[16], buf[320];
	const char	*pct;

	if (q->n == STORE_Q_PARAMS || (pct = strstr(frag, "%s")) == NULL ||
	    strlen(frag) > 256) {
		q->err = 1;
		return;
	}
	q->p[q->n] = (struct store_q_param){ t, s, i };
	q->n++;
	snprintf(ph, sizeof(ph), "%c%d", q->pg ? '$' : '?', q->n);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(pct - frag), frag, ph,
	    pct + 2);
	store_q_cat(q, q->where ? " AND " : " WHERE ");
	store_q_cat(q, buf);
	q->where = 1;
}

static inline void
store_q_text(struct store_q *q, const char *frag, const char *s)
{
	if (s != NULL)
		store_q_cond(q, frag, STORE_Q_TEXT, s, 0);
}

static inline void
store_q_int(struct store_q *q, const char *frag, int64_t v)
{
	if (v != 0)
		store_q_cond(q, frag, STORE_Q_INT, NULL, v);
}

/* " ORDER BY ..." and, if "limit" > 0, a LIMIT. */
static inline void
store_q_tail(struct store_q *q, const char *order, int limit)
{
	char buf[32];

	store_q_cat(q, order);
	if (limit > 0) {
		snprintf(buf, sizeof(buf), " LIMIT %d", limit);
		store_q_cat(q, buf);
	}
}

#endif
