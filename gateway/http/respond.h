/* Building and queueing responses. Every error is JSON:
 * {"error": {"code": "stable_snake_case", "message": "...", "field": "..."}}. */
#ifndef SGW_RESPOND_H
#define SGW_RESPOND_H

#include "gateway/common/error.h"
#include "gateway/common/status.h"
#include "gateway/http/server.h"

#include <jansson.h>

/* body_take is consumed. */
enum sgw_hresult sgw_respond_json(struct sgw_request *req, unsigned status, json_t *body_take);
/* A JSON text already rendered (copied). ctype NULL sends no Content-Type (204). */
enum sgw_hresult sgw_respond_raw(struct sgw_request *req, unsigned status, const char *ctype,
                                 const char *body, size_t len);
/* sgw_respond_raw with extra headers: extra is a NULL-terminated list of name, value pairs
 * (e.g. {"X-Kannel-Coding", "2", NULL}); may be NULL. */
enum sgw_hresult sgw_respond_raw_headers(struct sgw_request *req, unsigned status,
                                         const char *ctype, const char *body, size_t len,
                                         const char *const *extra);
/* field may be NULL. */
enum sgw_hresult sgw_respond_error(struct sgw_request *req, unsigned status, const char *code,
                                   const char *field, const char *message);
/* 400 (or the status the error's code implies) from a validator's record. */
enum sgw_hresult sgw_respond_invalid(struct sgw_request *req, const struct sgw_error *err);
/* Maps an internal status to the HTTP answer (503 with Retry-After, 500, ...). */
enum sgw_hresult sgw_respond_status(struct sgw_request *req, enum sgw_status st);
/* 405 with Allow. */
enum sgw_hresult sgw_respond_method_not_allowed(struct sgw_request *req, const char *allow);

#endif
