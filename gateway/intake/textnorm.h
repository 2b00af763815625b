/* Unicode folding of report text: the display form (NFKC + case fold, invisible characters
 * removed, whitespace collapsed), the confusable skeleton used as a matching key, and the
 * template in which URLs, numbers and handles become class tokens. Pure functions: no I/O, no
 * mutable state; the only shared object is ICU's spoof checker, created once and only read.
 * All functions are thread-safe and accept any bytes (invalid UTF-8 becomes U+FFFD). */
#ifndef SGW_TEXTNORM_H
#define SGW_TEXTNORM_H

#include <stddef.h>

#include "gateway/common/status.h"

/* Bytes of input looked at (4,096 characters of 4 bytes); the rest is ignored. */
#define SGW_TEXTNORM_MAX_INPUT 16384
/* Longest folded text in bytes (without the NUL); NFKC can expand 18-fold, so it is cut. */
#define SGW_TEXTNORM_MAX_FOLDED 16384
/* Longest run of combining marks kept (UAX #15 stream-safe format); the rest are dropped. */
#define SGW_TEXTNORM_MAX_MARKS 30

/* What a template token stands for. The order is fixed: it is part of the stored fingerprint. */
enum sgw_token {
    SGW_TOKEN_URL = 0,
    SGW_TOKEN_EMAIL,
    SGW_TOKEN_PHONE,
    SGW_TOKEN_HANDLE,
    SGW_TOKEN_NUM,
    SGW_TOKEN_COUNT
};

/* A byte range [start, end) of the folded text that the template replaces by one token. */
struct sgw_span {
    size_t start;
    size_t end;
    enum sgw_token token;
};

/* Display name of a token: "⟨url⟩", "⟨email⟩", "⟨phone⟩", "⟨handle⟩", "⟨num⟩". Static string. */
const char *sgw_token_text(enum sgw_token t);

/* Folds in[0..len) (NFKC, case fold, default-ignorable and format characters removed, controls
 * and Unicode spaces turned into single spaces, trimmed). Writes a NUL-terminated string the
 * caller frees to *out and its length to *outlen; SGW_OK or SGW_INTERNAL (library failure). */
enum sgw_status sgw_textnorm_fold(const char *in, size_t len, char **out, size_t *outlen);

/* UTS #39 skeleton of UTF-8 text (ICU uspoof) with combining marks removed and ASCII letters
 * lower-cased; lower-case letters whose capital imitates a Latin one ("в" from "В") count as
 * that letter. Equal skeletons mean look-alike texts. For comparison only, never for display
 * ("m" becomes "rn"). Caller frees *out; SGW_OK, SGW_TOO_LARGE (over 1 MiB) or SGW_INTERNAL. */
enum sgw_status sgw_textnorm_skeleton(const char *in, size_t len, char **out, size_t *outlen);

/* Template of folded text: each span (sorted by start, non-overlapping; others are skipped)
 * becomes its token, and every remaining ASCII word holding a digit ("4", "2nite", "a8f3")
 * becomes ⟨num⟩, with numbers joined by up to two of " .,:/-+()" merged into one. *display
 * gets the readable form, *compact (may be NULL) the same with each token as one private-use
 * code point (U+E000 + token) for shingling. Caller frees both; SGW_OK. */
enum sgw_status sgw_textnorm_template(const char *folded, size_t len, const struct sgw_span *spans,
                                      size_t nspans, char **display, size_t *display_len,
                                      char **compact, size_t *compact_len);

/* The text MinHash shingles: skeleton of a compact template with whitespace, punctuation and
 * marks dropped, so spacing, punctuation and look-alike letters do not change it. Caller frees
 * *out; SGW_OK or SGW_INTERNAL. */
enum sgw_status sgw_textnorm_matchtext(const char *compact, size_t len, char **out, size_t *outlen);

#endif
