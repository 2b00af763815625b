/* Names for status codes, used in logs only. */
#include "gateway/common/status.h"

const char *
sgw_status_name(enum sgw_status st)
{
    switch (st) {
    case SGW_OK: return "ok";
    case SGW_INVALID: return "invalid";
    case SGW_TOO_LARGE: return "too_large";
    case SGW_BUSY: return "busy";
    case SGW_DATABASE: return "database";
    case SGW_TIMEOUT: return "timeout";
    case SGW_NOT_FOUND: return "not_found";
    case SGW_CONFLICT: return "conflict";
    case SGW_INTERNAL: return "internal";
    }
    return "unknown";
}
