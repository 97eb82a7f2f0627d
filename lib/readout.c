/*
 * readout.c - one readout from a plain-text file or a JSON Lines record
 * (see readout.h for the contract).
 *
 * The text parser reads the text line by line (lines trimmed of spaces,
 * "\r" and a BOM, read with a cursor and never stored, so that memory stays
 * O(body)), in passes that are each linear in the size of the text:
 *
 *  1. Header. Leading lines are consumed while they are blank, site
 *     boilerplate, a date line ("2025-04-16", "date 2025-11-03",
 *     "Published: February 4, 2026", optionally with a time) or the title
 *     heading. A first line that starts with an ISO date or "date <date>"
 *     followed by more text (" date 2026-02-09 HÀ NỘI — Prime Minister...")
 *     loses the date and the rest is read as the lead.
 *
 *     A line is the title heading (see is_heading()) when it is at most
 *     HEADING_MAX code points, has at least two words (or CJK), more text
 *     follows it, it does not start with a strong dateline, and it does
 *     not end like an unfinished phrase (",", ":", a dash, "of", "the"...).
 *     A heading ending in "." / "!" / "?" must moreover be a single
 *     sentence of at most HEADING_SENTENCE_MAX code points followed by a
 *     clearly longer lead (over HEADING_SENTENCE_MAX code points or more
 *     than one sentence), as in a one-line news heading followed by the
 *     article; a final full stop is dropped from the title (headings are
 *     shown without one). A heading directly followed (no blank line) by a
 *     line starting in lower case is a hard-wrapped paragraph, not a title.
 *
 *  2. Body. The remaining lines, minus boilerplate: breadcrumbs ("Top
 *     Stories Location: 首页>Top Stories"), font-size widgets ("size: A A
 *     A"), empty image markup ("![]() |", the caption after it is kept
 *     without its trailing " |") and lines made only of "|". If any blank
 *     line separates two body lines, paragraphs are blank-line separated and
 *     single newlines are line breaks inside a paragraph; otherwise (files
 *     with one paragraph per line) every line is a paragraph, except that a
 *     line starting in lower case continues the one before (hard wrap).
 *
 *  3. Metadata from the body. The dateline is cut from the start of the
 *     lead (match_dateline()), the source tag from the end of the last line
 *     (match_source_tag()); a date not found in the header is the first full
 *     date of the lead paragraph (dl_find_date(): never a date from later
 *     paragraphs, which are often history, and never a partial one such as
 *     "on Friday" or "Nov 12"); a title not found in the header is the
 *     first sentence of the lead, cut to TITLE_MAX code points at a word
 *     boundary with "…".
 *
 * Title, dateline and source are stored in NFC with runs of spaces made
 * one space, since they are shown and counted as facets; the body keeps
 * the characters as written (NFD input stays NFD: folding handles it, and
 * the highlighter marks the stored body). NUL bytes become spaces.
 */
#include "dateline/readout.h"
#include "dateline/fold.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <utf8proc.h>

#include "dateline/buf.h"

enum {
    HEADING_MAX = 200,          /* code points: a longer first line is the lead */
    HEADING_SENTENCE_MAX = 160, /* code points: a heading that ends in a full stop */
    TITLE_MAX = 120,            /* code points of a title cut from the first sentence */
    DATELINE_MAX = 40,          /* code points before the dash of a dateline */
    DATELINE_WORDS = 4,         /* words in the place part of a dateline */
    TAG_MAX = 40,               /* bytes of a source tag ("VNA/VNS", "Xinhua") */
    TAG_LOOSE_MAX = 60,         /* bytes of a "Source: ..." tag */
    BOILERPLATE_MAX = 300,      /* bytes: longer lines are never boilerplate */
};

/* --- UTF-8 and character classes ----------------------------------------- */

/* Decode at s[i] (i < n) with fold.h's one decoder; never returns 0, so that loops advance. */
static size_t next_cp(const char *s, size_t n, size_t i, int32_t *cp)
{
    size_t k;
    *cp = dl_utf8_at(s, n, i, &k);
    return k;
}

/* The code point that ends at s[i] (i > 0); its first byte goes to *start. */
static int32_t prev_cp(const char *s, size_t i, size_t *start)
{
    size_t j = i - 1;
    while (j > 0 && i - j < 4 && ((unsigned char)s[j] & 0xC0) == 0x80) {
        j--;
    }
    int32_t cp = 0xFFFD;
    if (dl_utf8_decode(s + j, i - j, &cp) != i - j) {
        cp = 0xFFFD;
        j = i - 1;
    }
    if (start) {
        *start = j;
    }
    return cp;
}

/* A space (fold.h), and, in text being cleaned, a byte order mark or a NUL. */
static int is_space(int32_t c)
{
    return dl_is_space(c) || c == 0xFEFF || c == 0;
}

static int is_upper(int32_t c)
{
    int k = utf8proc_category(c);
    return k == UTF8PROC_CATEGORY_LU || k == UTF8PROC_CATEGORY_LT;
}

static int is_lower(int32_t c)
{
    return utf8proc_category(c) == UTF8PROC_CATEGORY_LL;
}

static int is_letter(int32_t c)
{
    int k = utf8proc_category(c);
    return k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO;
}

static int is_mark(int32_t c)
{
    int k = utf8proc_category(c);
    return k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_MC || k == UTF8PROC_CATEGORY_ME;
}

static int is_digit(int32_t c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum_ascii(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Ideographs, kana, hangul: enough to tell a CJK heading from one word. */
static int is_cjk(int32_t c)
{
    return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF);
}

static int is_sentence_punct(int32_t c)
{
    return c == '.' || c == '!' || c == '?' || c == 0x3002 || c == 0xFF01 || c == 0xFF1F;
}

static int is_closing(int32_t c)
{
    return c == '"' || c == '\'' || c == ')' || c == 0x201D || c == 0x2019 || c == 0xBB ||
           c == 0x300D || c == 0x300F || c == 0xFF09;
}

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Does s[0..n) start with the ASCII word w, ignoring case? */
static int starts_with_ci(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    if (n < k) {
        return 0;
    }
    for (size_t i = 0; i < k; i++) {
        if (ascii_lower((unsigned char)s[i]) != w[i]) {
            return 0;
        }
    }
    return 1;
}

/* First byte after the spaces starting at s[i]. */
static size_t skip_spaces(const char *s, size_t n, size_t i)
{
    while (i < n) {
        int32_t cp;
        size_t k = next_cp(s, n, i, &cp);
        if (!is_space(cp)) {
            break;
        }
        i += k;
    }
    return i;
}

/* End of s[b..e) without trailing spaces. */
static size_t trim_end(const char *s, size_t b, size_t e)
{
    while (e > b) {
        size_t st;
        int32_t cp = prev_cp(s, e, &st);
        if (st < b || !is_space(cp)) {
            break;
        }
        e = st;
    }
    return e;
}

/* Number of code points in s[0..n), counting no further than `limit` + 1. */
static size_t count_cps(const char *s, size_t n, size_t limit)
{
    size_t cps = 0;
    for (size_t i = 0; i < n && cps <= limit; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            cps++;
        }
    }
    return cps;
}

