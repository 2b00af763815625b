/* The POST /v1/keys body. Pure: no database, no clock. A key's name ends up in `spamgw key
 * list` and in logs an operator reads, so it must be one line of visible text. */
#include "gateway/http/keys_api.h"

#include <jansson.h>
#include <string.h>
#include <utf8proc.h>

static const char *const known_fields[] = {"role", "name", NULL};

/* 1 when s[0..n) is 1..SGW_KEY_NAME_MAX code points, none of them a control, a format
 * character (bidi overrides could disguise the name), a surrogate, unassigned, or a line or
 * paragraph separator, and not only blanks. */
static int
name_ok(const char *s, size_t n, const char **why)
{
    utf8proc_ssize_t off = 0;
    size_t chars = 0;
    int visible = 0;

    while ((size_t)off < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)s + off, (utf8proc_ssize_t)n - off, &cp);
        if (k <= 0) {
            *why = "name must be valid UTF-8";
            return 0;
        }
        switch (utf8proc_category(cp)) {
        case UTF8PROC_CATEGORY_CC:
        case UTF8PROC_CATEGORY_CF:
        case UTF8PROC_CATEGORY_CS:
        case UTF8PROC_CATEGORY_CN:
        case UTF8PROC_CATEGORY_ZL:
        case UTF8PROC_CATEGORY_ZP:
            *why = "name must be printable: no control, format or unassigned characters";
            return 0;
        case UTF8PROC_CATEGORY_ZS: break;
        default: visible = 1; break;
        }
        off += k;
        chars++;
    }
    if (chars == 0 || !visible) {
        *why = "name must not be empty or blank";
        return 0;
    }
    if (chars > SGW_KEY_NAME_MAX) {
        *why = "name must be at most 100 characters";
        return 0;
    }
    return 1;
}

static int
parse_fields(json_t *root, enum sgw_role *role, char *name, struct sgw_error *err)
{
    const char *key, *why = NULL;
    json_t *val;

    json_object_foreach(root, key, val)
    {
        int known = 0;
        for (int i = 0; known_fields[i]; i++)
            known |= strcmp(key, known_fields[i]) == 0;
        if (!known)
            return sgw_error_set(err, "unknown_field", key, "unknown member '%.64s'", key);
    }
    json_t *r = json_object_get(root, "role"), *nm = json_object_get(root, "name");
    if (r == NULL)
        return sgw_error_set(err, "missing_field", "role", "role is required");
    if (!json_is_string(r) || (*role = sgw_role_parse(json_string_value(r))) == SGW_ROLE_NONE ||
        strlen(json_string_value(r)) != json_string_length(r))
        return sgw_error_set(err, "invalid_field", "role",
                             "role must be one of reporter, relay, analyst, admin");
    if (nm == NULL)
        return sgw_error_set(err, "missing_field", "name", "name is required");
    if (!json_is_string(nm))
        return sgw_error_set(err, "invalid_field", "name", "name must be a string");
    const char *s = json_string_value(nm);
    size_t n = json_string_length(nm);
    if (strlen(s) != n)
        return sgw_error_set(err, "invalid_field", "name", "name must not contain NUL characters");
    if (n > 4 * SGW_KEY_NAME_MAX || !name_ok(s, n, &why))
        return sgw_error_set(err, "invalid_field", "name", "%s",
                             why ? why : "name must be at most 100 characters");
    memcpy(name, s, n + 1);
    return 0;
}

int
sgw_keys_parse_create(const char *body, size_t len, enum sgw_role *role,
                      char name[4 * SGW_KEY_NAME_MAX + 1], struct sgw_error *err)
{
    json_error_t jerr;
    json_t *root = NULL;
    int rc = -1;

    if (body == NULL || len == 0) {
        sgw_error_set(err, "invalid_json", NULL, "request body is empty");
        goto fail;
    }
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (root == NULL) {
        sgw_error_set(err, "invalid_json", NULL, "body is not valid JSON: %s (at byte %d)",
                      jerr.text, jerr.position);
        goto fail;
    }
    if (!json_is_object(root)) {
        sgw_error_set(err, "invalid_json", NULL, "body must be a JSON object");
        goto fail;
    }
    rc = parse_fields(root, role, name, err);
fail:
    json_decref(root);
    return rc;
}
