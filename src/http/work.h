/*	SPDX-License-Identifier: ISC */
/*
 * work.h: a fixed pool of threads running queued jobs, first in, first
 * out.  http.c hands it each PKIOperation, the CPU-bound request, so
 * that every core works and requests are answered in arrival order,
 * whichever network thread accepted their connection.  A job that
 * would wait longer than the pool was told to allow is refused at
 * once, so that the caller can answer 503 instead of queueing it.
 */
#ifndef SCEPD_WORK_H
#define SCEPD_WORK_H

/* A job: the caller owns it and must not reuse it before "fn" runs. */
struct work_job {
	void		(*fn)(void *);
	void		 *arg;
	double		  queued;	/* the queue's: now_ms() at submit */
	struct work_job	 *next;		/* the queue's */
};

struct work;

/*
 * Start "n" threads that take a job only if its wait is estimated at
 * "max_wait_ms" or less (0: any wait); NULL (logged) on failure.
 */
struct work	*work_start(int n, int max_wait_ms);
/*
 * Take a place in the queue for a job about to be submitted: 0, or -1
 * if the pool is too far behind to start it within its limit (work.c
 * says how that is estimated).  *wait_ms receives the estimated wait
 * either way.  A place taken must be filled by work_submit().
 */
int		 work_admit(struct work *, double *wait_ms);
/* Queue "j" in the place work_admit() took; a thread will run it. */
void		 work_submit(struct work *, struct work_job *);
/* Run every queued job, then stop the threads and free the pool. */
void		 work_stop(struct work *);

#endif
