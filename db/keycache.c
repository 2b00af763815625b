/* API key cache: a sorted array swapped under a rwlock on reload. The HTTP threads only ever
 * take the read lock; the loader builds the new array outside the lock. */
#include "db/keycache.h"

#include "db/migrate.h"
#include "gateway/common/log.h"
#include "gateway/common/mem.h"
#include "gateway/common/timeutil.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROBE_INTERVAL_MS 1000

struct entry {
    unsigned char hash[32];
    int64_t id;
    enum sgw_role role;
};

struct sgw_db_keycache {
    char *url;
    pthread_rwlock_t lock;
    struct entry *entries;
    size_t n;
    int64_t *revoked; /* ids forgotten here, kept out of reloads (under lock) */
    size_t nrevoked, caprevoked;
    atomic_int ready;
    struct sgw_db_conn *conn;
    pthread_t thread;
    int running;
    int wake[2]; /* pipe: a byte on it stops the thread */
};

static int
cmp_entry(const void *a, const void *b)
{
    return memcmp(((const struct entry *)a)->hash, ((const struct entry *)b)->hash, 32);
}

struct sgw_db_keycache *
sgw_db_keycache_new(const char *url)
{
    struct sgw_db_keycache *kc = sgw_xcalloc(1, sizeof *kc);
    kc->url = sgw_xstrdup(url);
    pthread_rwlock_init(&kc->lock, NULL);
    kc->wake[0] = kc->wake[1] = -1;
    return kc;
}

static int
hex_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static int
is_revoked(const struct sgw_db_keycache *kc, int64_t id)
{
    for (size_t i = 0; i < kc->nrevoked; i++) {
        if (kc->revoked[i] == id)
            return 1;
    }
    return 0;
}

/* Removes entries of ids revoked here from e[0..n), keeping the order; returns the new n.
 * Called with the write lock held. */
static size_t
drop_revoked(const struct sgw_db_keycache *kc, struct entry *e, size_t n)
{
    size_t kept = 0;
    if (kc->nrevoked == 0)
        return n;
    for (size_t i = 0; i < n; i++) {
        if (!is_revoked(kc, e[i].id))
            e[kept++] = e[i];
    }
    return kept;
}

static int
reload(struct sgw_db_keycache *kc, char *err, size_t errsz)
{
    PGresult *res = sgw_db_exec(kc->conn, SGW_STMT_key_load_all, NULL);
    struct entry *fresh = NULL, *old;
    size_t n = 0;

    if (!sgw_db_ok(res)) {
        sgw_db_error(kc->conn, res, err, errsz);
        PQclear(res);
        return -1;
    }
    int rows = PQntuples(res);
    fresh = sgw_xcalloc((size_t)rows + 1, sizeof *fresh);
    for (int i = 0; i < rows; i++) {
        const char *hex = PQgetvalue(res, i, 2); /* bytea in hex output: \x... */
        if (strlen(hex) != 66)
            continue;
        int ok = 1;
        for (int j = 0; j < 32; j++) {
            int hi = hex_nibble(hex[2 + 2 * j]), lo = hex_nibble(hex[3 + 2 * j]);
            if (hi < 0 || lo < 0)
                ok = 0;
            else
                fresh[n].hash[j] = (unsigned char)(hi << 4 | lo);
        }
        if (!ok)
            continue;
        fresh[n].id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        fresh[n].role = sgw_role_parse(PQgetvalue(res, i, 1));
        n++;
    }
    PQclear(res);
    qsort(fresh, n, sizeof *fresh, cmp_entry);
    pthread_rwlock_wrlock(&kc->lock);
    n = drop_revoked(kc, fresh, n);
    old = kc->entries;
    kc->entries = fresh;
    kc->n = n;
    pthread_rwlock_unlock(&kc->lock);
    free(old);
    sgw_debug("event=keys_reloaded active=%zu", n);
    return 0;
}

static int
probe(struct sgw_db_keycache *kc)
{
    char err[256];
    int version = 0;
    if (sgw_migrate_current(kc->conn, &version, err, sizeof err) != 0)
        return 0;
    return version == sgw_migrate_latest();
}

static int
connect_and_listen(struct sgw_db_keycache *kc, char *err, size_t errsz)
{
    kc->conn = sgw_db_connect(kc->url, 0, err, errsz);
    if (kc->conn == NULL)
        return -1;
    if (sgw_db_simple(kc->conn, "LISTEN spamgw_api_keys", err, errsz) != 0 ||
        reload(kc, err, errsz) != 0) {
        sgw_db_close(kc->conn);
        kc->conn = NULL;
        return -1;
    }
    return 0;
}

