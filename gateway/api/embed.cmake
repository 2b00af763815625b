# Writes OUT: the OpenAPI document IN as a NUL-terminated C array, so the binary serves the
# exact file that the tests check.
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
file(WRITE ${OUT}.tmp "/* Generated from gateway/api/openapi.json by gateway/api/embed.cmake. */\n#include <stddef.h>\nconst char sgw_openapi_json[] = {${hex} 0x00};\nconst size_t sgw_openapi_json_len = sizeof sgw_openapi_json - 1;\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