/* --- dates ----------------------------------------------------------------- */

int dl_date_valid(const char *s, size_t len)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!s || len != 10 || s[4] != '-' || s[7] != '-') {
        return 0;
    }
    for (int i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && !is_digit((unsigned char)s[i])) {
            return 0;
        }
    }
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1000 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) {
        return 0;
    }
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) {
        return 0;
    }
    return 1;
}

static int format_date(int y, int m, int d, char out[11])
{
    if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) {
        return 0;
    }
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
    return dl_date_valid(out, 10);
}

/* Read 1..max ASCII digits at s[*i] into *v; returns the count read. */
static size_t read_digits(const char *s, size_t n, size_t *i, size_t max, int *v)
{
    size_t k = 0;
    *v = 0;
    while (*i < n && k < max && is_digit((unsigned char)s[*i])) {
        *v = *v * 10 + (s[*i] - '0');
        (*i)++;
        k++;
    }
    return k;
}

/* Spaces inside a written date: ASCII blanks, newlines and NBSP. */
static size_t skip_date_spaces(const char *s, size_t n, size_t i)
{
    for (;;) {
        if (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) {
            i++;
        } else if (i + 1 < n && (unsigned char)s[i] == 0xC2 && (unsigned char)s[i + 1] == 0xA0) {
            i += 2;
        } else {
            return i;
        }
    }
}

/* Month name or abbreviation at s[*i] with a capital first letter ("February",
 * "Feb", "FEB", "Sept"): its number, with *i moved past it; 0 if none. */
static int read_month(const char *s, size_t n, size_t *i)
{
    static const char *const names[12] = {"january",   "february", "march",    "april",
                                          "may",       "june",     "july",     "august",
                                          "september", "october",  "november", "december"};
    size_t b = *i, e = b;
    while (e < n && e - b < 10 && ((s[e] >= 'a' && s[e] <= 'z') || (s[e] >= 'A' && s[e] <= 'Z'))) {
        e++;
    }
    size_t k = e - b;
    if (k < 3 || k > 9 || !(s[b] >= 'A' && s[b] <= 'Z') ||
        (e < n && (is_alnum_ascii((unsigned char)s[e]) ||
                   ((unsigned char)s[e] >= 0x80 && skip_date_spaces(s, n, e) == e)))) {
        return 0;
    }
    char w[10];
    for (size_t j = 0; j < k; j++) {
        w[j] = (char)ascii_lower((unsigned char)s[b + j]);
    }
    w[k] = '\0';
    for (int m = 0; m < 12; m++) {
        size_t full = strlen(names[m]);
        /* the full name, its first three letters, or "sept" */
        if ((k == full && memcmp(w, names[m], k) == 0) || (k == 3 && memcmp(w, names[m], 3) == 0) ||
            (m == 8 && k == 4 && memcmp(w, "sept", 4) == 0)) {
            *i = e;
            return m + 1;
        }
    }
    return 0;
}

/* An English ordinal suffix after a day number ("4th", "21st"). */
static void skip_ordinal(const char *s, size_t n, size_t *i)
{
    static const char *const suf[] = {"st", "nd", "rd", "th"};
    for (size_t k = 0; k < 4; k++) {
        if (*i + 2 <= n && ascii_lower((unsigned char)s[*i]) == suf[k][0] &&
            ascii_lower((unsigned char)s[*i + 1]) == suf[k][1] &&
            (*i + 2 == n || !is_alnum_ascii((unsigned char)s[*i + 2]))) {
            *i += 2;
            return;
        }
    }
}

/* Is there no digit at s[i] (the end of a number)? */
static int number_ends(const char *s, size_t n, size_t i)
{
    return i >= n || !is_digit((unsigned char)s[i]);
}

/*
 * A full date starting exactly at s: "2026-02-09", "2026年2月9日",
 * "4 February 2026", "February 4, 2026", "Feb. 4, 2026", "Feb 4 2026".
 * Returns the bytes matched with the date in out, or 0 (also for a form
 * that matches but is not a calendar date, such as "February 30, 2026").
 * Work is bounded by a few dozen bytes.
 */
static size_t match_date_at(const char *s, size_t n, char out[11])
{
    size_t i = 0;
    int y, m, d;
    if (is_digit((unsigned char)s[0])) {
        size_t nd = read_digits(s, n, &i, 5, &y);
        if (nd == 4 && i < n && s[i] == '-') {
            /* ISO: exactly YYYY-MM-DD, no digit (or "-digit") after it */
            if (i + 6 <= n && s[i + 3] == '-' && read_digits(s, n, &(size_t){i + 1}, 2, &m) == 2 &&
                read_digits(s, n, &(size_t){i + 4}, 2, &d) == 2 && number_ends(s, n, i + 6) &&
                !(i + 7 < n && s[i + 6] == '-' && is_digit((unsigned char)s[i + 7])) &&
                format_date(y, m, d, out)) {
                return i + 6;
            }
            return 0;
        }
        if (nd == 4 && i + 3 <= n && memcmp(s + i, "\xE5\xB9\xB4", 3) == 0) {
            /* 2026年2月9日 */
            i += 3;
            if (read_digits(s, n, &i, 2, &m) == 0 || i + 3 > n ||
                memcmp(s + i, "\xE6\x9C\x88", 3)) {
                return 0;
            }
            i += 3;
            if (read_digits(s, n, &i, 2, &d) == 0 || i + 3 > n ||
                memcmp(s + i, "\xE6\x97\xA5", 3)) {
                return 0;
            }
            return format_date(y, m, d, out) ? i + 3 : 0;
        }
        if (nd < 1 || nd > 2) {
            return 0;
        }
        /* 4 February 2026 */
        d = y;
        skip_ordinal(s, n, &i);
        size_t j = skip_date_spaces(s, n, i);
        if (j == i) {
            return 0;
        }
        i = j;
        if ((m = read_month(s, n, &i)) == 0) {
            return 0;
        }
        if (i < n && s[i] == '.') {
            i++;
        }
        if (i < n && s[i] == ',') {
            i++;
        }
        j = skip_date_spaces(s, n, i);
        if (j == i || read_digits(s, n, &j, 5, &y) != 4 || !number_ends(s, n, j)) {
            return 0;
        }
        return format_date(y, m, d, out) ? j : 0;
    }
    /* February 4, 2026 */
    if ((m = read_month(s, n, &i)) == 0) {
        return 0;
    }
    if (i < n && s[i] == '.') {
        i++;
    }
    size_t j = skip_date_spaces(s, n, i);
    if (j == i || read_digits(s, n, &j, 3, &d) == 0 || d > 31) {
        return 0;
    }
    if (!number_ends(s, n, j)) {
        return 0;
    }
    skip_ordinal(s, n, &j);
    int comma = j < n && s[j] == ',';
    if (comma) {
        j++;
    }
    size_t k = skip_date_spaces(s, n, j);
    if ((k == j && !comma) || read_digits(s, n, &k, 5, &y) != 4 || !number_ends(s, n, k)) {
        return 0;
    }
    return format_date(y, m, d, out) ? k : 0;
}

