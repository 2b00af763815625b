/* Response construction: headers every answer carries (X-Request-Id, Content-Type), the
 * Retry-After rule for 429/503, and the one mapping from sgw_status to HTTP. */
#include "gateway/http/respond.h"

#include "gateway/common/log.h"
#include "gateway/http/cors.h"
#include "gateway/http/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum sgw_hresult
queue(struct sgw_request *req, unsigned status, struct MHD_Response *resp, const char *ctype,
      const char *allow)
{
    char retry[16];

    if (resp == NULL)
        return SGW_H_CLOSE;
    if (ctype != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(resp, "X-Request-Id", req->id);
    sgw_cors_add_headers(req, resp);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (status == 429 || status == 503) {
        snprintf(retry, sizeof retry, "%ld", req->srv->cfg->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry);
    }
    if (allow != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    if (atomic_load(&req->srv->draining))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result r = MHD_queue_response(req->conn, status, resp);
    MHD_destroy_response(resp);
    if (r != MHD_YES)
        return SGW_H_CLOSE;
    req->status = status;
    req->answered = 1;
    return SGW_H_OK;
}

enum sgw_hresult
sgw_respond_raw(struct sgw_request *req, unsigned status, const char *ctype, const char *body,
                size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    return queue(req, status, resp, ctype, NULL);
}

enum sgw_hresult
sgw_respond_raw_headers(struct sgw_request *req, unsigned status, const char *ctype,
                        const char *body, size_t len, const char *const *extra)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    for (size_t i = 0; resp != NULL && extra != NULL && extra[i] != NULL && extra[i + 1] != NULL;
         i += 2)
        MHD_add_response_header(resp, extra[i], extra[i + 1]);
    return queue(req, status, resp, ctype, NULL);
}

enum sgw_hresult
sgw_respond_json(struct sgw_request *req, unsigned status, json_t *body_take)
{
    char *text = json_dumps(body_take, JSON_COMPACT);
    json_decref(body_take);
    if (text == NULL)
        return SGW_H_CLOSE;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL)
        free(text);
    return queue(req, status, resp, "application/json", NULL);
}

static json_t *
error_body(const char *code, const char *field, const char *message)
{
    json_t *e = json_pack("{s:s, s:s}", "code", code, "message", message);
    if (field != NULL && field[0] != '\0')
        json_object_set_new(e, "field", json_string(field));
    return json_pack("{s:o}", "error", e);
}

enum sgw_hresult
sgw_respond_error(struct sgw_request *req, unsigned status, const char *code, const char *field,
                  const char *message)
{
    if (status >= 500)
        sgw_warn("event=request_error req=%s status=%u code=%s", req->id, status, code);
    else
        sgw_info("event=request_rejected req=%s status=%u code=%s field=%s", req->id, status, code,
                 field && field[0] ? field : "-");
    if (req->route != NULL && (req->route->flags & SGW_ROUTE_TEXT_ERRORS)) {
        char line[400];
        int n = snprintf(line, sizeof line, "%s: %s\n", code, message);
        return sgw_respond_raw(req, status, "text/plain; charset=utf-8", line,
                               (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1));
    }
    return sgw_respond_json(req, status, error_body(code, field, message));
}

enum sgw_hresult
sgw_respond_method_not_allowed(struct sgw_request *req, const char *allow)
{
    char msg[128];
    snprintf(msg, sizeof msg, "method %.16s is not allowed here; allowed: %s", req->method, allow);
    json_t *body = error_body("method_not_allowed", NULL, msg);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (text == NULL)
        return SGW_H_CLOSE;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL)
        free(text);
    return queue(req, 405, resp, "application/json", allow);
}

enum sgw_hresult
sgw_respond_invalid(struct sgw_request *req, const struct sgw_error *err)
{
    unsigned status = strcmp(err->code, "internal") == 0 ? 500 : 400;
    return sgw_respond_error(req, status, err->code, err->field, err->message);
}

enum sgw_hresult
sgw_respond_status(struct sgw_request *req, enum sgw_status st)
{
    switch (st) {
    case SGW_OK: return sgw_respond_error(req, 500, "internal", NULL, "no response");
    case SGW_INVALID:
        return sgw_respond_error(req, 400, "invalid_request", NULL, "invalid request");
    case SGW_TOO_LARGE:
        return sgw_respond_error(req, 413, "payload_too_large", NULL, "request body too large");
    case SGW_BUSY:
        if (atomic_load(&req->srv->draining))
            return sgw_respond_error(req, 503, "shutting_down", NULL,
                                     "the gateway is shutting down; retry on another");
        return sgw_respond_error(req, 503, "overloaded", NULL,
                                 "too many reports waiting for commit; retry later");
    case SGW_DATABASE:
    case SGW_TIMEOUT:
        return sgw_respond_error(req, 503, "unavailable", NULL,
                                 "the database is unavailable; the report was not stored, "
                                 "retry later");
    case SGW_NOT_FOUND: return sgw_respond_error(req, 404, "not_found", NULL, "not found");
    case SGW_CONFLICT: return sgw_respond_error(req, 409, "conflict", NULL, "conflict");
    case SGW_INTERNAL: break;
    }
    return sgw_respond_error(req, 500, "internal", NULL, "internal error");
}
