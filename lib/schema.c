/* schema.c - the terms of the index contract (see schema.h). */
#include "dateline/schema.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dateline/common.h"
#include "dateline/fold.h"

/* Bytes of a long value kept in front of its hash. */
#define TERM_KEEP 40

void dl_schema_term(struct dl_buf *out, const char *prefix, const char *v, size_t n)
{
    dl_buf_reset(out);
    dl_buf_adds(out, prefix);
    if (n <= DL_ID_TERM_MAX) {
        dl_buf_add(out, v, n);
        return;
    }
    size_t cut = TERM_KEEP;
    while (cut > 0 && ((unsigned char)v[cut] & 0xC0) == 0x80) {
        cut--;
    }
    dl_buf_add(out, v, cut);
    dl_buf_addf(out, "#%016llx", (unsigned long long)dl_hash64(v, n));
}

void dl_schema_origin_term(struct dl_buf *out, const char *origin)
{
    dl_buf_reset(out);
    dl_buf_addf(out, "%s%016llx", DL_PREFIX_ORIGIN,
                (unsigned long long)dl_hash64(origin, strlen(origin)));
}

int dl_schema_date(const char *d, char out[9])
{
    if (!d || strlen(d) != 10 || d[4] != '-' || d[7] != '-') {
        return 0;
    }
    for (int i = 0, k = 0; i < 10; i++) {
        if (i != 4 && i != 7) {
            if (d[i] < '0' || d[i] > '9') {
                return 0;
            }
            out[k++] = d[i];
        }
    }
    out[8] = '\0';
    return 1;
}

/* What splits a combined source ("VNA/VNS", "CCTV / Xinhua", "新华社、央视"): whole UTF-8
 * sequences, so that matching at any byte never matches inside a character. */
static const char *const SOURCE_SEPARATORS[] = {
    "/", ",", ";", "&", "|", "+", "、", "，", "／", "；", "＆", "｜", "＋",
};

/* The length of the separator at s (n bytes left), or 0 when none starts there. */
static size_t source_separator(const char *s, size_t n)
{
    for (size_t k = 0; k < sizeof SOURCE_SEPARATORS / sizeof SOURCE_SEPARATORS[0]; k++) {
        size_t l = strlen(SOURCE_SEPARATORS[k]);
        if (l <= n && memcmp(s, SOURCE_SEPARATORS[k], l) == 0) {
            return l;
        }
    }
    return 0;
}

/* Is s[0..len) one of the NUL-terminated entries in buf[0..end)? */
static int has_entry(const char *buf, size_t end, const char *s, size_t len)
{
    for (size_t i = 0; i < end; i += strlen(buf + i) + 1) {
        if (strlen(buf + i) == len && memcmp(buf + i, s, len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Append the slug of v[0..n) to out as an entry, unless it is empty or there: the new count. */
static size_t add_entry(struct dl_buf *out, size_t count, const char *v, size_t n)
{
    size_t start = out->len;
    dl_slug(v, n, out);
    size_t len = out->len - start;
    if (!len || has_entry(out->buf, start, out->buf + start, len)) {
        dl_buf_truncate(out, start);
        return count;
    }
    dl_buf_addc(out, '\0');
    return count + 1;
}

size_t dl_schema_source_slugs(const char *source, size_t n, struct dl_buf *out)
{
    dl_buf_reset(out);
    size_t count = add_entry(out, 0, source, n);
    size_t a = 0, i = 0;
    while (i < n) {
        size_t l = source_separator(source + i, n - i);
        if (l) {
            count = add_entry(out, count, source + a, i - a);
            a = i += l;
        } else {
            i++;
        }
    }
    return a ? add_entry(out, count, source + a, n - a) : count;
}

/* --- times ------------------------------------------------------------------------------ */

/* n digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's days_from_civil). */
static long long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

int dl_schema_time_parse(const char *s, size_t n, long long *usec)
{
    if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':') {
        return -1;
    }
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || se < 0 || se > 59) {
        return -1;
    }
    size_t i = 19;
    long long frac = 0;
    if (s[i] == '.') {
        size_t k = 0;
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, k++) {
            frac = k < 6 ? frac * 10 + (s[i] - '0') : frac;
        }
        if (k == 0 || k > 9) {
            return -1;
        }
        for (; k < 6; k++) {
            frac *= 10;
        }
    }
    long long off = 0;
    if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
        off = 0;
    } else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59) {
            return -1;
        }
        off = (oh * 60LL + om) * 60 * (s[i] == '+' ? 1 : -1);
    } else {
        return -1;
    }
    long long secs = days_from_civil(y, mo, d) * 86400 + h * 3600LL + mi * 60LL + se - off;
    if (secs < 0) {
        return -1;
    }
    *usec = secs * 1000000 + frac;
    return 0;
}

void dl_schema_time_format(long long usec, char out[DL_TIME_LEN + 1])
{
    long long secs = usec / 1000000, days = secs / 86400, rem = secs % 86400;
    /* civil_from_days (Hinnant) */
    long long z = days + 719468, era = z / 146097, doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1), m = (int)(mp < 10 ? mp + 3 : mp - 9);
    long long y = yoe + era * 400 + (m <= 2);
    int hh = (int)(rem / 3600) % 24, mm = (int)(rem / 60 % 60), ss = (int)(rem % 60);
    int us = (int)(usec % 1000000), yy = (int)(y % 10000);
    char tmp[64]; /* what the compiler cannot prove fits */
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", yy, m % 100, d % 100, hh, mm,
             ss, us);
    memcpy(out, tmp, DL_TIME_LEN);
    out[DL_TIME_LEN] = '\0';
}

long long dl_schema_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
