/* A client-facing error: stable snake_case code, the field it is about, a human message.
 * Filled by validators; rendered as JSON by the HTTP layer. */
#ifndef SGW_ERROR_H
#define SGW_ERROR_H

#include <stdarg.h>

struct sgw_error {
    const char *code; /* static string: "invalid_field", ... */
    char field[64];   /* "" when not about one field */
    char message[256];
};

/* Sets all three parts; returns -1 so validators can `return sgw_error_set(...)`. */
int sgw_error_set(struct sgw_error *err, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
