/* Text from SMS relays into UTF-8: the few charsets Kannel hands over (UTF-8, Latin-1 and its
 * Windows-1252 superset, raw UCS-2/UTF-16BE) and a strict UTF-8 check. Pure functions. */
#ifndef SGW_CHARSET_H
#define SGW_CHARSET_H

#include <stddef.h>

enum sgw_charset {
    SGW_CHARSET_UNKNOWN = 0,
    SGW_CHARSET_UTF8,    /* also US-ASCII */
    SGW_CHARSET_LATIN1,  /* ISO-8859-1 */
    SGW_CHARSET_CP1252,  /* Windows-1252: Latin-1 with printable 0x80..0x9F */
    SGW_CHARSET_UTF16BE, /* also UCS-2, UTF-16 without a byte-order mark */
};

/* Maps a charset name as relays write it ("UTF-8", "utf8", "ISO-8859-1", "latin1", "UCS-2",
 * "UTF-16BE", ...; case-insensitive, optional double quotes) to the enum. NULL or "" is UTF-8;
 * anything else unrecognised is SGW_CHARSET_UNKNOWN. */
enum sgw_charset sgw_charset_parse(const char *name);

/* 1 when s[0..n) is well-formed UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF), else 0. */
int sgw_utf8_valid(const char *s, size_t n);

/* Converts in[0..n) from cs to UTF-8. On success returns 0 with *out (NUL-terminated, caller
 * frees) and *outlen; returns -1 when the bytes are not valid text in cs (odd UTF-16 length,
 * unpaired surrogate, malformed UTF-8) or cs is unknown, with *out NULL. */
int sgw_charset_to_utf8(enum sgw_charset cs, const char *in, size_t n, char **out, size_t *outlen);

#endif
