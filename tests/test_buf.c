/* test_buf.c - dl_buf and its escapers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dateline/buf.h"
#include "dl_test.h"

static void test_basic(void)
{
    struct dl_buf b = DL_BUF_INIT;
    CHECK(b.len == 0 && b.buf[0] == '\0', "fresh buffer is empty");
    dl_buf_adds(&b, "hello");
    dl_buf_addc(&b, ' ');
    dl_buf_addf(&b, "%d-%s", 42, "x");
    CHECK_STR(b.buf, "hello 42-x", "add/addc/addf");
    struct dl_buf big = DL_BUF_INIT;
    for (int i = 0; i < 1000; i++) {
        dl_buf_addf(&big, "%04d", i);
    }
    CHECK(big.len == 4000 && memcmp(big.buf + 3996, "0999", 4) == 0, "grows past many reallocs");
    dl_buf_addf(&big, "%300s", "y");
    CHECK(big.len == 4300 && big.buf[4299] == 'y', "addf longer than the small buffer");
    dl_buf_truncate(&b, 5);
    CHECK_STR(b.buf, "hello", "truncate");
    size_t len;
    char *p = dl_buf_detach(&b, &len);
    CHECK(len == 5 && strcmp(p, "hello") == 0 && b.len == 0 && b.cap == 0, "detach");
    free(p);
    p = dl_buf_detach(&b, NULL);
    CHECK(p && p[0] == '\0', "detach of an empty buffer gives an empty string");
    free(p);
    dl_buf_release(&big);
    dl_buf_release(&big);
    CHECK(big.len == 0 && big.buf[0] == '\0', "release twice is safe");
}

static void test_escapes(void)
{
    static const struct {
        const char *in, *html, *json, *url;
    } cases[] = {
        {"plain", "plain", "plain", "plain"},
        {"<b>&\"'", "&lt;b&gt;&amp;&quot;&#39;", "\\u003cb\\u003e\\u0026\\\"'", "%3Cb%3E%26%22%27"},
        {"<script>&amp;</script>", "&lt;script&gt;&amp;amp;&lt;/script&gt;",
         "\\u003cscript\\u003e\\u0026amp;\\u003c/script\\u003e",
         "%3Cscript%3E%26amp%3B%3C%2Fscript%3E"},
        {"a\nb\t\\", "a\nb\t\\", "a\\nb\\t\\\\", "a%0Ab%09%5C"},
        {"Tô Lâm", "Tô Lâm", "Tô Lâm", "T%C3%B4%20L%C3%A2m"},
        {"\x01\x7f", "\x01\x7f", "\\u0001\\u007f", "%01%7F"},
        {"x\xe2\x80\xa8y", "x\xe2\x80\xa8y", "x\\u2028y", "x%E2%80%A8y"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_buf b = DL_BUF_INIT;
        dl_buf_add_html(&b, cases[i].in, strlen(cases[i].in));
        CHECK_STR(b.buf, cases[i].html, "html escape case %zu", i);
        dl_buf_reset(&b);
        dl_buf_add_json(&b, cases[i].in, strlen(cases[i].in));
        CHECK_STR(b.buf, cases[i].json, "json escape case %zu", i);
        dl_buf_reset(&b);
        dl_buf_add_url(&b, cases[i].in, strlen(cases[i].in));
        CHECK_STR(b.buf, cases[i].url, "url escape case %zu", i);
        dl_buf_release(&b);
    }
}

/* dl_buf_add_xml: markup escaped, what XML 1.0 does not allow dropped, bad UTF-8 replaced. */
static void test_xml(void)
{
    static const struct {
        const char *in;
        size_t n; /* 0: strlen(in) */
        const char *want;
    } cases[] = {
        {"plain", 0, "plain"},
        {"a<b>&\"c'", 0, "a&lt;b&gt;&amp;&quot;c&#39;"},
        {"tab\tnl\ncr\r", 0, "tab\tnl\ncr\r"},
        {"x\x01\x08\x0b\x0c\x1fy", 0, "xy"},   /* C0 controls dropped */
        {"a\0b", 3, "ab"},                     /* NUL too */
        {"\xef\xbf\xbe\xef\xbf\xbf!", 0, "!"}, /* U+FFFE, U+FFFF */
        {"\xef\xbf\xbd", 0, "\xef\xbf\xbd"},   /* U+FFFD is a character */
        {"T\xc3\xb4 L\xc3\xa2m \xe4\xb8\xad \xf0\x9f\x98\x80", 0,
         "T\xc3\xb4 L\xc3\xa2m \xe4\xb8\xad \xf0\x9f\x98\x80"},
        {"a\xff"
         "b",
         0,
         "a\xef\xbf\xbd"
         "b"},                                                       /* not UTF-8 */
        {"\xc3", 0, "\xef\xbf\xbd"},                                 /* cut sequence */
        {"\xed\xa0\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* a surrogate */
        {"\xc2\x85\x7f", 0, "\xc2\x85\x7f"},                         /* C1 and DEL are allowed */
        {"", 0, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_buf b = DL_BUF_INIT;
        dl_buf_add_xml(&b, cases[i].in, cases[i].n ? cases[i].n : strlen(cases[i].in));
        CHECK_STR(b.buf, cases[i].want, "xml escape of case %zu", i);
        dl_buf_release(&b);
    }
}

/* dl_buf_read_file appends a whole file, and says why it cannot. */
static void test_read_file(void)
{
    char path[] = "/tmp/dl_buf_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "mkstemp");
    if (fd < 0) {
        return;
    }
    CHECK(write(fd, "abc\ndef", 7) == 7, "write");
    close(fd);
    struct dl_buf b = DL_BUF_INIT;
    dl_buf_adds(&b, "x:");
    CHECK(dl_buf_read_file(&b, path) == 0, "read a file");
    CHECK(b.len == 9 && memcmp(b.buf, "x:abc\ndef", 9) == 0, "appended whole: %s", b.buf);
    unlink(path);
    CHECK(dl_buf_read_file(&b, path) == -ENOENT, "a missing file: -ENOENT");
    CHECK(b.len == 9, "and nothing appended");
    CHECK(dl_buf_read_file(&b, "/tmp") == -EISDIR, "a folder: -EISDIR");
    dl_buf_release(&b);
}

int main(void)
{
    test_basic();
    test_xml();
    test_read_file();
    test_escapes();
    return dl_test_report();
}
