/*
 * master-daily.c: when runs start by themselves: the daily timer, which
 * aims at a wall-clock time recomputed after each run (so DST cannot
 * shift it), and the catch-up run at start when today's was missed.  A
 * run that cannot start now is left to master_deferred (master-run.c).
 */
#include <sys/types.h>

#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "master-int.h"

/*
 * Fire ev at the wall-clock time when_ms, or within the hour to look
 * again: the wall clock may jump (NTP, suspend) while a timer waits.
 */
void
master_timer_at(struct event *ev, int64_t when_ms)
{
	struct timeval	tv;
	int64_t		d;

	d = when_ms - master_now_ms();
	if (d > MASTER_DAILY_RECHECK_SEC * 1000)
		d = MASTER_DAILY_RECHECK_SEC * 1000;
	if (d < 0)
		d = 0;
	tv.tv_sec = d / 1000;
	tv.tv_usec = (d % 1000) * 1000;
	evtimer_add(ev, &tv);
}

void
master_daily_arm(struct master *m)
{
	m->next_run_ms = sched_daily_next(m->conf->daily_at, master_now_ms(), 0);
	master_timer_at(m->ev_daily, m->next_run_ms);
}

/*
 * Start trigger's run now, or as soon as the journal lets it; what names
 * it in the log.
 */
static void
master_daily_start(struct master *m, const char *trigger, const char *what)
{
	struct master_event	 ev;
	char			 err[256];

	if (master_trigger(m, trigger, NULL, 0, err, sizeof(err)) == 0)
		return;
	log_warnx("%s run not started: %s", what, err);
	if (!m->journal_ok)
		strlcpy(m->deferred, trigger, sizeof(m->deferred));
	memset(&ev, 0, sizeof(ev));
	ev.message = err;
	master_emit(m, MASTER_EV_RUN_NOT_STARTED, &ev);
}

void
master_daily_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct master	*m = arg;
	int64_t		 now = master_now_ms();

	if (now + 1000 >= m->next_run_ms) {
		if (master_ran_today(m, now) == 0) {
			if (m->run != NULL)
				log_notice("scheduled run: adding to run %lld "
				    "in progress", (long long)m->run->jr.id);
			master_daily_start(m, "schedule", "scheduled");
		}
		/* Step past this minute so the next target is tomorrow. */
		m->next_run_ms = 0;
	}
	master_daily_arm(m);
}

/*
 * At start: if today's run time has passed and the journal has no run
 * for today, run now (or after the unfinished run that resumes).
 */
void
master_catch_up(struct master *m)
{
	int	ran;

	if (!m->conf->catch_up || master_now_ms() <
	    sched_daily_next(m->conf->daily_at, master_now_ms(), 1))
		return;
	ran = master_ran_today(m, master_now_ms());
	if (ran == -1)
		fatalx("journal: %s", journal_error(m->journal));
	if (ran != 0)
		return;
	if (m->run != NULL) {
		log_notice("catch-up: today's run is missing; it starts when "
		    "run %lld has finished", (long long)m->run->jr.id);
		strlcpy(m->deferred, "catch-up", sizeof(m->deferred));
		return;
	}
	log_notice("catch-up: today's run is missing");
	master_daily_start(m, "catch-up", "catch-up");
}
