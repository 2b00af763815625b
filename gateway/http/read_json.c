/* The read path for single objects by id: page reads (page.h) on the read pool
 * (db/readpool.h), so analysts' reads never wait behind report commits; pointing the pool at
 * a replica is a URL away. */
#include "gateway/http/read_json.h"

#include "gateway/http/page.h"
#include "gateway/http/respond.h"

#include <stdio.h>
#include <string.h>

/* A positive decimal id of at most 18 digits (fits int64, no sign, no leading zero). */
static int
parse_id(const char *s, char *out, size_t outsz)
{
    size_t n = strlen(s);
    if (n == 0 || n > 18 || n >= outsz || s[0] == '0')
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
    }
    memcpy(out, s, n + 1);
    return 0;
}

/* Both calls of a route whose id is PREFIX {id} suffix. */
static enum sgw_hresult
route(struct sgw_request *req, enum sgw_stmt stmt, const char *prefix, const char *suffix,
      const char *what)
{
    char id[24], msg[96];

    if (atomic_load(&req->done))
        return sgw_page_answer_doc(req);
    if (sgw_path_id(req->path, prefix, suffix, id, sizeof id) != 0) {
        snprintf(msg, sizeof msg, "the %s id must be a positive whole number", what);
        return sgw_respond_error(req, 400, "invalid_field", "id", msg);
    }
    struct sgw_page *p = sgw_page_new(req, stmt);
    sgw_page_not_found(p, "id", "no %s with id %s", what, id);
    sgw_page_param(p, 0, id);
    return sgw_page_submit(req);
}

enum sgw_hresult
sgw_read_json_route(struct sgw_request *req, enum sgw_stmt stmt, const char *prefix,
                    const char *what)
{
    return route(req, stmt, prefix, "", what);
}

int
sgw_path_id(const char *path, const char *prefix, const char *suffix, char *out, size_t outsz)
{
    char seg[24];
    size_t pl = strlen(prefix), sl = strlen(suffix);
    if (strncmp(path, prefix, pl) != 0)
        return -1;
    const char *s = path + pl;
    size_t n = strlen(s);
    if (n < sl || strcmp(s + n - sl, suffix) != 0 || n - sl >= sizeof seg)
        return -1;
    memcpy(seg, s, n - sl);
    seg[n - sl] = '\0';
    return parse_id(seg, out, outsz);
}

enum sgw_hresult
sgw_read_json_route_sub(struct sgw_request *req, enum sgw_stmt stmt, const char *prefix,
                        const char *suffix, const char *what)
{
    return route(req, stmt, prefix, suffix, what);
}
