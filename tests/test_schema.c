/* test_schema.c - the index contract's pure helpers: the source filter's slugs. */
#include <string.h>

#include "dateline/buf.h"
#include "dateline/schema.h"
#include "dl_test.h"

/* dl_schema_source_slugs: the whole source's slug, then each part's, without empties or
 * repeats; shown joined by '|'. */
static void test_source_slugs(void)
{
    static const struct {
        const char *in;
        size_t n; /* bytes of in to read; 0 = all of it */
        const char *want;
    } cases[] = {
        {"VNA/VNS", 0, "vna-vns|vna|vns"},
        {"VNA / VNS", 0, "vna-vns|vna|vns"},
        {"VNA//VNS", 0, "vna-vns|vna|vns"}, /* an empty part is left out */
        {"VNA/VNS", 3, "vna"},              /* n bytes only */
        {"Xinhua", 0, "xinhua"},            /* not combined: the slug once */
        {"VNA/", 0, "vna"},
        {"/VNA", 0, "vna"},
        {"VNA/vna", 0, "vna-vna|vna"}, /* a repeated part once */
        {"", 0, ""},
        {" / ; ", 0, ""},
        {"CCTV / Xinhua", 0, "cctv-xinhua|cctv|xinhua"},
        {"VNA, VNS; Xinhua", 0, "vna-vns-xinhua|vna|vns|xinhua"},
        {"Reuters & AP", 0, "reuters-ap|reuters|ap"},
        {"VNA|VNS+Nhân Dân", 0, "vna-vns-nhan-dan|vna|vns|nhan-dan"},
        {"Ministry of Foreign Affairs of Viet Nam", 0, "ministry-of-foreign-affairs-of-viet-nam"},
        {"The White House", 0, "the-white-house"},
        {"Tuổi Trẻ", 0, "tuoi-tre"},
        {"Lancang-Mekong Forum", 0, "lancang-mekong-forum"}, /* a hyphen does not split */
        {"新华社、央视", 0, "新华社-央视|新华社|央视"},      /* ideographic comma */
        {"新华社／央视", 0, "新华社-央视|新华社|央视"},      /* fullwidth solidus */
        /* brackets gloss a name, they do not combine two */
        {"中央电视台《新闻联播》 (CCTV Xinwen Lianbo)", 0,
         "中央电视台-新闻联播-cctv-xinwen-lianbo"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_buf out = DL_BUF_INIT, joined = DL_BUF_INIT;
        dl_buf_adds(&out, "stale"); /* replaced, not appended to */
        size_t n = cases[i].n ? cases[i].n : strlen(cases[i].in);
        size_t k = dl_schema_source_slugs(cases[i].in, n, &out);
        size_t seen = 0;
        for (size_t at = 0; at < out.len; at += strlen(out.buf + at) + 1, seen++) {
            dl_buf_addf(&joined, "%s%s", seen ? "|" : "", out.buf + at);
        }
        CHECK_STR(joined.len ? joined.buf : "", cases[i].want, "source slugs of '%s'", cases[i].in);
        CHECK(k == seen, "'%s': returned %zu, %zu entries", cases[i].in, k, seen);
        dl_buf_release(&out);
        dl_buf_release(&joined);
    }
}

/* dl_schema_time_parse and _format: RFC 3339 in, the slot's fixed-width UTC form out. */
static void test_times(void)
{
    static const struct {
        const char *in;
        const char *want; /* formatted, or NULL: refused */
    } cases[] = {
        {"1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000000Z"},
        {"2026-11-30T12:00:00Z", "2026-11-30T12:00:00.000000Z"},
        {"2026-11-30t12:00:00z", "2026-11-30T12:00:00.000000Z"},
        {"2026-11-30 12:00:00Z", "2026-11-30T12:00:00.000000Z"},
        {"2026-11-30T12:00:00.5Z", "2026-11-30T12:00:00.500000Z"},
        {"2026-11-30T12:00:00.123456789Z", "2026-11-30T12:00:00.123456Z"}, /* cut, not rounded */
        {"2026-11-30T19:00:00+07:00", "2026-11-30T12:00:00.000000Z"},
        {"2026-11-30T01:30:00-02:00", "2026-11-30T03:30:00.000000Z"},
        {"2026-12-01T00:30:00+01:00", "2026-11-30T23:30:00.000000Z"}, /* the day before */
        {"2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000000Z"},      /* a leap day */
        {"2000-03-01T00:00:00Z", "2000-03-01T00:00:00.000000Z"},
        {"2025-02-29T00:00:00Z", NULL}, /* not a leap year */
        {"2026-11-31T00:00:00Z", NULL},
        {"2026-13-01T00:00:00Z", NULL},
        {"2026-11-30T24:00:00Z", NULL},
        {"2026-11-30T12:00:60Z", NULL},
        {"2026-11-30T12:00:00", NULL}, /* no zone */
        {"2026-11-30T12:00:00.Z", NULL},
        {"2026-11-30T12:00:00.1234567890Z", NULL},
        {"2026-11-30T12:00:00+7:00", NULL},
        {"2026-11-30T12:00:00Z ", NULL},
        {"2026-11-30", NULL},
        {"1969-12-31T23:59:59Z", NULL},
        {"1970-01-01T00:00:00+01:00", NULL}, /* before 1970 in UTC */
        {"2026-1l-30T12:00:00Z", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long long us = -1;
        int rc = dl_schema_time_parse(cases[i].in, strlen(cases[i].in), &us);
        CHECK(rc == (cases[i].want ? 0 : -1), "parse '%s': %d", cases[i].in, rc);
        if (cases[i].want && rc == 0) {
            char out[DL_TIME_LEN + 1];
            dl_schema_time_format(us, out);
            CHECK_STR(out, cases[i].want, "format of '%s'", cases[i].in);
            CHECK(strlen(out) == DL_TIME_LEN, "'%s' is %zu bytes", out, strlen(out));
        }
    }
    char a[DL_TIME_LEN + 1], b[DL_TIME_LEN + 1];
    dl_schema_time_format(1, a);
    CHECK_STR(a, "1970-01-01T00:00:00.000001Z", "one microsecond");
    long long now = dl_schema_time_now();
    dl_schema_time_format(now, a);
    dl_schema_time_format(now + 1, b);
    CHECK(strcmp(a, b) < 0, "string order is time order: %s < %s", a, b);
    long long back = 0;
    CHECK(dl_schema_time_parse(a, strlen(a), &back) == 0 && back == now, "round trip of %s", a);
}

int main(void)
{
    test_source_slugs();
    test_times();
    return dl_test_report();
}
