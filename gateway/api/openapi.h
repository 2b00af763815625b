/* The OpenAPI 3.1 document of every route (gateway/api/openapi.json, compiled in). */
#ifndef SGW_OPENAPI_H
#define SGW_OPENAPI_H

#include <stddef.h>

extern const char sgw_openapi_json[]; /* static, NUL-terminated */
extern const size_t sgw_openapi_json_len;

#endif
