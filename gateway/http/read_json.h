/* GET routes that answer one JSON document PostgreSQL builds from a numeric path id
 * ("/v1/campaigns/{id}"): the id is checked in the HTTP thread (400 invalid_field), the query
 * runs as a page read (page.h: a job on the read pool, never in a libmicrohttpd callback), and
 * the handler is re-entered to answer 200 with the document or 404 not_found. */
#ifndef SGW_READ_JSON_H
#define SGW_READ_JSON_H

#include "db/db.h"
#include "gateway/http/server.h"

/* Handles both calls of such a route: stmt takes the id as its one parameter and returns one
 * text column or no row; prefix is the path before the id ("/v1/campaigns/"); what names the
 * object in the 404 message ("campaign"). */
enum sgw_hresult sgw_read_json_route(struct sgw_request *req, enum sgw_stmt stmt,
                                     const char *prefix, const char *what);

/* The same for a path with a part after the id ("/v1/campaigns/{id}/verdicts"): suffix is
 * what must follow the id exactly ("/verdicts", or "" for none). */
enum sgw_hresult sgw_read_json_route_sub(struct sgw_request *req, enum sgw_stmt stmt,
                                         const char *prefix, const char *suffix, const char *what);

/* Copies the id of path = prefix + id + suffix into out when it is a positive decimal of at
 * most 18 digits (no sign, no leading zero); 0, or -1 when path has no such id. */
int sgw_path_id(const char *path, const char *prefix, const char *suffix, char *out, size_t outsz);

#endif
