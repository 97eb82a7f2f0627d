/* fuzz_readout.c - the readout parsers must accept any bytes without crashing or leaking,
 * and whatever they return must be valid UTF-8 with a sane date. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/buf.h"
#include "dateline/fold.h"
#include "dateline/readout.h"

static void check_readout(const struct dl_readout *r)
{
    const char *fields[] = {r->id, r->title, r->date, r->dateline, r->source, r->url, r->lang, r->body};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (fields[i] && !dl_utf8_valid(fields[i], strlen(fields[i]))) {
            abort();
        }
    }
    if (r->date && !dl_date_valid(r->date, strlen(r->date))) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dl_buf text = DL_BUF_INIT;
    /* The indexer hands the parser valid UTF-8 without NULs: do the same. */
    if (dl_utf8_valid((const char *)data, size)) {
        dl_buf_add(&text, data, size);
    } else {
        dl_cp1252_to_utf8((const char *)data, size, &text);
    }
    size_t w = 0;
    for (size_t i = 0; i < text.len; i++) {
        if (text.buf[i]) {
            text.buf[w++] = text.buf[i];
        }
    }
    dl_buf_truncate(&text, w);

    struct dl_readout r = {0};
    if (dl_readout_parse_text(&r, "fuzz.txt", text.buf, text.len, NULL) == 0) {
        check_readout(&r);
    }
    dl_readout_release(&r);
    if (dl_readout_parse_json(&r, text.buf, text.len, NULL) == 0) {
        check_readout(&r);
    }
    dl_readout_release(&r);
    char date[11];
    if (dl_find_date(text.buf, text.len, date) && !dl_date_valid(date, 10)) {
        abort();
    }
    dl_buf_release(&text);
    return 0;
}
