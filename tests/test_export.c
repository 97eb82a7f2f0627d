/*
 * test_export.c - rows of an export: RFC 4180 quoting (commas, quotes, CR, LF, UTF-8 as is),
 * the header row and BOM, whole CSV and NDJSON rows with absent fields and lists.
 */
#include <string.h>

#include "dateline/export.h"
#include "dl_test.h"

static void test_csv_fields(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain", "plain"},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"\"", "\"\"\"\""},
        {"line\nbreak", "\"line\nbreak\""},
        {"cr\rhere", "\"cr\rhere\""},
        {"crlf\r\n", "\"crlf\r\n\""},
        {"Tô Lâm, 苏林", "\"Tô Lâm, 苏林\""},
        {"Hà Nội", "Hà Nội"}, /* UTF-8 as is, no quotes needed */
        {" spaces kept ", " spaces kept "},
        {"semi;colon", "semi;colon"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_buf b = DL_BUF_INIT;
        dl_buf_adds(&b, "");
        dl_export_csv_field(&b, cases[i].in, strlen(cases[i].in));
        CHECK_STR(b.buf, cases[i].want, "csv field '%s'", cases[i].in);
        dl_buf_release(&b);
    }
    struct dl_buf b = DL_BUF_INIT;
    dl_buf_adds(&b, "");
    dl_export_csv_field(&b, NULL, 0);
    CHECK(b.len == 0, "NULL is an empty field");
    dl_buf_release(&b);
}

static void test_rows(void)
{
    struct dl_readout r = {"a/1", "Talks, \"frank\"",    "2026-02-04", "HÀ NỘI", "VNA/VNS", NULL,
                           "vi",  "body is not exported"};
    struct dl_found f = {{NULL, "Tô Lâm\nXi Jinping", "China\nVietnam", "ASEAN"}, "talks", NULL, NULL};
    struct dl_buf b = DL_BUF_INIT;
    dl_export_begin(&b, DL_EXPORT_CSV, 0);
    CHECK_STR(b.buf, "id,date,title,source,dateline,url,kind,people,countries\r\n",
              "the CSV header row");
    dl_buf_reset(&b);
    dl_export_begin(&b, DL_EXPORT_CSV, 1);
    CHECK(b.len > 3 && memcmp(b.buf, "\xEF\xBB\xBFid,", 6) == 0, "bom=1: the BOM first");
    dl_buf_reset(&b);
    dl_export_begin(&b, DL_EXPORT_NDJSON, 1);
    CHECK(b.len == 0, "NDJSON: no header, no BOM");

    dl_export_row(&b, DL_EXPORT_CSV, &r, &f);
    CHECK_STR(b.buf,
              "a/1,2026-02-04,\"Talks, \"\"frank\"\"\",VNA/VNS,HÀ NỘI,,talks,"
              "Tô Lâm; Xi Jinping,China; Vietnam\r\n",
              "a CSV row: quoted, absent url empty, lists joined with '; '");
    dl_buf_reset(&b);
    dl_export_row(&b, DL_EXPORT_NDJSON, &r, &f);
    CHECK_STR(b.buf,
              "{\"id\":\"a/1\",\"date\":\"2026-02-04\",\"title\":\"Talks, \\\"frank\\\"\","
              "\"source\":\"VNA/VNS\",\"dateline\":\"HÀ NỘI\",\"url\":null,\"kind\":\"talks\","
              "\"people\":[\"Tô Lâm\",\"Xi Jinping\"],\"countries\":[\"China\",\"Vietnam\"]}\n",
              "an NDJSON row: absent url null, lists as arrays");
    struct dl_readout bare = {"b\nc", NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    dl_buf_reset(&b);
    dl_export_row(&b, DL_EXPORT_CSV, &bare, NULL);
    CHECK_STR(b.buf, "\"b\nc\",,,,,,,,\r\n", "a CSV row of nothing but an id (with a newline)");
    dl_buf_reset(&b);
    dl_export_row(&b, DL_EXPORT_NDJSON, &bare, NULL);
    CHECK_STR(b.buf,
              "{\"id\":\"b\\nc\",\"date\":null,\"title\":null,\"source\":null,\"dateline\":null,"
              "\"url\":null,\"kind\":null,\"people\":[],\"countries\":[]}\n",
              "an NDJSON row of nothing but an id");
    dl_buf_release(&b);
}

static void test_formats(void)
{
    enum dl_export_format f = DL_EXPORT_NDJSON;
    CHECK(dl_export_format_parse("csv", &f) == 0 && f == DL_EXPORT_CSV, "csv");
    CHECK(dl_export_format_parse("ndjson", &f) == 0 && f == DL_EXPORT_NDJSON, "ndjson");
    CHECK(dl_export_format_parse("xml", &f) == -1 && f == DL_EXPORT_NDJSON, "xml refused");
    CHECK(dl_export_format_parse("CSV", &f) == -1 && dl_export_format_parse(NULL, &f) == -1,
          "names are exact");
    CHECK_STR(dl_export_content_type(DL_EXPORT_CSV), "text/csv; charset=utf-8; header=present",
              "CSV's type");
    CHECK_STR(dl_export_content_type(DL_EXPORT_NDJSON), "application/x-ndjson", "NDJSON's type");
    CHECK_STR(dl_export_extension(DL_EXPORT_NDJSON), "ndjson", "NDJSON's extension");
}

int main(void)
{
    test_csv_fields();
    test_rows();
    test_formats();
    return dl_test_report();
}