int dl_find_date(const char *text, size_t len, char out[11])
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (!is_alnum_ascii(c)) {
            continue;
        }
        /* only at the start of a word or number: keeps the scan linear */
        if (i > 0) {
            unsigned char p = (unsigned char)text[i - 1];
            if (is_alnum_ascii(p)) {
                continue;
            }
            if (p >= 0x80) {
                int32_t cp = prev_cp(text, i, NULL);
                if ((is_letter(cp) && !is_cjk(cp)) || is_mark(cp)) {
                    continue; /* inside a word; "北京2025年" is not */
                }
            }
        }
        if (match_date_at(text + i, len - i, out)) {
            return 1;
        }
    }
    return 0;
}

/* An optional time after a header date: "10:32", "09:05:00". */
static size_t match_time(const char *s, size_t n)
{
    size_t i = 0;
    int v;
    if (read_digits(s, n, &i, 2, &v) == 0 || v > 23 || i >= n || s[i] != ':') {
        return 0;
    }
    i++;
    if (read_digits(s, n, &i, 2, &v) != 2 || v > 59) {
        return 0;
    }
    size_t j = i;
    if (j < n && s[j] == ':' && read_digits(s, n, &(size_t){j + 1}, 2, &v) == 2) {
        i = j + 3;
    }
    return number_ends(s, n, i) ? i : 0;
}

/*
 * A date at the start of a header line, with an optional "date"/"Date:"/
 * "Published:" label and an optional time after it. Returns the bytes
 * matched (0 if none); *strong says whether the date is ISO or labelled,
 * the forms that may be followed by the lead on the same line.
 */
static size_t match_header_date(const char *s, size_t n, char out[11], int *strong)
{
    static const char *const labels[] = {"date", "dated", "posted", "published", "updated"};
    size_t i = 0;
    *strong = 0;
    for (size_t k = 0; k < sizeof labels / sizeof *labels; k++) {
        size_t w = strlen(labels[k]);
        if (starts_with_ci(s, n, labels[k]) && n > w && (s[w] == ':' || s[w] == ' ')) {
            i = w;
            while (i < n && (s[i] == ':' || s[i] == ' ')) {
                i++;
            }
            *strong = 1;
            break;
        }
    }
    if (i >= n) {
        return 0;
    }
    size_t m = match_date_at(s + i, n - i, out);
    if (m == 0) {
        return 0;
    }
    if (m == 10 && s[i + 4] == '-') {
        *strong = 1;
    }
    i += m;
    size_t j = i;
    while (j < n && (s[j] == ' ' || s[j] == ',')) {
        j++;
    }
    size_t t = j < n ? match_time(s + j, n - j) : 0;
    return t ? j + t : i;
}

/* --- sentences and titles ------------------------------------------------ */

/* Is the word that ends at s[i] (before a '.') an abbreviation or an initial? */
static int is_abbrev(const char *s, size_t i)
{
    static const char *const abbrevs[] = {
        "Mr",  "Mrs", "Ms",  "Dr",   "Prof", "Gen", "Lt",   "Col", "Maj",    "Capt", "Sgt",
        "Rep", "Sen", "Gov", "Pres", "Amb",  "St",  "Jr",   "Sr",  "No",     "Nos",  "Vol",
        "Art", "Jan", "Feb", "Mar",  "Apr",  "Jun", "Jul",  "Aug", "Sep",    "Sept", "Oct",
        "Nov", "Dec", "Inc", "Co",   "Corp", "Ltd", "Dept", "vs",  "Messrs", "Mt"};
    size_t b = i;
    while (b > 0 && s[b - 1] != ' ' && s[b - 1] != '\n' && s[b - 1] != '(' && s[b - 1] != '"' &&
           i - b < 12) {
        b--;
    }
    size_t k = i - b;
    if (k == 0 || k >= 12) {
        return 0;
    }
    if (memchr(s + b, '.', k)) {
        return 1; /* "U.N", "U.S" */
    }
    if (k == 1 && s[b] >= 'A' && s[b] <= 'Z') {
        return 1; /* an initial */
    }
    for (size_t j = 0; k <= 6 && j < sizeof abbrevs / sizeof *abbrevs; j++) {
        if (strlen(abbrevs[j]) == k && memcmp(abbrevs[j], s + b, k) == 0) {
            return 1;
        }
    }
    return 0;
}

/*
 * End of the first sentence of s[0..n): the offset just after its final
 * punctuation and any closing quotes, or n. A '.', '!' or '?' ends a
 * sentence when followed by a space and something that can start one
 * (capital, digit, quote, CJK) or by the end, and '.' not after an
 * abbreviation ("Feb. 4", "Mr. Lam", "U.N."); CJK 。！？ always do.
 */
static size_t first_sentence(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        int32_t cp;
        size_t k = next_cp(s, n, i, &cp);
        if (!is_sentence_punct(cp)) {
            i += k;
            continue;
        }
        size_t j = i + k;
        int32_t c2;
        while (j < n && (next_cp(s, n, j, &c2), is_closing(c2))) {
            j += next_cp(s, n, j, &c2);
        }
        if (cp >= 0x3000 || j >= n) {
            return j;
        }
        size_t a = skip_spaces(s, n, j);
        if (a == j) {
            i = j;
            continue;
        }
        if (a >= n) {
            return j;
        }
        next_cp(s, n, a, &c2);
        int starts = is_upper(c2) || is_digit(c2) || is_cjk(c2) || c2 == '"' || c2 == 0x201C ||
                     c2 == '(' || c2 == '\'' || c2 == 0x2018 || (is_letter(c2) && !is_lower(c2));
        if (starts && !(cp == '.' && is_abbrev(s, i))) {
            return j;
        }
        i = j;
    }
    return n;
}

/* Append s[0..n) with every run of spaces made one ' ', trimmed; stop after
 * max_cps code points (so that a title is never built from a whole 100 MB line). */
