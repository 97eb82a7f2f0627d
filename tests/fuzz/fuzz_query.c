/* fuzz_query.c - the query normaliser on arbitrary bytes: never crashes, and what it hands
 * to Xapian's QueryParser is valid UTF-8 with balanced quotes and brackets. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/fold.h"
#include "dateline/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dl_query q;
    dl_query_init(&q);
    if (dl_query_normalize(&q, (const char *)data, size, NULL) == 0) {
        if (!dl_utf8_valid(q.text.buf, q.text.len) || !dl_utf8_valid(q.plain.buf, q.plain.len) ||
            strlen(q.text.buf) != q.text.len) {
            abort();
        }
        int depth = 0, quotes = 0;
        for (size_t i = 0; i < q.text.len; i++) {
            char c = q.text.buf[i];
            if (c == '"') {
                quotes ^= 1;
            } else if (c == '(' && !quotes) {
                depth++;
            } else if (c == ')' && !quotes) {
                depth--;
            }
            if (depth < 0) {
                abort();
            }
        }
        if (quotes || depth != 0) {
            abort();
        }
    }
    dl_query_release(&q);
    return 0;
}
