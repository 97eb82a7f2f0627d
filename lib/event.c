/*
 * event.c - same-event decisions (see event.h).
 *
 * Why these rules (measured on tests/events/pairs.tsv):
 *   - Dates: the two sides often publish a day apart (a meeting in Lima on the
 *     16th is on CCTV's evening news of the 17th), so contacts look two days
 *     either way; a translation carries the same date.
 *   - Kinds: "Readout of ... Meeting" and "会晤" are both meetings, but one
 *     side's 会谈 (talks) may be the other's meeting. A background press call, the
 *     remarks before a meeting or a statement about it are other kinds, so
 *     they never join the meeting's accounts (the hard negatives).
 *   - Participants: gazetteer names only. The White House writes "President Xi" and
 *     a US official the gazetteer may not know; hence one shared person is
 *     enough when both sides name only that one and share a country (when one side
 *     names two, its one shared person is not enough: Biden's meeting with Yoon at the
 *     summit where CCTV reports his meeting with Xi).
 *   - One source, one account per language: the White House's readouts of Sullivan's
 *     and of Biden's meetings with Wang Yi on one day are two events (a source's own
 *     translation is another account).
 *   - Text similarity only compares one language: it finds re-publications
 *     (one text under two addresses) however the kind or entities came out.
 */
#include "dateline/event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/common.h"
#include "dateline/fold.h"

/* --- signatures ---------------------------------------------------------------------------- */

static uint64_t mix(uint64_t x) /* splitmix64's finaliser */
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

struct shingler {
    uint64_t last[3]; /* hashes of the last three tokens */
    size_t n;         /* tokens seen */
    struct dl_event_sig *sig;
};

static int on_token(void *ctx, const char *folded, size_t flen, size_t start, size_t end,
                    unsigned flags)
{
    (void)start, (void)end, (void)flags;
    struct shingler *s = ctx;
    s->last[0] = s->last[1];
    s->last[1] = s->last[2];
    s->last[2] = dl_hash64(folded, flen);
    if (++s->n < 3) {
        return 0;
    }
    uint64_t sh = mix(s->last[0] ^ mix(s->last[1] ^ mix(s->last[2])));
    for (int i = 0; i < DL_EVENT_NHASH; i++) {
        uint32_t v = (uint32_t)(mix(sh + 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1)) >> 32);
        if (v < s->sig->h[i]) {
            s->sig->h[i] = v;
        }
    }
    return 0;
}

void dl_event_sign(const char *title, const char *body, struct dl_event_sig *out)
{
    struct shingler s = {{0, 0, 0}, 0, out};
    memset(out->h, 0xff, sizeof out->h);
    const char *parts[2] = {title, body};
    for (int k = 0; k < 2; k++) {
        if (parts[k]) {
            dl_tokenize(parts[k], strlen(parts[k]), on_token, &s);
        }
    }
}

static int sig_empty(const struct dl_event_sig *s)
{
    for (int i = 0; i < DL_EVENT_NHASH; i++) {
        if (s->h[i] != UINT32_MAX) {
            return 0;
        }
    }
    return 1;
}

double dl_event_similarity(const struct dl_event_sig *a, const struct dl_event_sig *b)
{
    if (sig_empty(a) || sig_empty(b)) {
        return 0;
    }
    int same = 0;
    for (int i = 0; i < DL_EVENT_NHASH; i++) {
        same += a->h[i] == b->h[i];
    }
    return (double)same / DL_EVENT_NHASH;
}

void dl_event_sig_encode(const struct dl_event_sig *s, unsigned char out[DL_EVENT_SIG_BYTES])
{
    for (int i = 0; i < DL_EVENT_NHASH; i++) {
        for (int b = 0; b < 4; b++) {
            out[4 * i + b] = (unsigned char)(s->h[i] >> (8 * b));
        }
    }
}

