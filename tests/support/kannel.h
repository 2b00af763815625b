/* A real Kannel for end-to-end tests: bearerbox with a fake SMSC, smsbox, and Kannel's own
 * fakesmsc as the "network" that subscribers type into. Everything runs from a fresh temporary
 * directory (configuration, logs, message store) on free ports of 127.0.0.1, is started and
 * stopped by PID, and is killed at exit of the process that started it even when a test fails
 * half-way. Needs the Debian packages kannel and kannel-extras. */
#ifndef SGWT_KANNEL_H
#define SGWT_KANNEL_H

#include <stddef.h>
#include <sys/types.h>

#define SGWT_FAKESMSC "/usr/lib/kannel/test/fakesmsc"
#define SGWT_BEARERBOX "/usr/sbin/bearerbox"
#define SGWT_SMSBOX "/usr/sbin/smsbox"

struct sgwt_kannel {
    char dir[256]; /* $TMPDIR/sgwt-kannel-PID-N: kannel.conf, *.log, store */
    int admin_port, box_port, smsc_port;
    pid_t bearerbox, smsbox, fakesmsc;
    int fakesmsc_in; /* write end of fakesmsc's stdin (interactive mode) */
    long sent;       /* messages fakesmsc has confirmed sending */
};

/* One line fakesmsc printed for a message it received ("Got message N: <from to type body>"),
 * with a UCS-2 body decoded to UTF-8. */
struct sgwt_sms {
    long n;
    char from[40], to[40];
    int ucs2;   /* the type was ucs-2 */
    char *text; /* UTF-8, owned */
};

/* A free TCP port on 127.0.0.1 (bound and released), or -1. */
int sgwt_free_port(void);

/* Writes kannel.conf (core, one fake SMSC "fake1", smsbox with mo-recode) followed by
 * services (the sms-service groups, verbatim), starts bearerbox and smsbox and waits until
 * smsbox is connected. 0, or -1 with sgwt_errmsg() and the logs' tails on stderr. */
int sgwt_kannel_start(struct sgwt_kannel *k, const char *services);

/* Starts fakesmsc in interactive mode against the fake SMSC and waits until it is connected. */
int sgwt_kannel_fakesmsc_start(struct sgwt_kannel *k);

/* Types one line into fakesmsc ("+12125550101 7726 text Hello", "... ucs2 %4E%2D", ...) and
 * waits until fakesmsc has sent it (fakesmsc reads its input in blocks: one line at a time
 * keeps it from holding a second line back). 0 or -1. */
int sgwt_kannel_send(struct sgwt_kannel *k, const char *line);

/* Everything fakesmsc has received so far, in order. *out is an array the caller frees with
 * sgwt_sms_free. Returns the count. */
size_t sgwt_kannel_received(const struct sgwt_kannel *k, struct sgwt_sms **out);
void sgwt_sms_free(struct sgwt_sms *v, size_t n);

/* Waits until fakesmsc has received at least n messages; 0, or -1 at the deadline. */
int sgwt_kannel_wait_received(const struct sgwt_kannel *k, size_t n, int timeout_ms);

/* Prints the tails of the Kannel logs to stderr (for failing tests). */
void sgwt_kannel_log_tails(const struct sgwt_kannel *k, int lines);

/* Stops fakesmsc, smsbox and bearerbox by PID (SIGTERM, then SIGKILL after a grace time) and
 * removes the directory with its store. */
void sgwt_kannel_stop(struct sgwt_kannel *k);

#endif
