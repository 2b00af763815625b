/* Level-gated key=value logging on stderr; one line per event. Never pass message bodies
 * or full phone numbers: use sgw_log_mask_phone for numbers. */
#ifndef SGW_LOG_H
#define SGW_LOG_H

#include <stddef.h>

enum sgw_log_level { SGW_LOG_DEBUG = 0, SGW_LOG_INFO, SGW_LOG_WARN, SGW_LOG_ERROR };

extern int sgw_log_threshold;

int sgw_log_level_parse(const char *name, enum sgw_log_level *out); /* 0 ok, -1 unknown */
void sgw_log_write(enum sgw_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Arguments are not evaluated when the level is off. */
#define SGW_LOG(lvl, ...)                                                                          \
    do {                                                                                           \
        if ((int)(lvl) >= sgw_log_threshold)                                                       \
            sgw_log_write((lvl), __VA_ARGS__);                                                     \
    } while (0)
#define sgw_debug(...) SGW_LOG(SGW_LOG_DEBUG, __VA_ARGS__)
#define sgw_info(...) SGW_LOG(SGW_LOG_INFO, __VA_ARGS__)
#define sgw_warn(...) SGW_LOG(SGW_LOG_WARN, __VA_ARGS__)
#define sgw_error(...) SGW_LOG(SGW_LOG_ERROR, __VA_ARGS__)

/* Writes a masked form of a phone number or address into out ("+1212***0100"). */
void sgw_log_mask(const char *value, char *out, size_t outsz);

#endif
