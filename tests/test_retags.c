/* test_retags.c - the keys a same-event pass gave: by docid, by key, a docid given a key twice
 * or another one later, and enough of them to grow both tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/retags.h"
#include "dl_test.h"

static const char *K1 = "00000000000000a1", *K2 = "00000000000000b2", *K3 = "00000000000000c3";

/* The docids with key, sorted, as "1 2 3". */
static void with(struct dl_retags *t, const char *key, char *out, size_t cap)
{
    unsigned v[64];
    size_t n = dl_retags_with(t, key, v, 64);
    for (size_t i = 1; i < n && n <= 64; i++) { /* insertion sort: a handful */
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            unsigned x = v[j];
            v[j] = v[j - 1], v[j - 1] = x;
        }
    }
    out[0] = '\0';
    for (size_t i = 0; i < n && i < 64; i++) {
        snprintf(out + strlen(out), cap - strlen(out), "%s%u", i ? " " : "", v[i]);
    }
}

static void test_basic(void)
{
    struct dl_retags *t = dl_retags_new();
    char got[256];
    CHECK(dl_retags_get(t, 7) == NULL, "nothing given yet");
    with(t, K1, got, sizeof got);
    CHECK_STR(got, "", "no docid has K1");
    dl_retags_set(t, 7, K1);
    dl_retags_set(t, 3, K1);
    dl_retags_set(t, 9, K2);
    CHECK(dl_retags_get(t, 7) && strcmp(dl_retags_get(t, 7), K1) == 0, "7 has K1");
    with(t, K1, got, sizeof got);
    CHECK_STR(got, "3 7", "K1's docids");
    dl_retags_set(t, 7, K2); /* moved on */
    with(t, K1, got, sizeof got);
    CHECK_STR(got, "3", "7 left K1");
    with(t, K2, got, sizeof got);
    CHECK_STR(got, "7 9", "... for K2");
    dl_retags_set(t, 7, K1); /* and back */
    dl_retags_set(t, 7, K1); /* twice */
    with(t, K1, got, sizeof got);
    CHECK_STR(got, "3 7", "7 listed once under K1");
    with(t, K3, got, sizeof got);
    CHECK_STR(got, "", "K3: none");
    CHECK(dl_retags_with(t, K1, NULL, 0) == 2, "counted without room for them");
    dl_retags_set(t, 11, "0123456789abcdef-too-long");
    CHECK(dl_retags_get(t, 11) && strcmp(dl_retags_get(t, 11), "0123456789abcdef") == 0,
          "a longer key is cut");
    dl_retags_free(t);
    dl_retags_free(NULL);
}

/* Thousands of docids over a few hundred keys: both tables grow, nothing is lost. */
static void test_growth(void)
{
    struct dl_retags *t = dl_retags_new();
    char key[32];
    for (unsigned d = 1; d <= 5000; d++) {
        snprintf(key, sizeof key, "%016x", d % 300);
        dl_retags_set(t, d, key);
    }
    int bad = 0;
    for (unsigned d = 1; d <= 5000; d++) {
        snprintf(key, sizeof key, "%016x", d % 300);
        bad += !dl_retags_get(t, d) || strcmp(dl_retags_get(t, d), key) != 0;
    }
    CHECK(bad == 0, "every docid keeps its key: %d wrong", bad);
    snprintf(key, sizeof key, "%016x", 7u);
    CHECK(dl_retags_with(t, key, NULL, 0) == 17, "key 7: docids 7, 307, ... 4807 (%zu)",
          dl_retags_with(t, key, NULL, 0));
    CHECK(dl_retags_get(t, 5001) == NULL, "5001 never given one");
    dl_retags_free(t);
}

int main(void)
{
    test_basic();
    test_growth();
    return dl_test_report();
}
