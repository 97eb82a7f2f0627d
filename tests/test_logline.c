/*
 * test_logline.c - server/logline.c: JSON access-log lines, escaping and
 * the optional time.
 */
#include "dateline/logline.h"
#include "dl_test.h"

static void test_lines(void)
{
    static const struct {
        const char *what;
        struct dl_logline l;
        const char *want;
    } cases[] = {
        {"a search, with the time",
         {1796045040.25, "GET", "/api/search?q=x", 200, 1234, 1.234, 0},
         "{\"time\":\"2026-11-30T13:24:00.250Z\",\"method\":\"GET\",\"uri\":\"/api/search?q=x\","
         "\"status\":200,\"bytes\":1234,\"ms\":1.23,\"aborted\":false}\n"},
        {"no time (journald), no status, aborted",
         {-1, "", "/", 0, 0, 0, 1},
         "{\"method\":\"\",\"uri\":\"/"
         "\",\"status\":null,\"bytes\":0,\"ms\":0.00,\"aborted\":true}\n"},
        {"quotes, backslash, control and non-ASCII bytes escaped",
         {-1, "GET", "/a\"b\\c\n\x7f\xc3\xa9", 400, 1, 0.5, 0},
         "{\"method\":\"GET\",\"uri\":\"/a\\\"b\\\\c\\u000a\\u007f\\u00c3\\u00a9\","
         "\"status\":400,\"bytes\":1,\"ms\":0.50,\"aborted\":false}\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_buf b;
        dl_buf_init(&b, 0);
        dl_logline_json(&b, &cases[i].l);
        CHECK_STR(b.buf, cases[i].want, "%s", cases[i].what);
        dl_buf_release(&b);
    }
}

static void test_long_uri(void)
{
    char uri[1001];
    memset(uri, 'a', 1000);
    uri[1000] = '\0';
    struct dl_logline l = {-1, "GET", uri, 414, 0, 0, 0};
    struct dl_buf b;
    dl_buf_init(&b, 0);
    dl_logline_json(&b, &l);
    const char *u = strstr(b.buf, "\"uri\":\"");
    CHECK(u && strspn(u + 7, "a") == 400 && u[407] == '"', "a 1000-byte uri is cut at 400");
    dl_buf_release(&b);
}

int main(void)
{
    test_lines();
    test_long_uri();
    return dl_test_report();
}
