/* Stop flag and interruptible nap (sleeper.h). */
#include "gateway/common/sleeper.h"

#include <time.h>

void
sgw_sleeper_init(struct sgw_sleeper *s)
{
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->stopping = 0;
}

void
sgw_sleeper_destroy(struct sgw_sleeper *s)
{
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
}

int
sgw_sleeper_nap(struct sgw_sleeper *s, long ms)
{
    struct timespec ts;
    int stop;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L)
        ts.tv_sec++, ts.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&s->mu);
    if (!s->stopping)
        pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    stop = s->stopping;
    pthread_mutex_unlock(&s->mu);
    return stop;
}

int
sgw_sleeper_stopped(struct sgw_sleeper *s)
{
    pthread_mutex_lock(&s->mu);
    int stop = s->stopping;
    pthread_mutex_unlock(&s->mu);
    return stop;
}

void
sgw_sleeper_stop(struct sgw_sleeper *s)
{
    pthread_mutex_lock(&s->mu);
    s->stopping = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}