static void add_collapsed(struct dl_buf *out, const char *s, size_t n, size_t max_cps)
{
    int space = 0;
    size_t i = 0, cps = 0;
    while (i < n && cps <= max_cps) {
        int32_t cp;
        size_t k = next_cp(s, n, i, &cp);
        if (is_space(cp)) {
            space = 1;
        } else {
            if (space && out->len) {
                dl_buf_addc(out, ' ');
            }
            space = 0;
            dl_buf_add(out, s + i, k);
            cps++;
        }
        i += k;
    }
}

/* NFC copy of b (metadata is shown and counted: one form per string); NULL if empty. */
static char *meta_take(struct dl_buf *b)
{
    if (b->len == 0) {
        dl_buf_release(b);
        return NULL;
    }
    size_t i = 0;
    while (i < b->len && (unsigned char)b->buf[i] < 0xCC) {
        i++;
    }
    if (i == b->len) {
        return dl_buf_detach(b, NULL); /* all below U+0300: NFC already */
    }
    utf8proc_uint8_t *nfc = NULL;
    utf8proc_ssize_t k = utf8proc_map((const utf8proc_uint8_t *)b->buf, (utf8proc_ssize_t)b->len,
                                      &nfc, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    char *r;
    if (k > 0) {
        r = dl_xmemdup(nfc, (size_t)k);
    } else {
        r = dl_xmemdup(b->buf, b->len);
    }
    free(nfc);
    dl_buf_release(b);
    return r;
}

/* Metadata from s[0..n): spaces collapsed, NFC; NULL when nothing is left. */
static char *meta_dup(const char *s, size_t n)
{
    struct dl_buf b = DL_BUF_INIT;
    add_collapsed(&b, s, n, n);
    return meta_take(&b);
}

/* Drop one final full stop (not an ellipsis "..."). */
static size_t drop_full_stop(const char *s, size_t n)
{
    if (n >= 1 && s[n - 1] == '.' && !(n >= 2 && s[n - 2] == '.')) {
        return n - 1;
    }
    return n;
}

/* Words that leave a title or heading unfinished when they end it. */
static int is_open_word(const char *s, size_t n)
{
    static const char *const words[] = {"a",  "an", "the", "of",  "and",  "or",   "to",
                                        "in", "on", "at",  "for", "with", "from", "by"};
    for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
        if (strlen(words[w]) == n && starts_with_ci(s, n, words[w])) {
            return 1;
        }
    }
    return 0;
}

/* s[0..e) without trailing spaces, commas, colons, hyphens and dashes. */
static size_t trim_open_end(const char *s, size_t e)
{
    while (e > 0) {
        size_t st;
        int32_t cp = prev_cp(s, e, &st);
        if (!(is_space(cp) || cp == ',' || cp == ';' || cp == ':' || cp == '-' || cp == '(' ||
              cp == 0x2013 || cp == 0x2014)) {
            break;
        }
        e = st;
    }
    return e;
}

/*
 * The fallback title: the first sentence of the lead without its full
 * stop; if longer than TITLE_MAX code points, cut at the last space that
 * keeps it within TITLE_MAX (or at TITLE_MAX code points when there is no
 * space in the second half, as in CJK text), without trailing commas or
 * dashes, followed by "…".
 */
static char *make_title(const char *lead, size_t n)
{
    /* A sentence with more than TITLE_MAX + 1 non-space code points is cut
     * anyway: look no further (a lead can be a 100 MB line). */
    size_t lim = 0, seen = 0;
    while (lim < n && seen <= TITLE_MAX + 1) {
        int32_t cp;
        lim += next_cp(lead, n, lim, &cp);
        seen += !is_space(cp);
    }
    size_t e = trim_end(lead, 0, first_sentence(lead, lim));
    e = drop_full_stop(lead, e);
    struct dl_buf t = DL_BUF_INIT;
    add_collapsed(&t, lead, e, TITLE_MAX + 1);
    if (count_cps(t.buf, t.len, TITLE_MAX) <= TITLE_MAX) {
        return meta_take(&t);
    }
    size_t i = 0, cps = 0, cut_space = 0, cut_cp = 0;
    while (i < t.len && cps < TITLE_MAX) {
        int32_t cp;
        size_t k = next_cp(t.buf, t.len, i, &cp);
        if (cp == ' ' && cps >= TITLE_MAX / 2) {
            cut_space = i;
        }
        i += k;
        cps++;
        /* never between a letter and its combining marks */
        int32_t nx;
        if (i < t.len && (next_cp(t.buf, t.len, i, &nx), !is_mark(nx))) {
            cut_cp = i;
        }
    }
    if (i < t.len && t.buf[i] == ' ') {
        cut_space = i; /* the word before the limit ends exactly there */
    }
    size_t cut = trim_open_end(t.buf, cut_space ? cut_space : cut_cp);
    /* "… member of the" reads as unfinished: end on a content word */
    for (int k = 0; k < 3 && cut_space; k++) {
        size_t ws = cut;
        while (ws > 0 && t.buf[ws - 1] != ' ') {
            ws--;
        }
        if (ws == 0 || !is_open_word(t.buf + ws, cut - ws)) {
            break;
        }
        cut = trim_open_end(t.buf, ws);
    }
    dl_buf_truncate(&t, cut);
    dl_buf_adds(&t, "…");
    return meta_take(&t);
}

/* --- datelines and source tags ----------------------------------------- */

/*
 * A source tag: "VNA/VNS", "VNS", "Xinhua", "Nhân Dân". Strict tags are at
 * most four words each starting with a capital or digit; loose ones (after
 * "Source:") may have lower-case words ("Ministry of Foreign Affairs").
 */
static int valid_tag(const char *s, size_t n, int loose)
{
    if (n == 0 || n > (size_t)(loose ? TAG_LOOSE_MAX : TAG_MAX)) {
        return 0;
    }
    size_t i = 0, words = 0;
    int at_start = 1;
    while (i < n) {
        int32_t cp;
        size_t k = next_cp(s, n, i, &cp);
        i += k;
        if (cp == ' ') {
            at_start = 1;
            continue;
        }
        if (at_start) {
            at_start = 0;
            if (++words > (loose ? 6u : 4u)) {
                return 0;
            }
            if (words == 1 ? !is_upper(cp) : !(is_upper(cp) || is_digit(cp) || loose)) {
                return 0;
            }
        }
        if (!(is_letter(cp) || is_mark(cp) || is_digit(cp) || cp == '/' || cp == '.' || cp == '&' ||
              cp == '-' || cp == '\'' || cp == 0x2019)) {
            return 0;
        }
    }
    return words > 0;
}

/* Does the text before offset e (after trimming) end a sentence? */
static int ends_sentence(const char *s, size_t e)
{
    if (e == 0) {
        return 0;
    }
    int32_t cp = prev_cp(s, e, NULL);
    return is_sentence_punct(cp) || cp == '"' || cp == 0x201D || cp == 0x2019 || cp == 0x2026;
}

