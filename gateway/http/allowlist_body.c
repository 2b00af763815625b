/* Allowlist request bodies: member checks here, normalisation in gateway/intake/allowlist.c. */
#include "gateway/http/allowlist_body.h"

#include "gateway/common/mem.h"
#include "gateway/http/body_fields.h"
#include "gateway/intake/country.h"

#include <stdlib.h>
#include <string.h>

static const char *const known[] = {"entry", "note", "country", NULL};

int
sgw_allowlist_parse(const char *body, size_t len, const char *default_region,
                    struct sgw_allowlist_in *out, struct sgw_error *err)
{
    const char *entry = NULL, *country = NULL;
    char cc[3];
    int rc = -1, r;

    memset(out, 0, sizeof *out);
    json_t *root = sgw_body_object(body, len, known, err);
    if (root == NULL)
        return -1;
    r = sgw_body_string(root, "country", 2, 0, &country, err);
    if (r < 0)
        goto fail;
    if (r == 1 && sgw_country_normalise(country, cc) != 0) {
        sgw_error_set(err, "invalid_field", "country",
                      "country must be an ISO 3166-1 alpha-2 code such as \"US\"");
        goto fail;
    }
    r = sgw_body_string(root, "entry", SGW_ALLOWLIST_ENTRY_MAX, 0, &entry, err);
    if (r < 0)
        goto fail;
    if (r == 0) {
        sgw_error_set(err, "missing_field", "entry", "entry is required");
        goto fail;
    }
    if (sgw_allowlist_normalise(entry, country ? cc : default_region, &out->e, err) != 0)
        goto fail;
    if (sgw_body_note_dup(root, SGW_ALLOWLIST_NOTE_MAX, &out->note, err) != 0)
        goto fail;
    rc = 0;
fail:
    json_decref(root);
    return rc;
}

void
sgw_allowlist_in_fini(struct sgw_allowlist_in *a)
{
    if (a == NULL)
        return;
    free(a->note);
    a->note = NULL;
}
