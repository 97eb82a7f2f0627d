/* test_event.c - same-event decisions: signatures, days, the match rules (event.h). */
#include <stdio.h>
#include <string.h>

#include "dateline/event.h"
#include "dl_test.h"

static void test_days(void)
{
    static const struct {
        const char *ymd;
        long day;
    } cases[] = {
        {"19700101", 0},     {"19700102", 1},     {"20000229", 11016}, {"20000301", 11017},
        {"20241231", 20088}, {"20250101", 20089}, {"20261130", 20787},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long d = dl_event_day(cases[i].ymd, 8);
        CHECK(d == cases[i].day, "%s: day %ld, want %ld", cases[i].ymd, d, cases[i].day);
        char back[9];
        dl_event_ymd(cases[i].day, back);
        CHECK_STR(back, cases[i].ymd, "day %ld back", cases[i].day);
    }
    static const char *bad[] = {"2024123",  "2024-12-", "19691231",
                                "20241301", "20240100", "abcdefgh"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(dl_event_day(bad[i], strlen(bad[i])) == -1, "%s is no date", bad[i]);
    }
    /* every day of 1970..2100 goes there and back */
    int ok = 1;
    for (long d = 0; d < 48000 && ok; d++) {
        char ymd[9];
        dl_event_ymd(d, ymd);
        ok = dl_event_day(ymd, 8) == d;
    }
    CHECK(ok, "days round-trip over 130 years");
}

static void test_signatures(void)
{
    const char *a = "President Biden spoke with President Xi Jinping of the People's Republic of "
                    "China today about the relationship between the two countries.";
    const char *a2 = "PRESIDENT BIDEN spoke with President Xi Jinping of the People’s Republic of "
                     "China today about the relationship between the two countries!";
    const char *b = "The Prime Minister received the delegation of the province and discussed "
                    "trade, investment and tourism over the coming years.";
    struct dl_event_sig sa, sa2, sb, se, back;
    dl_event_sign("Readout", a, &sa);
    dl_event_sign("readout", a2, &sa2);
    dl_event_sign(NULL, b, &sb);
    dl_event_sign("Two words", NULL, &se);
    CHECK(dl_event_similarity(&sa, &sa2) == 1.0, "case and punctuation folded away");
    CHECK(dl_event_similarity(&sa, &sb) < 0.2, "other texts: %g", dl_event_similarity(&sa, &sb));
    CHECK(dl_event_similarity(&se, &se) == 0, "fewer than 3 tokens: empty, similar to nothing");
    unsigned char enc[DL_EVENT_SIG_BYTES];
    dl_event_sig_encode(&sa, enc);
    CHECK(dl_event_sig_decode(enc, sizeof enc, &back) == 0 && memcmp(&back, &sa, sizeof sa) == 0,
          "encode, decode");
    CHECK(dl_event_sig_decode(enc, 5, &back) == -1 && dl_event_similarity(&back, &sa) == 0,
          "a short value is refused");
    char key[DL_EVENT_KEY_LEN + 1], key2[DL_EVENT_KEY_LEN + 1];
    dl_event_key("a/1", key);
    dl_event_key("a/2", key2);
    CHECK(strlen(key) == DL_EVENT_KEY_LEN && strcmp(key, key2) != 0, "keys: %s %s", key, key2);
}

static const struct dl_event_sig *sig(const char *text, struct dl_event_sig *s)
{
    dl_event_sign(NULL, text, s);
    return s;
}

