/*
 * test_prom.c - lib/prom.c: numbers, escaping and whole families in the
 * text exposition format, compared with the exact text Prometheus reads.
 */
#include <math.h>

#include "dateline/prom.h"
#include "dl_test.h"

static void test_numbers(void)
{
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {0, "0"},
        {3, "3"},
        {-2, "-2"},
        {0.005, "0.005"},
        {0.1, "0.1"},
        {2.5, "2.5"},
        {1.0 / 3.0, "0.3333333333333333"}, /* 16 digits: 15 do not read back */
        {1e300, "1e+300"},
        {0.1 + 0.2, "0.30000000000000004"},       /* 17 digits */
        {9007199254740992.0, "9007199254740992"}, /* 2^53 */
        {1712345678.25, "1712345678.25"},
    };
    char num[DL_PROM_NUM_MAX];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_STR(dl_prom_number(num, cases[i].v), cases[i].want, "number %zu", i);
    }
    CHECK_STR(dl_prom_number(num, INFINITY), "+Inf", "+Inf");
    CHECK_STR(dl_prom_number(num, -INFINITY), "-Inf", "-Inf");
    CHECK_STR(dl_prom_number(num, NAN), "NaN", "NaN");
}

static void test_samples(void)
{
    static const struct {
        const char *what;
        const char *label; /* value of label "l", or NULL for no labels */
        double v;
        const char *want;
    } cases[] = {
        {"no labels", NULL, 1.5, "m 1.5\n"},
        {"plain label", "/api/search", 3, "m{l=\"/api/search\"} 3\n"},
        {"quote", "a\"b", 0, "m{l=\"a\\\"b\"} 0\n"},
        {"backslash", "a\\b", 0, "m{l=\"a\\\\b\"} 0\n"},
        {"newline", "a\nb", 0, "m{l=\"a\\nb\"} 0\n"},
        {"UTF-8 as is", "Genève", 0, "m{l=\"Genève\"} 0\n"},
        {"empty value", "", 0, "m{l=\"\"} 0\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_buf b;
        dl_buf_init(&b, 0);
        struct dl_prom_label l = {"l", cases[i].label};
        dl_prom_sample(&b, "m", &l, cases[i].label ? 1 : 0, cases[i].v);
        CHECK_STR(b.buf, cases[i].want, "sample: %s", cases[i].what);
        dl_buf_release(&b);
    }
}

static void test_family(void)
{
    struct dl_buf b;
    dl_buf_init(&b, 0);
    dl_prom_family(&b, "dateline_x_total", "counter", "Things \\ counted,\nin \"quotes\".");
    struct dl_prom_label ls[] = {{"route", "/api/search"}, {"status", "200"}};
    dl_prom_sample_u(&b, "dateline_x_total", ls, 2, 18446744073709551615ull);
    CHECK_STR(b.buf,
              "# HELP dateline_x_total Things \\\\ counted,\\nin \"quotes\".\n"
              "# TYPE dateline_x_total counter\n"
              "dateline_x_total{route=\"/api/search\",status=\"200\"} 18446744073709551615\n",
              "a counter family (HELP escapes \\ and newline only; u64 exact)");
    dl_buf_release(&b);
}

int main(void)
{
    test_numbers();
    test_samples();
    test_family();
    return dl_test_report();
}
