/* Client-facing error records; no allocation so they can be filled anywhere. */
#include "gateway/common/error.h"

#include <stdio.h>

int
sgw_error_set(struct sgw_error *err, const char *code, const char *field, const char *fmt, ...)
{
    va_list ap;

    err->code = code;
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}
