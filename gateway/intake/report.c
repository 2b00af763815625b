/* The report record: allocation, channel names. */
#include "gateway/intake/report.h"

#include "gateway/common/mem.h"
#include "gateway/common/status.h"
#include "gateway/intake/features.h"

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
    free(r->indicators);
    free(r->reporter_place);
    free(r->sender_place);
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

void
sgw_report_features(struct sgw_report *r, const char *region)
{
    struct sgw_features f;
    size_t len = 0;

    memset(&f, 0, sizeof f);
    if (r->content == NULL ||
        sgw_features_compute(r->content, strlen(r->content), region, &f) != SGW_OK)
        goto done; /* the cluster worker computes what is missing */
    sgw_features_signature_bytes(&f, r->minhash);
    for (size_t i = 0; i < f.n_tags; i++)
        len += strlen(f.tags[i]) + 1;
    r->indicators = sgw_xmalloc(len + 1);
    r->indicators[0] = '\0';
    for (size_t i = 0, o = 0; i < f.n_tags; i++) {
        size_t n = strlen(f.tags[i]);
        if (i > 0)
            r->indicators[o++] = SGW_REPORT_TAG_SEP;
        memcpy(r->indicators + o, f.tags[i], n);
        o += n;
        r->indicators[o] = '\0';
    }
    r->has_features = 1;
done:
    sgw_features_fini(&f);
}
