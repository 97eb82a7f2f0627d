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

int main(void)
{
    test_source_slugs();
    return dl_test_report();
}
