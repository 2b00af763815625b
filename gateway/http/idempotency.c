/* Idempotency-Key header checks shared by POST /v1/reports and POST /v1/reports:batch. */
#include "gateway/http/idempotency.h"

#include "gateway/http/respond.h"

#include <string.h>

int
sgw_idempotency_key(struct sgw_request *req, const char **key)
{
    const char *k = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Idempotency-Key");
    *key = k;
    if (k == NULL)
        return 0;
    size_t n = strlen(k);
    if (n == 0 || n > SGW_IDEMPOTENCY_KEY_MAX)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)k[i] < 0x21 || (unsigned char)k[i] > 0x7e)
            return -1; /* visible ASCII only: it is logged and stored as given */
    }
    return 0;
}

enum sgw_hresult
sgw_idempotency_respond_invalid(struct sgw_request *req)
{
    return sgw_respond_error(req, 400, "invalid_field", "Idempotency-Key",
                             "Idempotency-Key must be 1 to 200 visible ASCII characters");
}