/* The tag [*tb, *te) inside s[b..e): trimmed, a "Source:" label removed, a final '.' dropped. */
static int tag_span(const char *s, size_t b, size_t e, size_t *tb, size_t *te, int *loose)
{
    b = skip_spaces(s, e, b);
    e = trim_end(s, b, e);
    *loose = starts_with_ci(s + b, e - b, "source:");
    if (*loose) {
        b = skip_spaces(s, e, b + strlen("source:"));
    }
    if (e > b + 1 && s[e - 1] == '.' && !memchr(s + b, '.', e - b - 1)) {
        e--;
    }
    *tb = b;
    *te = e;
    return valid_tag(s + b, e - b, *loose);
}

/*
 * A source tag at the end of the line s[0..n): "… law. — VNA/VNS",
 * "— VNS" alone, "… ties. (Xinhua)", "Source: VNA", "(Source: VNA)". The
 * tag must follow the end of a sentence or stand alone on its line, so
 * that "… with Việt Nam – China" is left alone. On a match, *keep is the
 * length of the text before the tag and [*tb, *te) the tag.
 */
static int match_source_tag(const char *s, size_t n, size_t *keep, size_t *tb, size_t *te)
{
    int loose;
    size_t w = n > TAG_LOOSE_MAX + 12 ? n - TAG_LOOSE_MAX - 12 : 0;
    /* (Xinhua) */
    if (n >= 3 && s[n - 1] == ')') {
        size_t o = n - 1;
        while (o > w && s[o - 1] != '(' && s[o - 1] != ')') {
            o--;
        }
        if (o > w && s[o - 1] == '(' && tag_span(s, o, n - 1, tb, te, &loose)) {
            size_t before = trim_end(s, 0, o - 1);
            if (before == 0 || (before < o - 1 && ends_sentence(s, before))) {
                *keep = before;
                return 1;
            }
        }
    }
    /* — VNA/VNS, – VNS, - VNA */
    for (size_t i = n; i > w;) {
        size_t st;
        int32_t cp = prev_cp(s, i, &st);
        int dash = cp == 0x2014 || cp == 0x2013 ||
                   (cp == '-' && (st == 0 || s[st - 1] == ' ' || s[st - 1] == '-') && i < n &&
                    s[i] == ' ');
        if (dash) {
            size_t d = st;
            while (d > 0 && s[d - 1] == '-') {
                d--;
            }
            if (!tag_span(s, i, n, tb, te, &loose)) {
                break;
            }
            size_t before = trim_end(s, 0, d);
            if (before == 0 || (ends_sentence(s, before) && (before < d || cp != '-'))) {
                *keep = before;
                return 1;
            }
            break;
        }
        i = st;
    }
    /* Source: VNA */
    for (size_t i = n; i > w; i--) {
        if ((s[i - 1] == 'S' || s[i - 1] == 's') &&
            starts_with_ci(s + i - 1, n - i + 1, "source:")) {
            size_t b = i - 1;
            size_t before = trim_end(s, 0, b);
            if (tag_span(s, b, n, tb, te, &loose) && (before == 0 || ends_sentence(s, before))) {
                *keep = before;
                return 1;
            }
            break;
        }
    }
    return 0;
}

/*
 * After the place of a dateline: ", Nov 12", ", Feb. 9, 2026", ", 12
 * November", ", Vietnam" (capitalised words), then "(Xinhua)" (a tag), each
 * optional. Returns the offset after what it read, which the caller wants
 * to be the end: anything else (", the minister said") is not a dateline.
 */
static size_t dateline_rest(const char *s, size_t n, size_t i)
{
    if (s[i] == ',') {
        i = skip_spaces(s, n, i + 1);
        size_t j = i;
        int v;
        if (read_month(s, n, &j)) { /* Nov 12, Feb. 9, 2026 */
            j += j < n && s[j] == '.';
            j = skip_spaces(s, n, j);
            if (read_digits(s, n, &j, 2, &v) == 0) {
                return i;
            }
            size_t k = j < n && s[j] == ',' ? skip_spaces(s, n, j + 1) : j;
            if (read_digits(s, n, &k, 4, &v) == 4) {
                j = k;
            }
        } else if (read_digits(s, n, &j, 2, &v)) { /* 12 November */
            j = skip_spaces(s, n, j);
            if (!read_month(s, n, &j)) {
                return i;
            }
            j += j < n && s[j] == '.';
        } else { /* capitalised words: ", Vietnam" */
            int32_t cp;
            size_t words = 0;
            while (j < n && s[j] != '(') {
                next_cp(s, n, j, &cp);
                if (!is_upper(cp) || ++words > 3) {
                    return i;
                }
                while (j < n && s[j] != ' ' && s[j] != '(') {
                    j += next_cp(s, n, j, &cp);
                    if (!(is_letter(cp) || is_mark(cp) || cp == '.')) {
                        return i;
                    }
                }
                j = skip_spaces(s, n, j);
            }
        }
        i = skip_spaces(s, n, j);
    }
    if (i < n && s[i] == '(') {
        const char *c = memchr(s + i, ')', n - i);
        size_t tb, te;
        int loose;
        if (!c || !tag_span(s, i + 1, (size_t)(c - s), &tb, &te, &loose) || loose) {
            return i;
        }
        i = skip_spaces(s, n, (size_t)(c - s) + 1);
    }
    return i;
}

/*
 * A dateline at the start of the lead s[0..n): a place of at most
 * DATELINE_WORDS capitalised words, optionally followed by ", Nov 12",
 * "(VNS)" or "(Xinhua)", at most DATELINE_MAX code points in all, then an
 * em/en dash or a spaced hyphen: "HÀ NỘI —", "HÀ NỘI (VNS) —", "BEIJING,
 * Nov 12 (Xinhua) —", "WASHINGTON –", "Hanoi -".
 *
 * Returns 2 for a strong dateline (an all-capitals place, or one with a
 * date or agency part), 1 for a weak one (a single title-case word: "Hanoi
 * -"; it must be followed by a capital) and 0 for none. Several title-case
 * words with no date or agency part ("Viet Nam – China ties") are not a
 * dateline. *plen is the length of the dateline without the dash and
 * *after the offset where the lead text starts.
 */
