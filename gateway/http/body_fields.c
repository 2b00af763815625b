/* JSON body helpers shared by the analyst write routes. */
#include "gateway/http/body_fields.h"

#include "gateway/common/mem.h"
#include "gateway/intake/report.h"

#include <string.h>

json_t *
sgw_body_object(const char *body, size_t len, const char *const *known, struct sgw_error *err)
{
    json_error_t jerr;
    const char *key;
    json_t *val;

    if (body == NULL || len == 0) {
        sgw_error_set(err, "invalid_json", NULL, "request body is empty");
        return NULL;
    }
    /* NUL is allowed by the parser so a "\u0000" is reported against its member. */
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (root == NULL) {
        sgw_error_set(err, "invalid_json", NULL, "body is not valid JSON: %s (at byte %d)",
                      jerr.text, jerr.position);
        return NULL;
    }
    if (!json_is_object(root)) {
        sgw_error_set(err, "invalid_json", NULL, "body must be a JSON object");
        goto fail;
    }
    json_object_foreach(root, key, val)
    {
        int ok = 0;
        for (size_t i = 0; known[i] != NULL && !ok; i++)
            ok = strcmp(key, known[i]) == 0;
        if (!ok) {
            sgw_error_set(err, "unknown_field", key, "unknown member '%.64s'", key);
            goto fail;
        }
    }
    return root;
fail:
    json_decref(root);
    return NULL;
}

static int
has_control(const char *s, size_t n, int multiline)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x7f || (c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t'))))
            return 1;
        /* C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8. */
        if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] <= 0x9F)
            return 1;
    }
    return 0;
}

int
sgw_body_string(json_t *root, const char *name, size_t max_chars, int multiline, const char **out,
                struct sgw_error *err)
{
    json_t *v = json_object_get(root, name);
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return sgw_error_set(err, "invalid_field", name, "%s must be a string", name);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (strlen(s) != n || has_control(s, n, multiline))
        return sgw_error_set(err, "invalid_field", name, "%s must not contain control characters",
                             name);
    if (sgw_utf8_chars(s, n) > max_chars)
        return sgw_error_set(err, "invalid_field", name, "%s is longer than %zu characters", name,
                             max_chars);
    *out = s;
    return 1;
}

int
sgw_body_note_dup(json_t *root, size_t max_chars, char **out, struct sgw_error *err)
{
    const char *note = NULL;
    *out = NULL;
    int r = sgw_body_string(root, "note", max_chars, 1, &note, err);
    if (r < 0)
        return -1;
    if (r == 1 && note[strspn(note, " \t\r\n")] != '\0')
        *out = sgw_xstrdup(note);
    return 0;
}