int dl_event_sig_decode(const void *v, size_t n, struct dl_event_sig *s)
{
    const unsigned char *p = v;
    memset(s->h, 0xff, sizeof s->h);
    if (n != DL_EVENT_SIG_BYTES) {
        return -1;
    }
    for (int i = 0; i < DL_EVENT_NHASH; i++) {
        s->h[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
                  (uint32_t)p[4 * i + 3] << 24;
    }
    return 0;
}

/* --- days ---------------------------------------------------------------------------------- */

/* Howard Hinnant's days_from_civil and civil_from_days, for years 1970..9999. */
long dl_event_day(const char *ymd, size_t n)
{
    if (n != 8) {
        return -1;
    }
    int v[8];
    for (int i = 0; i < 8; i++) {
        if (ymd[i] < '0' || ymd[i] > '9') {
            return -1;
        }
        v[i] = ymd[i] - '0';
    }
    long y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
    unsigned m = (unsigned)(v[4] * 10 + v[5]), d = (unsigned)(v[6] * 10 + v[7]);
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31) {
        return -1;
    }
    y -= m <= 2;
    long era = y / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

void dl_event_ymd(long day, char out[9])
{
    day += 719468;
    long era = day / 146097;
    unsigned doe = (unsigned)(day - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = (long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    unsigned v[3] = {(unsigned)(y % 10000), m, d}, width[3] = {4, 2, 2};
    for (int f = 0, at = 8; f < 3; f++) { /* written backwards, digit by digit */
        for (unsigned i = 0, x = v[2 - f]; i < width[2 - f]; i++, x /= 10) {
            out[--at] = (char)('0' + x % 10);
        }
    }
    out[8] = '\0';
}

/* --- the rules ----------------------------------------------------------------------------- */

#define BIT(k) (1u << (k))

/* Per kind: the days either side, and the kinds its other accounts may have. */
static const struct {
    int window;
    unsigned kinds;
} rules[DL_KIND_COUNT] = {
    [DL_KIND_OTHER] = {0, BIT(DL_KIND_OTHER)},
    [DL_KIND_TALKS] = {2, BIT(DL_KIND_TALKS) | BIT(DL_KIND_MEETING)},
    [DL_KIND_CALL] = {2, BIT(DL_KIND_CALL)},
    [DL_KIND_MEETING] = {2, BIT(DL_KIND_MEETING) | BIT(DL_KIND_TALKS)},
    [DL_KIND_VISIT] = {2, BIT(DL_KIND_VISIT)},
    [DL_KIND_MESSAGE] = {2, BIT(DL_KIND_MESSAGE)},
    [DL_KIND_STATEMENT] = {0, BIT(DL_KIND_STATEMENT)},
};

static int is_contact(enum dl_kind k)
{
    return k != DL_KIND_OTHER && k != DL_KIND_STATEMENT;
}

int dl_event_window(enum dl_kind k)
{
    return (unsigned)k < DL_KIND_COUNT ? rules[k].window : 0;
}

unsigned dl_event_kinds(enum dl_kind k)
{
    return (unsigned)k < DL_KIND_COUNT ? rules[k].kinds : 0;
}

void dl_event_key(const char *id, char out[DL_EVENT_KEY_LEN + 1])
{
    snprintf(out, DL_EVENT_KEY_LEN + 1, "%016llx", (unsigned long long)dl_hash64(id, strlen(id)));
}

/* The number of names in list (joined by '\n'; NULL or "" is none). */
static size_t count_names(const char *list)
{
    if (!list || !*list) {
        return 0;
    }
    size_t n = 1;
    for (const char *p = list; *p; p++) {
        n += *p == '\n';
    }
    return n;
}

/* The names both lists hold. */
static size_t shared_names(const char *a, const char *b)
{
    size_t n = 0;
    for (const char *p = a; p && *p;) {
        size_t len = strcspn(p, "\n");
        for (const char *q = b; q && *q;) {
            size_t qlen = strcspn(q, "\n");
            if (qlen == len && memcmp(p, q, len) == 0) {
                n++;
                break;
            }
            q += qlen + (q[qlen] == '\n');
        }
        p += len + (p[len] == '\n');
    }
    return n;
}

static int same_str(const char *a, const char *b)
{
    return a && b && *a && strcmp(a, b) == 0;
}

/* Two contacts: the same principal participants (see the top of the file). */
static double same_people(const struct dl_event_facts *a, const struct dl_event_facts *b)
{
    size_t sp = shared_names(a->people, b->people);
    size_t na = count_names(a->people), nb = count_names(b->people);
    if (sp >= 2 ||
        (sp == 1 && na == 1 && nb == 1 && shared_names(a->countries, b->countries) >= 1)) {
        return 1 + (double)sp / (double)(na > nb ? na : nb);
    }
    return 0;
}

/* A translation: nearly the same entities (Jaccard >= 0.5 over at least 3). */
static double same_entities(const struct dl_event_facts *a, const struct dl_event_facts *b)
{
    const char *la[3] = {a->people, a->countries, a->orgs};
    const char *lb[3] = {b->people, b->countries, b->orgs};
    size_t both = 0, all = 0;
    for (int t = 0; t < 3; t++) {
        size_t s = shared_names(la[t], lb[t]);
        both += s;
        all += count_names(la[t]) + count_names(lb[t]) - s;
    }
    if (all < 3 || 2 * both < all) {
        return 0;
    }
    return 1 + (double)both / (double)all;
}

double dl_event_match(const struct dl_event_facts *a, const struct dl_event_facts *b)
{
    if (a->day < 0 || b->day < 0) {
        return 0;
    }
    long dd = labs(a->day - b->day);
    int same_lang = same_str(a->lang, b->lang);
    if (same_lang && a->sig && b->sig && dd <= DL_EVENT_REPUB_DAYS) {
        double sim = dl_event_similarity(a->sig, b->sig);
        if (sim >= DL_EVENT_REPUB_SIM) {
            return 2 + sim;
        }
    }
    if ((same_lang && same_str(a->source, b->source)) ||
        !(dl_event_kinds(a->kind) & BIT(b->kind)) || dd > dl_event_window(a->kind) ||
        dd > dl_event_window(b->kind)) {
        return 0;
    }
    if (is_contact(a->kind) && is_contact(b->kind)) {
        return same_people(a, b);
    }
    return same_lang ? 0 : same_entities(a, b);
}
