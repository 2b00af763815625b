/* The Idempotency-Key header of the report routes: a retry with the same key from the same API
 * key answers the first result instead of storing again (the database's unique index on
 * (api_key_id, idempotency_key) decides; see db/writer.c). */
#ifndef SGW_IDEMPOTENCY_H
#define SGW_IDEMPOTENCY_H

#include "gateway/http/server.h"

#define SGW_IDEMPOTENCY_KEY_MAX 200

/* Sets *key to req's Idempotency-Key (NULL when absent; owned by libmicrohttpd for the life of
 * the request). Returns 0, or -1 when it is not 1 to SGW_IDEMPOTENCY_KEY_MAX visible ASCII
 * characters: answer that with sgw_idempotency_respond_invalid. */
int sgw_idempotency_key(struct sgw_request *req, const char **key);

/* 400 invalid_field, field "Idempotency-Key". */
enum sgw_hresult sgw_idempotency_respond_invalid(struct sgw_request *req);

#endif
