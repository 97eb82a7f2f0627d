/*
 * fold.h - Unicode folding and the one tokenizer.
 *
 * dateline matches text "whichever way it is typed": case, diacritics,
 * Unicode normal form and tone-mark placement do not matter. Folding is:
 * NFC/NFKC composition of the input (decomposed input is fine), Unicode
 * case folding, removal of combining marks (so ộ, ệ, ữ -> o, e, u, and the
 * old/new Vietnamese tone placements hoà/hòa fold alike), đ/Đ -> d (no
 * decomposition exists for it), ø -> o, ł -> l, compatibility forms
 * (full-width ＡＢＣ, ligatures) -> plain letters. CJK text is kept as is.
 * Invisible characters (NBSP and other spaces, U+200B, U+2060, U+00AD,
 * U+FEFF, other format characters) are never letters: spaces are word
 * separators, format characters inside a word are dropped (so "COVID-\u2060"
 * and "co\u00ADoperation" behave as if they were not there).
 *
 * The tokenizer is the single source of truth for "what is a word". The
 * indexer, the query parser and the highlighter all use it, so index
 * terms, query terms and highlighted spans agree by construction (the
 * model is SQLite FTS5's xToken callback).
 *
 * A token is a maximal run of word characters (Unicode categories L*, M*,
 * N*, Pc), except that:
 *   - each CJK ideograph / kana / hangul syllable is a token of its own,
 *     flagged DL_TOKEN_CJK (the indexer adds bigrams of adjacent CJK tokens,
 *     as Xapian's FLAG_CJK_NGRAM does);
 *   - an apostrophe (' or U+2019) between letters splits the word, and an
 *     English possessive 's / ’s is dropped from the token (its bytes are
 *     not part of any token), so "China's" yields one token "china";
 *   - format characters inside a word are skipped but do not end it.
 * Each token is reported with its folded form and its byte offsets
 * [start, end) in the ORIGINAL text.
 */
#ifndef DATELINE_FOLD_H
#define DATELINE_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "dateline/buf.h"

/* Longest folded token the tokenizer reports, in bytes; longer ones are skipped. */
#define DL_TOKEN_MAX 64

enum dl_token_flags {
    DL_TOKEN_CJK = 1,   /* a single CJK character */
    DL_TOKEN_DIGIT = 2, /* starts with a digit: not stemmed (as Xapian does) */
};

/*
 * Called once per token. `folded` is NUL-terminated, valid only during the
 * call. Return 0 to go on; any other value stops dl_tokenize(), which then
 * returns that value.
 */
typedef int (*dl_token_fn)(void *ctx, const char *folded, size_t flen, size_t start, size_t end,
                           unsigned flags);

/*
 * Tokenize `text[0..len)`, which must be valid UTF-8 (callers validate or
 * decode first; invalid bytes are treated as separators). Returns 0, or
 * the first non-zero value returned by `cb`.
 */
int dl_tokenize(const char *text, size_t len, dl_token_fn cb, void *ctx);

/*
 * A token filter for dl_tokenize_some(): a map of 4096 bits, one for each
 * dl_token_key() of a folded token's first two bytes. Callers that look
 * most tokens up in a small set (the highlighter) set the keys of what
 * they want and are then not called for the rest, which saves a call per
 * token of the text.
 */
#define DL_TOKEN_FILTER_BYTES 512
static inline unsigned dl_token_key(const char *folded, size_t flen)
{
    unsigned b0 = (unsigned char)folded[0], b1 = flen > 1 ? (unsigned char)folded[1] : 0;
    return (b0 & 0x3fu) | (b1 & 0x3fu) << 6; /* low 6 bits: the letters a-z stay apart */
}

/*
 * dl_tokenize(), reporting only the tokens whose key's bit is set in
 * `filter` (DL_TOKEN_FILTER_BYTES bytes; bit k is filter[k >> 3] & 1 << (k & 7)).
 */
int dl_tokenize_some(const char *text, size_t len, const unsigned char *filter, dl_token_fn cb,
                     void *ctx);

/*
 * Append the folded form of `s[0..n)` to `out`: the same folding the
 * tokenizer applies to each token, applied to the whole string (separators
 * are kept as they are, except that invisible spaces become ' ' and format
 * characters are dropped). Returns DL_OK or DL_EENCODING on invalid UTF-8
 * (out is then unchanged).
 */
int dl_fold(const char *s, size_t n, struct dl_buf *out);

/*
 * s[0..n) as written but for case: NFC, case-folded, diacritics kept ("Tô Lâm" -> "tô lâm"),
 * into out (replaced): the spelling the store keeps beside the folded form (schema.h,
 * DL_PREFIX_WRITTEN). DL_OK, or DL_EENCODING on invalid UTF-8 (out empty).
 */
int dl_lower(const char *s, size_t n, struct dl_buf *out);

/* Is `s[0..n)` valid UTF-8 (no overlongs, surrogates or values > U+10FFFF)? */
int dl_utf8_valid(const char *s, size_t n);

/* Offset of the first byte of s[0..n) that is not valid UTF-8, or n when all is valid. */
size_t dl_utf8_check(const char *s, size_t n);

/* Decode one code point at s (n bytes available); returns its length, or 0 if invalid. */
size_t dl_utf8_decode(const char *s, size_t n, int32_t *cp);

/*
 * The code point at s[i] (i < n), its length (>= 1) in *len (may be NULL).
 * An invalid byte is U+FFFD of length 1, so that scanning loops always
 * advance; a NUL byte is U+0000.
 */
int32_t dl_utf8_at(const char *s, size_t n, size_t i, size_t *len);

/*
 * A space, for every module that splits text (the tokenizer, the query
 * parser, the highlighter, the readout parser): Unicode's White_Space
 * characters (Zs, line and paragraph separators, TAB LF VT FF CR, U+0085)
 * and U+200B ZERO WIDTH SPACE, which is a space in all but name.
 */
int dl_is_space(int32_t cp);
/* Is s[a..b) only spaces (dl_is_space), or empty? b is also the end of the text read. */
int dl_is_blank(const char *s, size_t a, size_t b);

/* Number of UTF-16 code units in the valid UTF-8 text s[0..n). */
size_t dl_utf16_len(const char *s, size_t n);

/*
 * Append to `out` the Windows-1252 text `s[0..n)` converted to UTF-8
 * (undefined bytes 0x81 0x8D 0x8F 0x90 0x9D map to U+FFFD).
 */
void dl_cp1252_to_utf8(const char *s, size_t n, struct dl_buf *out);

/* Is `cp` a code point the tokenizer treats as CJK (one token per character)? */
int dl_is_cjk(int32_t cp);

/*
 * A "slug" for filter terms (source, dateline): the folded text with every
 * run of non-alphanumeric characters replaced by one '-', trimmed of '-'.
 * "VNA/VNS" -> "vna-vns", "Xinhua" -> "xinhua". Appends to `out`.
 */
void dl_slug(const char *s, size_t n, struct dl_buf *out);

#endif
