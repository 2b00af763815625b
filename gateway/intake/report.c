/* The report record: allocation, channel names. */
#include "gateway/intake/report.h"

#include "gateway/common/mem.h"

#include <stdlib.h>
#include <string.h>

static const char *const channel_names[] = {"sms", "imessage", "rcs", "mms", "call", "other"};

struct sgw_report *
sgw_report_new(void)
{
    return sgw_xcalloc(1, sizeof(struct sgw_report));
}

void
sgw_report_free(struct sgw_report *r)
{
    if (r == NULL)
        return;
    free(r->sender_raw);
    free(r->sender);
    free(r->content);
    free(r->city);
    free(r->idempotency_key);
    free(r);
}

const char *
sgw_channel_name(enum sgw_channel c)
{
    return (unsigned)c < 6 ? channel_names[c] : "other";
}

int
sgw_channel_parse(const char *s, enum sgw_channel *out)
{
    for (int i = 0; i < 6; i++) {
        if (strcmp(s, channel_names[i]) == 0) {
            *out = (enum sgw_channel)i;
            return 0;
        }
    }
    return -1;
}

size_t
sgw_utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}