static void *
keycache_main(void *arg)
{
    struct sgw_db_keycache *kc = arg;
    int64_t next_probe = 0, backoff_ms = 0;
    char err[256];

    for (;;) {
        struct pollfd pfd[2] = {{kc->wake[0], POLLIN, 0}, {-1, POLLIN, 0}};
        int timeout = PROBE_INTERVAL_MS;

        if (kc->conn == NULL) {
            if (connect_and_listen(kc, err, sizeof err) != 0) {
                atomic_store(&kc->ready, 0);
                backoff_ms = backoff_ms ? (backoff_ms * 2 > 2000 ? 2000 : backoff_ms * 2) : 100;
                timeout = (int)backoff_ms;
            } else {
                if (backoff_ms)
                    sgw_info("event=keycache_reconnected");
                backoff_ms = 0;
                next_probe = 0;
            }
        }
        if (kc->conn != NULL) {
            int64_t now = sgw_monotonic_us();
            if (now >= next_probe) {
                atomic_store(&kc->ready, probe(kc));
                next_probe = now + PROBE_INTERVAL_MS * 1000LL;
            }
            pfd[1].fd = PQsocket(kc->conn->pg);
        }
        if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
            break;
        if (pfd[0].revents)
            break;
        if (kc->conn == NULL || !(pfd[1].revents & (POLLIN | POLLERR | POLLHUP)))
            continue;
        if (PQconsumeInput(kc->conn->pg) != 1) {
            sgw_warn("event=keycache_connection_lost");
            sgw_db_close(kc->conn);
            kc->conn = NULL;
            atomic_store(&kc->ready, 0);
            continue;
        }
        int notified = 0;
        PGnotify *nfy;
        while ((nfy = PQnotifies(kc->conn->pg)) != NULL) {
            notified = 1;
            PQfreemem(nfy);
        }
        if (notified && reload(kc, err, sizeof err) != 0)
            sgw_warn("event=keys_reload_failed error=\"%s\"", err);
    }
    return NULL;
}

int
sgw_db_keycache_start(struct sgw_db_keycache *kc, char *err, size_t errsz)
{
    if (connect_and_listen(kc, err, errsz) != 0)
        return -1;
    atomic_store(&kc->ready, probe(kc));
    if (pipe(kc->wake) != 0) {
        snprintf(err, errsz, "pipe: %s", strerror(errno));
        return -1;
    }
    if (pthread_create(&kc->thread, NULL, keycache_main, kc) != 0) {
        snprintf(err, errsz, "cannot start key cache thread");
        return -1;
    }
    kc->running = 1;
    return 0;
}

void
sgw_db_keycache_stop(struct sgw_db_keycache *kc)
{
    if (!kc->running)
        return;
    ssize_t w = write(kc->wake[1], "x", 1);
    (void)w;
    pthread_join(kc->thread, NULL);
    kc->running = 0;
}

void
sgw_db_keycache_free(struct sgw_db_keycache *kc)
{
    if (kc == NULL)
        return;
    sgw_db_keycache_stop(kc);
    sgw_db_close(kc->conn);
    for (int i = 0; i < 2; i++) {
        if (kc->wake[i] >= 0)
            close(kc->wake[i]);
    }
    free(kc->entries);
    free(kc->revoked);
    free(kc->url);
    pthread_rwlock_destroy(&kc->lock);
    free(kc);
}

int
sgw_db_keycache_lookup(struct sgw_db_keycache *kc, const unsigned char hash[32], int64_t *id,
                       enum sgw_role *role)
{
    struct entry key;
    int rc = -1;

    memcpy(key.hash, hash, 32);
    pthread_rwlock_rdlock(&kc->lock);
    const struct entry *e = bsearch(&key, kc->entries, kc->n, sizeof key, cmp_entry);
    if (e != NULL) {
        *id = e->id;
        *role = e->role;
        rc = 0;
    }
    pthread_rwlock_unlock(&kc->lock);
    return rc;
}

int
sgw_db_keycache_ready(struct sgw_db_keycache *kc)
{
    return atomic_load(&kc->ready);
}

void
sgw_db_keycache_add(struct sgw_db_keycache *kc, const unsigned char hash[32], int64_t id,
                    enum sgw_role role)
{
    struct entry e = {.id = id, .role = role};
    size_t at = 0;

    memcpy(e.hash, hash, 32);
    pthread_rwlock_wrlock(&kc->lock);
    /* Skip it when a reload was faster, or when it was revoked in between. */
    if (!is_revoked(kc, id) &&
        (kc->n == 0 || bsearch(&e, kc->entries, kc->n, sizeof e, cmp_entry) == NULL)) {
        kc->entries = sgw_xrealloc(kc->entries, (kc->n + 1) * sizeof e);
        while (at < kc->n && cmp_entry(&kc->entries[at], &e) < 0)
            at++;
        memmove(kc->entries + at + 1, kc->entries + at, (kc->n - at) * sizeof e);
        kc->entries[at] = e;
        kc->n++;
    }
    pthread_rwlock_unlock(&kc->lock);
}

void
sgw_db_keycache_forget(struct sgw_db_keycache *kc, int64_t id)
{
    pthread_rwlock_wrlock(&kc->lock);
    if (!is_revoked(kc, id)) {
        if (kc->nrevoked == kc->caprevoked) {
            kc->caprevoked = kc->caprevoked ? 2 * kc->caprevoked : 16;
            kc->revoked = sgw_xrealloc(kc->revoked, kc->caprevoked * sizeof *kc->revoked);
        }
        kc->revoked[kc->nrevoked++] = id;
    }
    kc->n = drop_revoked(kc, kc->entries, kc->n);
    pthread_rwlock_unlock(&kc->lock);
}
