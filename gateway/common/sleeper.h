/* A stop flag that a worker thread sleeps on: stopping it wakes every nap at once, so a
 * thread that polls (the cluster worker, its facts follower) stops without waiting out its
 * interval. */
#ifndef SGW_SLEEPER_H
#define SGW_SLEEPER_H

#include <pthread.h>

struct sgw_sleeper {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stopping;
};

void sgw_sleeper_init(struct sgw_sleeper *s);
void sgw_sleeper_destroy(struct sgw_sleeper *s);
/* Sleeps up to ms unless stopped; returns 1 when stopped. */
int sgw_sleeper_nap(struct sgw_sleeper *s, long ms);
int sgw_sleeper_stopped(struct sgw_sleeper *s);
void sgw_sleeper_stop(struct sgw_sleeper *s); /* and wakes every nap */

#endif
