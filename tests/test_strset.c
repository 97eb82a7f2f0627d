/* test_strset.c - the string set: values, duplicates, growth, binary keys, clearing. */
#include <stdio.h>
#include <string.h>

#include "dateline/strset.h"
#include "dl_test.h"

int main(void)
{
    struct dl_strset s = DL_STRSET_INIT;
    CHECK(dl_strset_find(&s, "a", 1) == -1, "an empty set finds nothing");
    CHECK(dl_strset_add(&s, "lam", 3, 7) == 1 && dl_strset_add(&s, "lam", 3, 9) == 0, "added once");
    CHECK(dl_strset_find(&s, "lam", 3) == 7, "the first value is kept");
    CHECK(dl_strset_find(&s, "la", 2) == -1 && dl_strset_find(&s, "lamx", 4) == -1,
          "prefixes and extensions are other keys");
    CHECK(dl_strset_add(&s, "a\0b", 3, 1) == 1 && dl_strset_add(&s, "a\0c", 3, 2) == 1 &&
              dl_strset_find(&s, "a\0c", 3) == 2,
          "keys with NUL bytes");
    char key[32];
    int missing = 0;
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        dl_strset_add(&s, key, strlen(key), i);
    }
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        missing += dl_strset_find(&s, key, strlen(key)) != i;
    }
    CHECK(missing == 0 && s.n == 5003 && s.cap >= 2 * s.n, "5000 more keys: %d lost, %zu cap",
          missing, s.cap);
    size_t seen = 0;
    for (size_t i = 0; i < s.cap; i++) {
        seen += s.keys[i] != NULL && s.keys[i][s.lens[i]] == '\0';
    }
    CHECK(seen == s.n, "iteration sees every key, NUL-terminated: %zu", seen);
    size_t cap = s.cap;
    dl_strset_clear(&s);
    CHECK(s.n == 0 && s.cap == cap && dl_strset_find(&s, "lam", 3) == -1, "cleared, memory kept");
    CHECK(dl_strset_add(&s, "lam", 3, 1) == 1, "usable after clearing");
    dl_strset_release(&s);
    CHECK(s.cap == 0 && s.keys == NULL, "released");
    dl_strset_release(&s);
    return dl_test_report();
}
