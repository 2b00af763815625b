/* Verdict request bodies. Never touches the database: the route decides what the status
 * change means. */
#include "gateway/http/verdict_body.h"

#include "gateway/common/mem.h"
#include "gateway/http/body_fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const statuses[] = {"open", "confirmed", "false_positive", "blocked", NULL};
static const char *const known[] = {"status", "note", "expected_status", NULL};

int
sgw_campaign_status_valid(const char *s)
{
    for (size_t i = 0; statuses[i] != NULL; i++) {
        if (strcmp(s, statuses[i]) == 0)
            return 1;
    }
    return 0;
}

static int
status_member(json_t *root, const char *name, char *out, size_t outsz, struct sgw_error *err)
{
    const char *s = NULL;
    int rc = sgw_body_string(root, name, 32, 0, &s, err);
    if (rc <= 0)
        return rc;
    if (!sgw_campaign_status_valid(s))
        return sgw_error_set(err, "invalid_field", name,
                             "%s must be one of open, confirmed, false_positive, blocked", name);
    snprintf(out, outsz, "%s", s);
    return 1;
}

int
sgw_verdict_parse(const char *body, size_t len, struct sgw_verdict_in *out, struct sgw_error *err)
{
    int rc = -1, r;

    memset(out, 0, sizeof *out);
    json_t *root = sgw_body_object(body, len, known, err);
    if (root == NULL)
        return -1;
    r = status_member(root, "status", out->status, sizeof out->status, err);
    if (r < 0)
        goto fail;
    if (r == 0) {
        sgw_error_set(err, "missing_field", "status", "status is required");
        goto fail;
    }
    if (status_member(root, "expected_status", out->expected, sizeof out->expected, err) < 0)
        goto fail;
    if (sgw_body_note_dup(root, SGW_VERDICT_NOTE_MAX, &out->note, err) != 0)
        goto fail;
    rc = 0;
fail:
    json_decref(root);
    return rc;
}

void
sgw_verdict_in_fini(struct sgw_verdict_in *v)
{
    if (v == NULL)
        return;
    free(v->note);
    v->note = NULL;
}