static int match_dateline(const char *s, size_t n, size_t *plen, size_t *after)
{
    size_t i = 0, cps = 0, dash = 0, dash_end = 0;
    while (i < n && cps <= DATELINE_MAX + 1) {
        int32_t cp;
        size_t k = next_cp(s, n, i, &cp);
        if (cp == 0x2014 || cp == 0x2013) {
            dash = i;
            dash_end = i + k;
            break;
        }
        if (cp == '-' && i > 0 && s[i - 1] == ' ') {
            size_t j = i + 1;
            if (j < n && s[j] == '-') {
                j++;
            }
            if (j < n && s[j] == ' ') {
                dash = i;
                dash_end = j;
                break;
            }
        }
        if (cp == ':' || cp == ';' || cp == '!' || cp == '?' || cp == '"' || cp == 0x201C ||
            cp == 0x201D || is_cjk(cp)) {
            return 0;
        }
        i += k;
        cps++;
    }
    if (dash_end == 0) {
        return 0;
    }
    size_t pe = trim_end(s, 0, dash);
    if (pe == 0 || count_cps(s, pe, DATELINE_MAX) > DATELINE_MAX) {
        return 0;
    }
    /* the place: capitalised words up to ',' or '(' */
    size_t words = 0, lower = 0;
    int at_start = 1;
    i = 0;
    while (i < pe && s[i] != ',' && s[i] != '(') {
        int32_t cp;
        size_t k = next_cp(s, pe, i, &cp);
        i += k;
        if (cp == ' ') {
            at_start = 1;
            continue;
        }
        if (at_start) {
            at_start = 0;
            if (++words > DATELINE_WORDS || !is_upper(cp)) {
                return 0;
            }
            continue;
        }
        if (is_lower(cp)) {
            lower++;
        } else if (!(is_letter(cp) || is_mark(cp) || cp == '.' || cp == '\'' || cp == 0x2019 ||
                     cp == '-')) {
            return 0;
        }
    }
    if (words == 0) {
        return 0;
    }
    /* the rest: ", Nov 12 (Xinhua)" */
    int rest = i < pe;
    if (rest && (i = dateline_rest(s, pe, i)) != pe) {
        return 0;
    }
    int strength = (lower == 0 || rest) ? 2 : (words == 1 ? 1 : 0);
    size_t a = skip_spaces(s, n, dash_end);
    if (strength == 1) {
        int32_t cp;
        if (a >= n || (next_cp(s, n, a, &cp), !(is_upper(cp) || is_digit(cp)))) {
            return 0;
        }
    }
    if (strength) {
        *plen = pe;
        *after = a;
    }
    return strength;
}

/* --- lines and boilerplate ------------------------------------------------ */

static int contains(const char *s, size_t n, const char *w)
{
    /* The NULL test is for gcc's -Wnonnull under the sanitizers, which cannot see that
     * callers always pass a line of the text. */
    return s && n && memmem(s, n, w, strlen(w)) != NULL;
}

/* "Top Stories Location: 首页>Top Stories", "Home > News > Politics". */
static int is_breadcrumb(const char *s, size_t n)
{
    if (n > BOILERPLATE_MAX) {
        return 0;
    }
    /* a separator '>', '»' or '›' (ending in byte BB / BA): memchr first, as most lines have none
     */
    int sep = memchr(s, '>', n) || ((memchr(s, 0xBB, n) || memchr(s, 0xBA, n)) &&
                                    (contains(s, n, "»") || contains(s, n, "›")));
    if (!sep || contains(s, n, ". ")) {
        return 0;
    }
    return contains(s, n, "Location:") || contains(s, n, "首页") || starts_with_ci(s, n, "home") ||
           starts_with_ci(s, n, "trang chủ") || starts_with_ci(s, n, "you are here");
}

/* Font-size widget: "size: A A A", "Font size: A+ A A-". */
static int is_size_widget(const char *s, size_t n)
{
    if (n > 60) {
        return 0;
    }
    size_t i = 0;
    if (starts_with_ci(s, n, "font")) {
        i = skip_spaces(s, n, 4);
    }
    if (!starts_with_ci(s + i, n - i, "size")) {
        return 0;
    }
    i = skip_spaces(s, n, i + 4);
    if (i < n && s[i] == ':') {
        i++;
    } else if (i + 3 <= n && memcmp(s + i, "：", 3) == 0) {
        i += 3;
    } else {
        return 0;
    }
    int as = 0;
    for (; i < n; i++) {
        if (s[i] == 'A' || s[i] == 'a') {
            as++;
        } else if (!s[i] || !strchr(" +-|", s[i])) {
            return 0;
        }
    }
    return as > 0;
}

/* Only pipes and spaces: leftovers of table markup. */
static int is_pipes(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '|' && s[i] != ' ' && s[i] != '\t') {
            return 0;
        }
    }
    return n > 0;
}

/* Image markup at the start of a line ("![]() |", "![alt](x.jpg)"): the
 * offset of the text after it, or 0 when the line does not start with one. */
static size_t skip_images(const char *s, size_t n)
{
    size_t i = 0, last = 0;
    while (i + 1 < n && s[i] == '!' && s[i + 1] == '[') {
        const char *c = memchr(s + i, ']', n - i);
        if (!c || (size_t)(c - s) + 1 >= n || c[1] != '(') {
            break;
        }
        const char *p = memchr(c, ')', n - (size_t)(c - s));
        if (!p) {
            break;
        }
        i = (size_t)(p - s) + 1;
        while (i < n && (s[i] == ' ' || s[i] == '|' || s[i] == '\t')) {
            i++;
        }
        last = i;
    }
    return last;
}

/* --- the text parser ------------------------------------------------------ */

/* Lines are read with a cursor, never stored: memory stays O(body). */
struct cursor {
    const char *s; /* the whole text */
    size_t len;    /* its length */
    size_t pos;    /* start of the next line; len + 1 when done */
};

/* The next line, trimmed, as [*b, *e); 0 at the end. */
static int next_line(struct cursor *c, size_t *b, size_t *e)
{
    if (c->pos > c->len) {
        return 0;
    }
    const char *nl = memchr(c->s + c->pos, '\n', c->len - c->pos);
    size_t end = nl ? (size_t)(nl - c->s) : c->len;
    *b = skip_spaces(c->s, end, c->pos);
    *e = trim_end(c->s, *b, end);
    c->pos = end + 1;
    return 1;
}

enum line_kind {
    LINE_BLANK, /* nothing but spaces */
    LINE_DROP,  /* boilerplate: breadcrumb, size widget, pipes */
    LINE_IMAGE, /* image markup only: the next line is its caption */
    LINE_TEXT,  /* text; *img > 0 when image markup precedes it on the line */
};

static enum line_kind classify(const char *s, size_t n, size_t *img)
{
    *img = 0;
    if (n == 0) {
        return LINE_BLANK;
    }
    if (is_breadcrumb(s, n) || is_size_widget(s, n) || is_pipes(s, n)) {
        return LINE_DROP;
    }
    *img = skip_images(s, n);
    return *img == n ? LINE_IMAGE : LINE_TEXT;
}

/* Is s[0..n) a header date line (a date and nothing else)? */
static int is_date_line(const char *s, size_t n)
{
    char date[11];
    int strong;
    size_t m = match_header_date(s, n, date, &strong);
    return m && skip_spaces(s, n, m) == n;
}

