/* test_record.c - a readout's stored record and its body's zstd frame, without a database. */
#include <stdlib.h>
#include <string.h>

#include "dateline/record.h"
#include "dl_test.h"

static void test_fields(void)
{
    struct dl_readout r = {"id/1", "Title", "2026-02-04", NULL, "VNA", NULL, "vi", "body text"};
    struct dl_buf data = DL_BUF_INIT;
    dl_record_encode(&r, &data);
    static const char want[] = "id/1\0Title\0"
                               "2026-02-04\0\0VNA\0\0vi\0";
    CHECK(data.len == sizeof want &&
              memcmp(data.buf, want, data.len) == 0, /* the last NUL: the body's */
          "eight NUL-terminated fields, the body's empty (%zu bytes)", data.len);
    CHECK(dl_record_id_len(data.buf, data.len) == 4, "the id is the first field");

    struct dl_readout back;
    memset(&back, 0, sizeof back);
    dl_record_decode(data.buf, data.len, &back);
    CHECK_STR(back.id, "id/1", "id");
    CHECK_STR(back.title, "Title", "title");
    CHECK_STR(back.dateline, NULL, "an empty field is NULL");
    CHECK_STR(back.lang, "vi", "lang");
    CHECK_STR(back.body, NULL, "the body is not in the data");
    dl_readout_release(&back);

    /* schema 1 kept the body in the data; a truncated record leaves the rest NULL */
    static const char v1[] = "a\0t\0\0\0\0\0\0the body";
    dl_record_decode(v1, sizeof v1 - 1, &back);
    CHECK_STR(back.body, "the body", "a schema 1 body");
    dl_readout_release(&back);
    dl_record_decode("only-id", 7, &back);
    CHECK_STR(back.id, "only-id", "no NUL at all");
    CHECK(!back.title && !back.body, "the rest absent");
    CHECK(dl_record_id_len("only-id", 7) == 7, "id of a record without NUL");
    dl_readout_release(&back);
    dl_buf_release(&data);
}

static void test_codec(void)
{
    struct dl_codec *c = dl_codec_new();
    struct dl_buf z = DL_BUF_INIT;
    struct dl_error err = DL_ERROR_INIT;
    char *text = malloc(100001), *back = NULL;
    for (size_t i = 0; i < 100000; i++) {
        text[i] = "Việt Nam và Trung Quốc. "[i % 27];
    }
    text[100000] = '\0';
    CHECK(dl_codec_compress(c, text, 100000, &z, &err) == 0, "compress: %s", err.msg);
    CHECK(z.len > 4 && z.len < 5000 && memcmp(z.buf, "\x28\xb5\x2f\xfd", 4) == 0,
          "one zstd frame, much smaller: %zu bytes", z.len);
    CHECK(dl_codec_decompress(c, z.buf, z.len, &back, &err) == 0 && back && strcmp(back, text) == 0,
          "decompressed intact");
    free(back);
    CHECK(dl_codec_decompress(c, "plain text", 10, &back, &err) == 0 &&
              strcmp(back, "plain text") == 0,
          "a value that is no frame is the text itself");
    free(back);
    CHECK(dl_codec_decompress(c, "", 0, &back, &err) == 0 && back && !back[0], "empty: ''");
    free(back);
    z.buf[z.len - 3] ^= 0x55; /* damage the frame's end */
    int rc = dl_codec_decompress(c, z.buf, z.len, &back, &err);
    CHECK(rc == DL_EPARSE && back == NULL && strstr(err.msg, "stored body"), "a damaged frame: %s",
          err.msg);
    /* a header claiming 1 TB */
    static const char huge[] = "\x28\xb5\x2f\xfd\xc0\x00\x00\x00\x00\x00\x01\x00\x00";
    rc = dl_codec_decompress(c, huge, sizeof huge - 1, &back, &err);
    CHECK(rc == DL_EPARSE && back == NULL, "a frame claiming too much: %s", err.msg);
    free(text);
    dl_buf_release(&z);
    dl_codec_free(c);
    dl_codec_free(NULL);
}

int main(void)
{
    test_fields();
    test_codec();
    return dl_test_report();
}
