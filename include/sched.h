/*
 * sched.h: which job goes next.  Jobs are grouped by Cloud SQL instance;
 * an instance runs one export at a time (Cloud SQL allows one
 * administrative operation per instance), and among instances that can
 * start, one already started goes first (its exports follow one another,
 * rather than spread over the night), then the one with the most
 * predicted work left, so the run ends as early as its longest chain
 * allows.  An instance that another
 * operation held on an earlier night (its automated backup comes back at
 * about the same time) counts that hold as work: its exports go early,
 * before the hold returns, rather than after it at the end.  No I/O.
 */
#ifndef DATABACKUP_SCHED_H
#define DATABACKUP_SCHED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/tree.h>

#include "job.h"

struct sched_instance {
	const char	*project;	/* in names[] */
	const char	*instance;
	struct job_list	 jobs;		/* its unfinished jobs */
	size_t		 njobs;
	int		 in_flight;	/* 0 or 1: Cloud SQL's rule */
	int		 started;	/* a job of it was dispatched */
	int64_t		 busy_until_ms;	/* 409 from another operation */
	int		 busy_count;	/* 409s in a row */
	char		*blocker;	/* the operation holding it, or NULL */
	int64_t		 hold_ms;	/* held this long on an earlier night */
	int		 hold_known;	/* hold_ms looked up */
	int64_t		 remaining_ms;	/* predicted work not started */
	int		 candidate;	/* in the candidates tree */
	RB_ENTRY(sched_instance) node;
	RB_ENTRY(sched_instance) cnode;	/* candidates */
	char		 names[];	/* project\0instance\0 */
};
RB_HEAD(sched_tree, sched_instance);
/* Instances with jobs and nothing in flight, most remaining work first. */
RB_HEAD(sched_ctree, sched_instance);

struct sched {
	struct sched_tree instances;
	struct sched_ctree candidates;
	size_t		 ninstances;
	size_t		 njobs;		/* unfinished jobs */
	int		 in_flight;
};

/* sched.c */
void		 sched_init(struct sched *);
void		 sched_clear(struct sched *);
void		 sched_add(struct sched *, struct job *);
void		 sched_remove(struct sched *, struct job *);
struct job	*sched_next(struct sched *, int64_t, int, int64_t *);
void		 sched_started(struct sched *, struct job *);
void		 sched_stopped(struct sched *, struct job *);
void		 sched_busy(struct sched *, struct job *, int64_t);
void		 sched_blocker(struct sched_instance *, const char *);
void		 sched_hold(struct sched *, struct sched_instance *, int64_t);
struct job	*sched_find(struct sched *, const char *, const char *,
		    const char *);
int64_t		 sched_daily_next(int, int64_t, int);
int64_t		 sched_weekly_next(int, int, int64_t);

#endif
