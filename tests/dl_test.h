/*
 * dl_test.h - a minimal table-friendly test harness (after Redis testhelp.h).
 *
 *   CHECK(cond, "what", ...)      records a pass or a failure with a message
 *   CHECK_STR(got, want, "what")  string equality (NULL-safe), prints both on failure
 *   return dl_test_report();      prints "N passed, N failed" and gives the exit status
 *   dl_test_rand(&seed)           the next of a fixed pseudo-random sequence (LCG, 16 bits)
 *
 * A test program that needs ../shared/ and cannot find it prints "skipped"
 * and exits 77, which meson reports as SKIP.
 */
#ifndef DL_TEST_H
#define DL_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int dl_test_passed, dl_test_failed;

#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (cond) {                                                                            \
            dl_test_passed++;                                                                  \
        } else {                                                                               \
            dl_test_failed++;                                                                  \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                               \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fprintf(stderr, "\n");                                                             \
        }                                                                                      \
    } while (0)

#define CHECK_STR(got, want, ...)                                                              \
    do {                                                                                       \
        const char *g_ = (got), *w_ = (want);                                                  \
        int ok_ = (g_ == NULL && w_ == NULL) || (g_ && w_ && strcmp(g_, w_) == 0);             \
        if (ok_) {                                                                             \
            dl_test_passed++;                                                                  \
        } else {                                                                               \
            dl_test_failed++;                                                                  \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                               \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fprintf(stderr, "\n   got:  %s%s%s\n   want: %s%s%s\n", g_ ? "\"" : "",            \
                    g_ ? g_ : "NULL", g_ ? "\"" : "", w_ ? "\"" : "", w_ ? w_ : "NULL",        \
                    w_ ? "\"" : "");                                                           \
        }                                                                                      \
    } while (0)

/* Generated cases must be the same in every run, so no rand(): *seed steps, its top half is
 * returned (the low bits of an LCG repeat quickly). */
static inline unsigned dl_test_rand(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 16;
}

static inline int dl_test_report(void)
{
    printf("%d passed, %d failed\n", dl_test_passed, dl_test_failed);
    return dl_test_failed ? 1 : 0;
}

#endif