static void test_match(void)
{
    static struct dl_event_sig s1, s2, s3;
    const char *t1 = "General Secretary To Lam held talks with Xi Jinping in Beijing on the "
                     "comprehensive strategic cooperative partnership and the railway links.";
    const char *t3 = "The two leaders agreed to deepen cooperation on trade and on the border.";
    long d = dl_event_day("20250416", 8);
    const struct dl_event_facts wh = {
        "VNA", "en", d, DL_KIND_TALKS, "To Lam\nXi Jinping", "China\nVietnam", NULL, sig(t1, &s1)};
    struct {
        struct dl_event_facts f;
        int same;
        const char *why;
    } cases[] = {
        {{"Xinhua", "zh", d + 1, DL_KIND_TALKS, "To Lam\nXi Jinping", "China\nVietnam", NULL, NULL},
         1,
         "the other side, a day later, in Chinese"},
        {{"Xinhua", "zh", d, DL_KIND_MEETING, "To Lam\nXi Jinping", "China", NULL, NULL},
         1,
         "a meeting and talks may be one event"},
        {{"Xinhua", "zh", d + 3, DL_KIND_TALKS, "To Lam\nXi Jinping", "China", NULL, NULL},
         0,
         "three days later: another event"},
        {{"Xinhua", "zh", d, DL_KIND_CALL, "To Lam\nXi Jinping", "China", NULL, NULL},
         0,
         "a call is not the talks"},
        {{"Xinhua", "zh", d, DL_KIND_OTHER, "To Lam\nXi Jinping", "China", NULL, NULL},
         0,
         "a press conference about the talks"},
        {{"Xinhua", "zh", d, DL_KIND_TALKS, "Xi Jinping\nLula", "China\nBrazil", NULL, NULL},
         0,
         "the same day, other people"},
        {{"Xinhua", "zh", d, DL_KIND_TALKS, "Xi Jinping", "China", NULL, NULL},
         0,
         "one side names one person, the other two"},
        {{"Xinhua", "zh", d, DL_KIND_TALKS, "Xi Jinping", "Brazil", NULL, NULL},
         0,
         "one shared person and no shared country"},
        {{"VNA", "en", d, DL_KIND_TALKS, "To Lam\nXi Jinping", "China\nVietnam", NULL,
          sig(t3, &s3)},
         0,
         "the same source and language, another text: another event"},
        {{"VNA", "vi", d, DL_KIND_TALKS, "To Lam\nXi Jinping", "China\nVietnam", NULL, NULL},
         1,
         "the same source's translation"},
        {{"Nhan Dan", "en", d + 2, DL_KIND_OTHER, NULL, NULL, NULL, sig(t1, &s2)},
         1,
         "a re-publication, whatever its kind"},
        {{"Nhan Dan", "en", -1, DL_KIND_TALKS, "To Lam\nXi Jinping", "China", NULL, NULL},
         0,
         "undated"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double ab = dl_event_match(&wh, &cases[i].f), ba = dl_event_match(&cases[i].f, &wh);
        CHECK((ab > 0) == cases[i].same, "%s: %g", cases[i].why, ab);
        CHECK(ab == ba, "%s: symmetric", cases[i].why);
    }
    /* statements and press conferences: translations only (same day, other language, the
     * same entities) */
    const struct dl_event_facts en = {
        "MFA", "en", d, DL_KIND_OTHER, "Wang Yi", "China\nJapan\nUnited States", "ASEAN", NULL};
    struct dl_event_facts zh = en;
    zh.lang = "zh";
    zh.source = "外交部";
    CHECK(dl_event_match(&en, &zh) > 0, "a translated press conference");
    zh.day = d + 1;
    CHECK(dl_event_match(&en, &zh) == 0, "the next day's");
    zh.day = d;
    zh.countries = "India\nRussia";
    CHECK(dl_event_match(&en, &zh) == 0, "other entities");
    zh.countries = en.countries;
    zh.lang = "en";
    CHECK(dl_event_match(&en, &zh) == 0, "two English press conferences of one day");
    struct dl_event_facts one = wh, other = wh;
    one.people = other.people = "Xi Jinping";
    other.source = "CCTV";
    other.sig = NULL;
    CHECK(dl_event_match(&one, &other) > 0, "each names one person, the same, and a country");
    other.countries = "Brazil";
    CHECK(dl_event_match(&one, &other) == 0, "... but no shared country");
    CHECK(dl_event_window(DL_KIND_CALL) == 2 && dl_event_window(DL_KIND_OTHER) == 0, "windows");
    CHECK(dl_event_kinds(DL_KIND_TALKS) == (1u << DL_KIND_TALKS | 1u << DL_KIND_MEETING),
          "talks go with meetings");
}

int main(void)
{
    test_days();
    test_signatures();
    test_match();
    return dl_test_report();
}
