/*
 * logline.c - the JSON access-log line (see logline.h).
 */
#include "dateline/logline.h"

#include <time.h>

#define URI_MAX 400

/* s as a JSON string, at most `max` bytes of it, anything but printable ASCII escaped. */
static void add_ascii_json(struct dl_buf *b, const char *s, size_t max)
{
    dl_buf_addc(b, '"');
    for (size_t i = 0; s[i] && i < max; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            dl_buf_addc(b, '\\');
            dl_buf_addc(b, (char)ch);
        } else if (ch < 0x20 || ch >= 0x7f) {
            dl_buf_addf(b, "\\u%04x", ch);
        } else {
            dl_buf_addc(b, (char)ch);
        }
    }
    dl_buf_addc(b, '"');
}

void dl_logline_json(struct dl_buf *b, const struct dl_logline *l)
{
    dl_buf_addc(b, '{');
    if (l->time >= 0) {
        time_t secs = (time_t)l->time;
        struct tm tm;
        gmtime_r(&secs, &tm);
        char when[32];
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
        dl_buf_addf(b, "\"time\":\"%s.%03dZ\",", when,
                    (int)((l->time - (double)secs) * 1000) % 1000);
    }
    dl_buf_adds(b, "\"method\":");
    add_ascii_json(b, l->method, 16);
    dl_buf_adds(b, ",\"uri\":");
    add_ascii_json(b, l->uri, URI_MAX);
    if (l->status) {
        dl_buf_addf(b, ",\"status\":%u", l->status);
    } else {
        dl_buf_adds(b, ",\"status\":null");
    }
    dl_buf_addf(b, ",\"bytes\":%llu,\"ms\":%.2f,\"aborted\":%s}\n", (unsigned long long)l->bytes,
                l->ms, l->aborted ? "true" : "false");
}