/*
 * The line holding text after the cursor's position (skipping blank,
 * boilerplate and date lines): [*b, *e) and whether it directly follows
 * (no line in between). Returns 0 if there is none.
 */
static int next_text_line(struct cursor c, size_t *b, size_t *e, int *adjacent)
{
    *adjacent = 1;
    while (next_line(&c, b, e)) {
        size_t img;
        enum line_kind k = classify(c.s + *b, *e - *b, &img);
        if (k == LINE_TEXT && !is_date_line(c.s + *b, *e - *b)) {
            return 1;
        }
        *adjacent = 0;
    }
    return 0;
}

/* Is s[0..n), followed by the text at cursor `after`, the title heading
 * rather than the lead? (rules at the top of the file) */
static int is_heading(const char *s, size_t n, struct cursor after)
{
    size_t pl, dash_end;
    int dl = match_dateline(s, n, &pl, &dash_end);
    if (dl == 2) {
        return 0;
    }
    size_t cps = 0, words = 0, letters = 0, last_word = 0, k;
    int cjk = 0, in_word = 0;
    int32_t cp = 0;
    for (size_t j = 0; j < n; j += k) {
        k = next_cp(s, n, j, &cp);
        if (++cps > HEADING_MAX) {
            return 0;
        }
        if (is_space(cp)) {
            in_word = 0;
            continue;
        }
        if (!in_word) {
            words++;
            last_word = j;
        }
        in_word = 1;
        letters += is_letter(cp) != 0;
        cjk |= is_cjk(cp);
    }
    if (letters < 2 || (words < 2 && !cjk)) {
        return 0;
    }
    if (cp > 0 && cp < 0x80 && strchr(",;:|-(", (char)cp)) {
        return 0;
    }
    if (cp == 0x2013 || cp == 0x2014 || cp == 0xFF0C || cp == 0xFF1A || cp == 0x3001) {
        return 0;
    }
    if (is_open_word(s + last_word, n - last_word)) {
        return 0;
    }
    size_t tb, te;
    int adjacent;
    if (!next_text_line(after, &tb, &te, &adjacent)) {
        return 0;
    }
    const char *t = after.s + tb;
    size_t tn = te - tb;
    int32_t first;
    next_cp(t, tn, 0, &first);
    if (adjacent && is_lower(first)) {
        return 0; /* a hard-wrapped paragraph */
    }
    if (!ends_sentence(s, n)) {
        return 1;
    }
    if (dl || cps > HEADING_SENTENCE_MAX || first_sentence(s, n) < n) {
        return 0;
    }
    return count_cps(t, tn, HEADING_SENTENCE_MAX) > HEADING_SENTENCE_MAX ||
           first_sentence(t, tn) < tn;
}

/*
 * Pass 1: consume the header lines, filling date and *title. Returns the
 * offset where the body starts (inside the first body line when a date
 * token was cut from its start).
 */
static size_t parse_header(const char *text, size_t len, char date[11], char **title)
{
    struct cursor c = {text, len, 0};
    size_t start = 0, b, e;
    for (; next_line(&c, &b, &e); start = c.pos) {
        const char *s = text + b;
        size_t n = e - b, img;
        enum line_kind k = classify(s, n, &img);
        if (k == LINE_BLANK || k == LINE_DROP) {
            continue;
        }
        if (k == LINE_IMAGE) {
            break;
        }
        char d[11];
        int strong;
        size_t m = match_header_date(s, n, d, &strong);
        if (m) {
            size_t rest = skip_spaces(s, n, m);
            if (rest == n || strong) {
                if (!date[0]) {
                    memcpy(date, d, 11);
                }
                if (rest == n) {
                    continue;
                }
                return b + rest; /* " date 2026-02-09 HÀ NỘI — ...": the rest is the lead */
            }
        }
        if (!*title && is_heading(s, n, c)) {
            *title = meta_dup(s, drop_full_stop(s, n));
            continue;
        }
        break;
    }
    return start;
}

/* Does the line start with a lower-case letter (the rest of a hard-wrapped sentence)? */
static int starts_lower(const char *s, size_t n)
{
    int32_t cp;
    next_cp(s, n, 0, &cp);
    return is_lower(cp);
}

/* Do blank lines separate the paragraphs of text[start..len)? (see the top of the file) */
static int blank_separated(const char *text, size_t len, size_t start)
{
    struct cursor c = {text, len, start};
    size_t b, e, img;
    int seen_text = 0, blank = 0;
    while (next_line(&c, &b, &e)) {
        switch (classify(text + b, e - b, &img)) {
        case LINE_BLANK:
            blank = seen_text;
            break;
        case LINE_TEXT:
            if (blank) {
                return 1;
            }
            seen_text = 1;
            break;
        default:
            break;
        }
    }
    return 0;
}

/* What pass 2 finds besides the body. */
struct body_info {
    char *dateline;   /* "HÀ NỘI", or NULL */
    char *source;     /* from the dateline's "(Xinhua)", or NULL */
    size_t lead_end;  /* end of the first paragraph in the body */
    size_t last_line; /* start of the last line in the body */
    size_t last_sep;  /* start of the separator before it */
};

/* The dateline at the start of the lead line [*b, e): cut from it, into info. */
static void take_dateline(const char *text, size_t *b, size_t e, struct body_info *info)
{
    size_t pl, after;
    if (!match_dateline(text + *b, e - *b, &pl, &after)) {
        return;
    }
    info->dateline = meta_dup(text + *b, pl);
    const char *o = memchr(text + *b, '(', pl);
    const char *cl = o ? memchr(o, ')', (size_t)(text + *b + pl - o)) : NULL;
    size_t tb, te;
    int loose;
    if (cl && tag_span(text, (size_t)(o - text) + 1, (size_t)(cl - text), &tb, &te, &loose)) {
        info->source = meta_dup(text + tb, te - tb);
    }
    *b += after;
}

/*
 * Pass 2: the body lines of text[start..len) into `body`: boilerplate
 * dropped, captions cleaned, the dateline cut from the lead, "\n\n"
 * between paragraphs and "\n" between the lines of one.
 */
static void parse_body(const char *text, size_t len, size_t start, struct dl_buf *body,
                       struct body_info *info)
{
    int blank_mode = blank_separated(text, len, start);
    struct cursor c = {text, len, start};
    size_t b, e, img;
    int first = 1, blank = 0, caption = 0;
    info->lead_end = 0;
    while (next_line(&c, &b, &e)) {
        enum line_kind k = classify(text + b, e - b, &img);
        if (k == LINE_BLANK) {
            blank = 1;
            continue;
        }
        if (k == LINE_DROP) {
            continue;
        }
        if (k == LINE_IMAGE) {
            caption = 1;
            continue;
        }
        b += img;
        if (caption || img) {
            while (e > b && (text[e - 1] == '|' || text[e - 1] == ' ')) {
                e--;
            }
            caption = 0;
        }
        if (first && !info->dateline) {
            take_dateline(text, &b, e, info);
            if (b == e) {
                continue; /* the dateline stood alone on its line */
            }
        }
        if (!first) {
            int para = blank_mode ? blank : !starts_lower(text + b, e - b);
            if (para && !info->lead_end) {
                info->lead_end = body->len;
            }
            info->last_sep = body->len;
            dl_buf_adds(body, para ? "\n\n" : "\n");
        }
        info->last_line = body->len;
        dl_buf_add(body, text + b, e - b);
        first = blank = 0;
    }
}

/* Cut a trailing source tag from the body's last line; the tag replaces info->source. */
static void take_source_tag(struct dl_buf *body, struct body_info *info)
{
    size_t keep, tb, te;
    const char *last = body->buf + info->last_line;
    if (!body->len || !match_source_tag(last, body->len - info->last_line, &keep, &tb, &te)) {
        return;
    }
    free(info->source);
    info->source = meta_dup(last + tb, te - tb);
    dl_buf_truncate(body, keep ? info->last_line + keep : info->last_sep);
}

int dl_readout_parse_text(struct dl_readout *r, const char *id, const char *text, size_t len,
                          struct dl_error *err)
{
    size_t bad = dl_utf8_check(text, len);
    if (bad < len) {
        dl_readout_release(r);
        return dl_error_set(err, DL_EENCODING, "text is not valid UTF-8 (byte %zu)", bad);
    }
    char date[11] = "";
    char *title = NULL;
    size_t start = parse_header(text, len, date, &title);

    struct dl_buf body = DL_BUF_INIT;
    struct body_info info = {NULL, NULL, 0, 0, 0};
    parse_body(text, len, start, &body, &info);
    for (char *z = memchr(body.buf, '\0', body.len); z; /* NUL bytes become spaces */
         z = memchr(z, '\0', body.len - (size_t)(z - body.buf))) {
        *z = ' ';
    }
    take_source_tag(&body, &info);
    if (body.len == 0) {
        free(title);
        free(info.dateline);
        free(info.source);
        dl_buf_release(&body);
        dl_readout_release(r);
        return dl_error_set(err, DL_EPARSE, "no text in '%s' (empty or only boilerplate)",
                            id ? id : "");
    }
    size_t lead_end = info.lead_end && info.lead_end <= body.len ? info.lead_end : body.len;
    if (!date[0] && !(info.dateline && dl_find_date(info.dateline, strlen(info.dateline), date)) &&
        !dl_find_date(body.buf, lead_end, date)) {
        date[0] = '\0';
    }
    if (!title) {
        title = make_title(body.buf, lead_end);
    }

    dl_readout_release(r);
    r->id = id ? dl_xstrdup(id) : NULL;
    r->title = title;
    r->date = date[0] ? dl_xstrdup(date) : NULL;
    r->dateline = info.dateline;
    r->source = info.source;
    r->body = dl_buf_detach(&body, NULL);
    return DL_OK;
}

/* --- JSON Lines ----------------------------------------------------------- */

/* An optional string field: NULL when absent, null or ""; DL_EPARSE when not a string. */
static int json_field(const cJSON *o, const char *name, char **out, struct dl_error *err)
{
    *out = NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!v || cJSON_IsNull(v)) {
        return DL_OK;
    }
    if (!cJSON_IsString(v) || !v->valuestring) {
        return dl_error_set(err, DL_EPARSE, "\"%s\" is not a string", name);
    }
    size_t n = strlen(v->valuestring);
    if (dl_utf8_check(v->valuestring, n) < n) {
        return dl_error_set(err, DL_EPARSE, "\"%s\" is not valid UTF-8", name);
    }
    if (n) {
        *out = dl_xmemdup(v->valuestring, n);
    }
    return DL_OK;
}

int dl_readout_parse_json(struct dl_readout *r, const char *line, size_t len, struct dl_error *err)
{
    const char *end = NULL;
    cJSON *o = cJSON_ParseWithLengthOpts(line, len, &end, 0);
    if (!o) {
        size_t at = end && end >= line && end <= line + len ? (size_t)(end - line) : 0;
        return dl_error_set(err, DL_EPARSE, "invalid JSON near byte %zu", at);
    }
    int rc = DL_OK;
    struct dl_readout t = {0};
    if (end && (size_t)(end - line) < len) {
        size_t k = (size_t)(end - line);
        while (k < len && strchr(" \t\r\n", line[k]) && line[k]) {
            k++;
        }
        if (k < len) {
            rc = dl_error_set(err, DL_EPARSE, "text after the JSON value (byte %zu)", k);
            goto out;
        }
    }
    if (!cJSON_IsObject(o)) {
        rc = dl_error_set(err, DL_EPARSE, "not a JSON object");
        goto out;
    }
    if ((rc = json_field(o, "id", &t.id, err)) || (rc = json_field(o, "title", &t.title, err)) ||
        (rc = json_field(o, "date", &t.date, err)) ||
        (rc = json_field(o, "dateline", &t.dateline, err)) ||
        (rc = json_field(o, "source", &t.source, err)) ||
        (rc = json_field(o, "url", &t.url, err)) || (rc = json_field(o, "lang", &t.lang, err)) ||
        (rc = json_field(o, "body", &t.body, err))) {
        goto out;
    }
    if (!t.id) {
        rc = dl_error_set(err, DL_EPARSE, "missing \"id\"");
        goto out;
    }
    if (!t.body) {
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "body");
        if (!cJSON_IsString(b)) {
            rc = dl_error_set(err, DL_EPARSE, "missing \"body\" in '%s'", t.id);
            goto out;
        }
        t.body = dl_xstrdup(""); /* "body": "" is a body, used as is */
    }
    if (t.date) {
        /* "2026-02-09T10:00:00+07:00" -> "2026-02-09"; anything else invalid is dropped */
        if (strlen(t.date) > 10) {
            t.date[10] = '\0';
        }
        if (!dl_date_valid(t.date, strlen(t.date))) {
            free(t.date);
            t.date = NULL;
        }
    }
out:
    cJSON_Delete(o);
    dl_readout_release(r);
    if (rc == DL_OK) {
        *r = t;
    } else {
        dl_readout_release(&t);
    }
    return rc;
}

void dl_readout_release(struct dl_readout *r)
{
    if (!r) {
        return;
    }
    free(r->id);
    free(r->title);
    free(r->date);
    free(r->dateline);
    free(r->source);
    free(r->url);
    free(r->lang);
    free(r->body);
    memset(r, 0, sizeof *r);
}
