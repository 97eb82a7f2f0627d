/* kind.c - the meeting kind of a readout (see kind.h). */
#include "dateline/kind.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/common.h"
#include "dateline/fold.h"

/*
 * How it works. Each rule is a cue of one or more words, written as a
 * person would type it ("hội đàm", "Call with", "通电话"). On first use
 * every cue is folded and split by dl_tokenize(), the same tokenizer the
 * text goes through, and each of its tokens is hashed; a cue matches where
 * its tokens follow one another in the text, whatever separates them
 * (spaces, punctuation, a dropped possessive). Chinese cues are runs of
 * one-character tokens, so "会见" matches inside "习近平会见马来西亚最高元首".
 * The rules are indexed by the hash of their last token, so the text costs
 * one table look-up per token whatever the number of rules.
 *
 * Within one text (the title, else the lead) the cue of highest priority
 * wins, and among equal priorities the one that starts first. A BLOCK rule
 * is not a cue but a phrase in which a cue's words mean something else
 * ("thư rác", spam, is not a letter): cues that share a token with a
 * matched BLOCK phrase are dropped.
 */

enum { BLOCK = DL_KIND_COUNT };

/* Where a rule may match. Forms of a document (fact sheet, proclamation) are only forms in a
 * title; in a lead they are just words. */
enum { ANY = 0, TITLE = 1 };

/*
 * Priorities: the labelling rule in tests/kind/README.md, in numbers.
 *   FORM       the document is a press event or a form with no contact (press conference,
 *              briefing, "Press Call", fact sheet, proclamation): other, whatever it is about;
 *   STATEMENT  the document's own form beats the event it is about: a statement on a call is
 *              a statement;
 *   MESSAGE    a letter or cable, even one sent on a visit;
 *   COURTESY   "courtesy call" is a meeting, and must beat the "call with" inside it;
 *   CALL       the medium comes first: a virtual meeting, 视频会晤, điện đàm are calls;
 *   TALKS      formal talks beat a meeting named with them ("会见并会谈" is rare; "cuộc gặp"
 *              in a lead of talks is common) ...
 *   MEETING    ... and a meeting beats the visit it is part of: "会见来华进行国事访问的" and
 *              "tiếp ... đang thăm Việt Nam" are meetings, the visit is their setting;
 *   VISIT      a trip, when nothing more specific is named;
 *   WEAK       cues that are often something else: they decide only when nothing else does.
 */
enum {
    P_WEAK = 20,
    P_VISIT = 40,
    P_MEETING = 50,
    P_TALKS = 60,
    P_CALL = 70,
    P_COURTESY = 75,
    P_MESSAGE = 80,
    P_STATEMENT = 90,
    P_FORM = 100,
};

struct rule {
    const char *words;   /* the cue as written; folded and tokenized at first use */
    unsigned char kind;  /* enum dl_kind, or BLOCK */
    unsigned char prio;  /* P_*: the highest matched in a text wins */
    unsigned char where; /* ANY, or TITLE only */
};

/* clang-format off */
#define R(w, k, p) {w, DL_KIND_##k, P_##p, ANY}
#define RT(w, k, p) {w, DL_KIND_##k, P_##p, TITLE}
#define B(w) {w, BLOCK, 0, ANY}

static const struct rule rules[] = {
    /* ---- the document is a press event or a form without a contact: other ---- */
    /* "Press Call" is a call with reporters, not with a counterpart; a joint press
     * conference after talks is still a press conference (the labelling rule). */
    R("press conference", OTHER, FORM), R("press briefing", OTHER, FORM),
    R("press call", OTHER, FORM), R("press gaggle", OTHER, FORM),
    R("daily briefing", OTHER, FORM), R("记者会", OTHER, FORM), R("新闻发布会", OTHER, FORM),
    R("吹风会", OTHER, FORM), R("họp báo", OTHER, FORM),
    /* CCTV's formulas for a reaction piece ("考察引起...强烈反响", "国际社会积极评价...会晤"):
     * the headline reports the reaction, not the visit or meeting it names. */
    RT("反响", OTHER, FORM), RT("积极评价", OTHER, FORM),
    RT("fact sheet", OTHER, FORM), RT("proclamation", OTHER, FORM),
    RT("executive order", OTHER, FORM), RT("memorandum", OTHER, FORM),
    /* A transcript is labelled by the event it was given at ("Remarks ... Before Bilateral
     * Meeting" is a meeting); when its title names none, it is other, and its lead, a
     * speech, is not read for cues ("the message to criminals", "I was on the phone"). */
    RT("remarks by", OTHER, WEAK), RT("remarks as prepared", OTHER, WEAK),
    /* The same in CCTV's titles: "X出席Y开幕式" names a ceremony or a forum, "发表署名文章"
     * an article; the lead's "会见" or "国事访问" is their context. */
    RT("出席", OTHER, WEAK), RT("署名文章", OTHER, WEAK),

    /* ---- statements: the form beats the event ---- */
    /* In a title, the word alone: "Joint Press Statement Following a Call", "Co-Chair
     * Statement", "Leaders' Statement". In a lead a readout may mention a statement issued
     * after the talks, so there only phrases count. */
    RT("statement", STATEMENT, STATEMENT), RT("statements", STATEMENT, STATEMENT),
    R("statement by", STATEMENT, STATEMENT), R("statement from", STATEMENT, STATEMENT),
    R("statement of", STATEMENT, STATEMENT), R("statement on", STATEMENT, STATEMENT),
    R("joint statement", STATEMENT, STATEMENT), R("leaders statement", STATEMENT, STATEMENT),
    R("joint declaration", STATEMENT, STATEMENT), R("leaders declaration", STATEMENT, STATEMENT),
    R("joint communique", STATEMENT, STATEMENT),
    /* "Joint Leaders' Statement" is sometimes glued to the next word ("StatementBuilding"). */
    R("joint leaders", STATEMENT, STATEMENT),
    R("issued a statement", STATEMENT, STATEMENT),
    R("issued a joint statement", STATEMENT, STATEMENT),
    /* MFA's English for 答记者问 / 发表谈话: "Spokesperson X's Remarks on <subject>". A White
     * House speech is "Remarks by ...", which names no kind. */
    RT("remarks on", STATEMENT, STATEMENT),
    R("声明", STATEMENT, STATEMENT), R("发表谈话", STATEMENT, STATEMENT),
    R("答记者问", STATEMENT, STATEMENT), R("表明立场", STATEMENT, STATEMENT),
    R("联合公报", STATEMENT, STATEMENT),
    R("tuyên bố chung", STATEMENT, STATEMENT), R("ra tuyên bố", STATEMENT, STATEMENT),
    R("bản tuyên bố", STATEMENT, STATEMENT), R("thông cáo chung", STATEMENT, STATEMENT),
    R("trả lời câu hỏi của phóng viên", STATEMENT, STATEMENT),

    /* ---- messages: letters, cables, congratulations, condolences ---- */
    /* 致电 is "sends a cable", never a phone call (that is 通电话). */
    /* "Message to the Congress" in a title; in a lead "the message to criminals" is a figure
     * of speech. */
    RT("message to", MESSAGE, MESSAGE), R("presidential message", MESSAGE, MESSAGE),
    R("congratulatory message", MESSAGE, MESSAGE), R("message of condolence", MESSAGE, MESSAGE),
    R("condolence message", MESSAGE, MESSAGE), R("letter to", MESSAGE, MESSAGE),
    R("letters to", MESSAGE, MESSAGE), R("letter from", MESSAGE, MESSAGE),
    R("sent a letter", MESSAGE, MESSAGE), R("congratulatory letter", MESSAGE, MESSAGE),
    /* VNA and Xinhua English: "X congratulates Y on ..." in a title is a message; in a lead
     * a leader "congratulated" the other side during talks. */
    RT("congratulates", MESSAGE, MESSAGE), RT("congratulated", MESSAGE, MESSAGE),
    R("sent congratulations", MESSAGE, MESSAGE), R("sends congratulations", MESSAGE, MESSAGE),
    R("message of congratulations", MESSAGE, MESSAGE),
    R("致电", MESSAGE, MESSAGE), R("贺电", MESSAGE, MESSAGE), R("贺信", MESSAGE, MESSAGE),
    R("致信", MESSAGE, MESSAGE), R("复信", MESSAGE, MESSAGE), R("回信", MESSAGE, MESSAGE),
    R("唁电", MESSAGE, MESSAGE), R("慰问电", MESSAGE, MESSAGE), R("致函", MESSAGE, MESSAGE),
    R("致贺", MESSAGE, MESSAGE),
    R("điện mừng", MESSAGE, MESSAGE), R("điện chúc mừng", MESSAGE, MESSAGE),
    R("thư chúc mừng", MESSAGE, MESSAGE), R("điện chia buồn", MESSAGE, MESSAGE),
    R("thư chia buồn", MESSAGE, MESSAGE), R("điện thăm hỏi", MESSAGE, MESSAGE),
    R("thư thăm hỏi", MESSAGE, MESSAGE), R("thư cảm ơn", MESSAGE, MESSAGE),
    R("gửi thư", MESSAGE, MESSAGE), R("gửi điện", MESSAGE, MESSAGE),
    R("bức thư", MESSAGE, MESSAGE), R("thư ngỏ", MESSAGE, MESSAGE),
    /* Folded, "thư" is also "thu" (autumn, collect, try) and "thứ" (kind): only whole phrases
     * are cues ("lá thư", a letter, is no cue: folded it is "là thứ", "is a kind of"), and
     * these phrases are not letters at all. */
    B("thư rác"), B("thư điện tử"), B("hộp thư"), B("hòm thư"),

    /* ---- calls: by phone or video ---- */
    R("call with", CALL, CALL), R("calls with", CALL, CALL), R("phone call", CALL, CALL),
    R("telephone call", CALL, CALL), R("by phone", CALL, CALL), R("by telephone", CALL, CALL),
    R("over the phone", CALL, CALL), R("on the phone", CALL, CALL),
    R("spoke today with", CALL, CALL), /* the White House readouts' words for a call */
    R("video call", CALL, CALL), R("videoconference", CALL, CALL),
    /* VNA and Xinhua English for a leaders' call: "held phone talks", "a phone conversation"
     * (the call beats the talks it also names). */
    R("phone talks", CALL, CALL), R("telephone talks", CALL, CALL),
    R("phone conversation", CALL, CALL), R("telephone conversation", CALL, CALL),
    R("phone conversations", CALL, CALL), R("video talks", CALL, CALL),
    R("video conference", CALL, CALL), R("virtual meeting", CALL, CALL),
    R("virtual summit", CALL, CALL), R("virtual bilateral", CALL, CALL),
    R("通电话", CALL, CALL), RT("通话", CALL, CALL), R("视频通话", CALL, CALL),
    /* Contacts by video. Not "以视频方式出席并致辞" or "视频连线" alone: a speech given by
     * video link is a speech, not a contact. */
    R("视频会晤", CALL, CALL), R("视频会谈", CALL, CALL),
    /* "điện đàm" is the word for leaders' calls; "gọi điện" and "cuộc gọi" (to phone, a
     * phone call) are everyday words that the news uses for anything (crime, telephony). */
    R("điện đàm", CALL, CALL),
    R("hội đàm trực tuyến", CALL, CALL), R("hội đàm qua điện thoại", CALL, CALL),
    R("hội nghị trực tuyến", CALL, CALL), R("nói chuyện qua điện thoại", CALL, CALL),
    R("trao đổi qua điện thoại", CALL, CALL),

    /* ---- talks ---- */
    R("held talks", TALKS, TALKS), R("hold talks", TALKS, TALKS), R("holds talks", TALKS, TALKS),
    R("holding talks", TALKS, TALKS), R("talks with", TALKS, TALKS),
    R("talks between", TALKS, TALKS), R("bilateral talks", TALKS, TALKS),
    R("round of talks", TALKS, TALKS),
    R("会谈", TALKS, TALKS), R("磋商", TALKS, TALKS),
    R("hội đàm", TALKS, TALKS),

    /* ---- meetings ---- */
    R("courtesy call", MEETING, COURTESY), R("courtesy visit", MEETING, COURTESY),
    R("tiếp xã giao", MEETING, COURTESY), R("chào xã giao", MEETING, COURTESY),
    R("met with", MEETING, MEETING), R("met today with", MEETING, MEETING),
    R("meets with", MEETING, MEETING), R("meet with", MEETING, MEETING),
    R("meeting with", MEETING, MEETING), R("meetings with", MEETING, MEETING),
    R("bilateral meeting", MEETING, MEETING), R("trilateral meeting", MEETING, MEETING),
    R("meeting between", MEETING, MEETING), R("leaders meeting", MEETING, MEETING),
    R("audience with", MEETING, MEETING),
    /* VNA's English: "Prime Minister X received the Ambassador", "gave a reception for". In a
     * title the verb alone ("received", "met", "hosts") is the event; in a lead only with the
     * guest's word after it, since "received support" and "met the target" are not meetings. */
    RT("received", MEETING, MEETING), RT("receives", MEETING, MEETING),
    RT("receive", MEETING, MEETING), RT("met", MEETING, MEETING), RT("meets", MEETING, MEETING),
    RT("hosts", MEETING, MEETING), RT("hosted", MEETING, MEETING),
    R("received visiting", MEETING, MEETING), R("received the visiting", MEETING, MEETING),
    R("gave a reception", MEETING, MEETING), R("hosted a reception", MEETING, MEETING),
    R("reception for", MEETING, MEETING),
    R("会见", MEETING, MEETING), R("会晤", MEETING, MEETING), R("见面", MEETING, MEETING),
    R("接见", MEETING, MEETING), R("会面", MEETING, MEETING), R("拜见", MEETING, MEETING),
    R("拜会", MEETING, MEETING),
    R("hội kiến", MEETING, MEETING), R("tiếp kiến", MEETING, MEETING),
    R("gặp gỡ", MEETING, MEETING), R("cuộc gặp", MEETING, MEETING),
    R("gặp mặt", MEETING, MEETING),
    /* "tiếp" receives a guest only when a guest follows: "tiếp tục" (continue), "trực tiếp"
     * (direct), "tiếp nhận" (take in) are the common words. */
    R("tiếp đại sứ", MEETING, MEETING), R("tiếp đoàn", MEETING, MEETING),
    R("tiếp phái đoàn", MEETING, MEETING), R("tiếp bộ trưởng", MEETING, MEETING),
    R("tiếp thủ tướng", MEETING, MEETING), R("tiếp chủ tịch", MEETING, MEETING),
    R("tiếp tổng thống", MEETING, MEETING), R("tiếp tổng bí thư", MEETING, MEETING),
    R("tiếp tổng thư ký", MEETING, MEETING), R("tiếp tổng giám đốc", MEETING, MEETING),
    R("tiếp phó", MEETING, MEETING), R("tiếp ngài", MEETING, MEETING),
    R("tiếp cao ủy", MEETING, MEETING), R("tiếp ngoại trưởng", MEETING, MEETING),
    R("tiếp thứ trưởng", MEETING, MEETING), R("tiếp đại diện", MEETING, MEETING),
    R("tiếp lãnh đạo", MEETING, MEETING), R("tiếp các", MEETING, MEETING),
    R("tiếp ông", MEETING, MEETING), R("tiếp bà", MEETING, MEETING),
    R("tiếp nguyên", MEETING, MEETING), R("tiếp quốc vương", MEETING, MEETING),
    R("tiếp cử tri", MEETING, MEETING),

    /* ---- visits ---- */
    R("state visit", VISIT, VISIT), R("official visit", VISIT, VISIT),
    R("working visit", VISIT, VISIT), R("visit to", VISIT, VISIT), R("visits to", VISIT, VISIT),
    R("visit of", VISIT, VISIT), R("trip to", VISIT, VISIT), R("travel to", VISIT, VISIT),
    R("travels to", VISIT, VISIT), R("traveled to", VISIT, VISIT),
    R("travelled to", VISIT, VISIT),
    R("访问", VISIT, VISIT), R("访华", VISIT, VISIT), R("出访", VISIT, VISIT),
    R("到访", VISIT, VISIT),
    R("之行", VISIT, VISIT), R("考察", VISIT, VISIT), R("视察", VISIT, VISIT),
    R("chuyến thăm", VISIT, VISIT), R("thăm chính thức", VISIT, VISIT),
    R("thăm cấp nhà nước", VISIT, VISIT), R("thăm hữu nghị", VISIT, VISIT),
    R("thăm và làm việc", VISIT, VISIT), R("thăm làm việc", VISIT, VISIT),
    R("sang thăm", VISIT, VISIT), R("tới thăm", VISIT, VISIT), R("đến thăm", VISIT, VISIT),
    R("lên đường thăm", VISIT, VISIT), R("viếng thăm", VISIT, VISIT),
    R("công du", VISIT, VISIT),
    /* Folded, "thăm" (visit) is "tham" as in "tham gia" (take part): alone it is no cue, but
     * before a country it can only be a visit. */
    R("thăm Việt Nam", VISIT, VISIT), R("thăm Trung Quốc", VISIT, VISIT),
    R("thăm Hoa Kỳ", VISIT, VISIT), R("thăm Nhật Bản", VISIT, VISIT),
    R("thăm Lào", VISIT, VISIT), R("thăm Campuchia", VISIT, VISIT), R("thăm Nga", VISIT, VISIT),
    R("thăm Pháp", VISIT, VISIT), R("thăm Ấn Độ", VISIT, VISIT),
    R("thăm Hàn Quốc", VISIT, VISIT), R("thăm Triều Tiên", VISIT, VISIT),
    R("thăm Đức", VISIT, VISIT), R("thăm Anh", VISIT, VISIT), R("thăm Úc", VISIT, VISIT),
    /* ("thăm Mỹ" is no cue: folded it is "thẩm mỹ", cosmetic.) The other words that fold to
     * "tham": "tới tham gia" is not "tới thăm". */
    B("tham gia"), B("tham dự"), B("tham khảo"), B("tham mưu"), B("tham nhũng"),
    B("tham vấn"), B("tham luận"), B("tham chiến"), B("tham vọng"), B("tham quan"),

    /* ---- settings: a contact named as the time or place of something else ---- */
    /* "nhân chuyến thăm" (on the occasion of the visit), "sau cuộc hội kiến" (after the
     * meeting), "trước thềm cuộc gặp" (on the eve of the meeting): the story is what happened
     * then, not the contact (tests/kind/README.md). Talks or a meeting held during a visit
     * still count: only the setting's own words are dropped. */
    B("nhân chuyến thăm"), B("sau chuyến thăm"), B("trong chuyến thăm"), B("thời gian thăm"),
    B("trước chuyến thăm"), B("khuôn khổ chuyến thăm"), B("trước thềm cuộc gặp"),
    B("trước thềm cuộc hội đàm"), B("trước thềm chuyến thăm"), B("sau cuộc gặp"),
    B("sau khi gặp"), B("sau cuộc hội kiến"), B("sau khi hội kiến"),
};
/* clang-format on */

#define NRULES (sizeof rules / sizeof rules[0])
#define MAXW 8       /* most tokens in a cue */
#define NBUCKET 512  /* hash buckets: a power of two, a few times NRULES */
#define MAXHITS 64   /* cues remembered per text: the first ones; more are never needed */
#define LEAD_MIN 100 /* characters: a first paragraph shorter than this ("Oval Office") ... */
#define LEAD_MAX 400 /* ... runs on into the next; the lead never exceeds this */

_Static_assert(NRULES < 0xffff, "rule indexes are unsigned short");

struct cue {
    uint64_t h[MAXW];    /* hashes of the cue's folded tokens */
    unsigned char n;     /* how many (1..MAXW) */
    unsigned short next; /* next rule in the same bucket, NRULES at the end */
};

static struct cue cues[NRULES];
static unsigned short bucket[NBUCKET]; /* first rule whose last token hashes here */
static pthread_once_t compiled = PTHREAD_ONCE_INIT;

static uint64_t token_hash(const char *folded, size_t flen)
{
    return dl_hash64(folded, flen);
}

static int add_cue_token(void *ctx, const char *folded, size_t flen, size_t start, size_t end,
                         unsigned flags)
{
    struct cue *c = ctx;
    if (c->n == MAXW) {
        return 1; /* too long: compile() says so */
    }
    c->h[c->n++] = token_hash(folded, flen);
    return 0;
}

static void compile(void)
{
    for (size_t b = 0; b < NBUCKET; b++) {
        bucket[b] = NRULES;
    }
    /* Backwards, so that each bucket lists its rules in table order. */
    for (size_t i = NRULES; i-- > 0;) {
        struct cue *c = &cues[i];
        c->n = 0;
        if (dl_tokenize(rules[i].words, strlen(rules[i].words), add_cue_token, c) != 0 ||
            c->n == 0) {
            /* A bug in the table, found by the first classification of any run. */
            fprintf(stderr, "BUG: kind rule \"%s\" has no words or more than %d\n", rules[i].words,
                    MAXW);
            abort();
        }
        unsigned b = (unsigned)(c->h[c->n - 1] & (NBUCKET - 1));
        c->next = bucket[b];
        bucket[b] = (unsigned short)i;
    }
}

struct hit {
    unsigned short first, last; /* token positions of the cue's first and last token */
    unsigned short rule;        /* index in rules[] */
    size_t start;               /* byte offset of the cue's first token in the text */
};

struct scan {
    uint64_t ring[MAXW]; /* hashes of the last MAXW tokens, token k at k % MAXW */
    size_t starts[MAXW]; /* their byte offsets, the same way */
    unsigned ntok;       /* tokens seen */
    unsigned where;      /* TITLE when scanning a title */
    unsigned nhits;
    struct hit hits[MAXHITS];
};

static int cue_ends_here(const struct scan *s, const struct cue *c)
{
    if (c->n == 0 || c->n > s->ntok + 1) {
        return 0;
    }
    /* The last token is the one being added (position s->ntok); compare the ones before it. */
    for (unsigned k = 1; k < c->n; k++) {
        if (s->ring[(s->ntok - k) % MAXW] != c->h[c->n - 1 - k]) {
            return 0;
        }
    }
    return 1;
}

static int scan_token(void *ctx, const char *folded, size_t flen, size_t start, size_t end,
                      unsigned flags)
{
    struct scan *s = ctx;
    uint64_t h = token_hash(folded, flen);
    s->ring[s->ntok % MAXW] = h;
    s->starts[s->ntok % MAXW] = start;
    for (unsigned i = bucket[h & (NBUCKET - 1)]; i < NRULES; i = cues[i].next) {
        const struct cue *c = &cues[i];
        if (c->h[c->n - 1] != h || (rules[i].where == TITLE && s->where != TITLE) ||
            !cue_ends_here(s, c) || s->nhits == MAXHITS) {
            continue;
        }
        struct hit *hit = &s->hits[s->nhits++];
        hit->first = (unsigned short)(s->ntok + 1 - c->n);
        hit->last = (unsigned short)s->ntok;
        hit->rule = (unsigned short)i;
        hit->start = s->starts[(s->ntok + 1 - c->n) % MAXW];
    }
    if (s->ntok < 0xfff0) {
        s->ntok++;
    }
    return 0;
}

/* Is hit a better than hit b? In the first sentence, then of higher priority, then first. */
static int better(const struct hit *a, const struct hit *b, size_t first_end)
{
    int fa = a->start < first_end, fb = b->start < first_end;
    if (fa != fb) {
        return fa;
    }
    unsigned pa = rules[a->rule].prio, pb = rules[b->rule].prio;
    return pa != pb ? pa > pb : a->first < b->first;
}

static int blocked(const struct scan *s, const struct hit *h)
{
    for (unsigned j = 0; j < s->nhits; j++) {
        const struct hit *b = &s->hits[j];
        if (rules[b->rule].kind == BLOCK && b->first <= h->last && h->first <= b->last) {
            return 1;
        }
    }
    return 0;
}

/*
 * Where the first sentence of text[0..len) ends: at "。！？", a line break, or ". " "! " "? "
 * before a capital, a digit or a non-ASCII letter when the word before the stop has three
 * characters or more and no inner dot (so "Jr.", "R.", "U.S." end nothing). A stop missed
 * only makes the first sentence longer.
 */
static size_t first_sentence(const char *text, size_t len)
{
    size_t word = 0; /* characters since the last space */
    int dotted = 0;  /* the current word has a dot inside */
    for (size_t i = 0; i < len;) {
        size_t l = 1;
        int32_t cp = (unsigned char)text[i];
        if (cp >= 0x80) {
            cp = dl_utf8_at(text, len, i, &l);
        }
        if (cp == 0x3002 || cp == 0xff01 || cp == 0xff1f || cp == '\n') {
            return i + l;
        }
        if ((cp == '.' || cp == '!' || cp == '?') && i + 2 < len && text[i + 1] == ' ') {
            unsigned char next = (unsigned char)text[i + 2];
            if (word >= 3 && !dotted &&
                ((next >= 'A' && next <= 'Z') || (next >= '0' && next <= '9') || next >= 0x80)) {
                return i + 1;
            }
        }
        if (cp == ' ' || (cp >= 0x80 && dl_is_space(cp))) {
            word = 0;
            dotted = 0;
        } else {
            dotted |= cp == '.' && word > 0;
            word++;
        }
        i += l;
    }
    return len;
}

/* The kind of the best cue in text[0..len), or -1 when it has none. In a lead, a cue of the
 * first sentence beats any later one: the labelling rule reads the lead's first sentence, and
 * later sentences add context ("双方发布...联合声明" after talks, a letter sent to a
 * ceremony). */
static int best_kind(const char *text, size_t len, unsigned where)
{
    size_t first_end = len;
    struct scan s;
    s.ntok = 0;
    s.nhits = 0;
    s.where = where;
    dl_tokenize(text, len, scan_token, &s);
    if (where != TITLE && s.nhits > 1) {
        first_end = first_sentence(text, len); /* only needed to choose between cues */
    }
    const struct hit *best = NULL;
    for (unsigned j = 0; j < s.nhits; j++) {
        const struct hit *h = &s.hits[j];
        const struct rule *r = &rules[h->rule];
        if (r->kind == BLOCK || blocked(&s, h)) {
            continue;
        }
        if (!best || better(h, best, first_end)) {
            best = h;
        }
    }
    return best ? rules[best->rule].kind : -1;
}

/* Bytes of body that make its lead: up to the end of the first paragraph that ends after
 * LEAD_MIN characters, never more than LEAD_MAX characters, cut at a character boundary. */
static size_t lead_len(const char *body)
{
    size_t i = 0, chars = 0;
    for (; body[i]; i++) {
        unsigned char c = (unsigned char)body[i];
        if ((c & 0xc0) != 0x80 && chars++ == LEAD_MAX) {
            break;
        }
        if (c == '\n' && body[i + 1] == '\n' && chars >= LEAD_MIN) {
            break;
        }
    }
    return i;
}

enum dl_kind dl_kind_classify(const char *title, const char *body)
{
    pthread_once(&compiled, compile);
    int k = -1;
    if (title && *title) {
        k = best_kind(title, strlen(title), TITLE);
    }
    if (k < 0 && body && *body) {
        k = best_kind(body, lead_len(body), ANY);
    }
    return k < 0 ? DL_KIND_OTHER : (enum dl_kind)k;
}

static const char *const names[DL_KIND_COUNT] = {
    [DL_KIND_OTHER] = "other",         [DL_KIND_TALKS] = "talks", [DL_KIND_CALL] = "call",
    [DL_KIND_MEETING] = "meeting",     [DL_KIND_VISIT] = "visit", [DL_KIND_MESSAGE] = "message",
    [DL_KIND_STATEMENT] = "statement",
};

const char *dl_kind_name(enum dl_kind k)
{
    return (unsigned)k < DL_KIND_COUNT ? names[k] : names[DL_KIND_OTHER];
}

struct one_token {
    int count;         /* tokens seen */
    size_t start, end; /* span of the first one */
    char folded[16];   /* its folded form, "" when longer than any name */
};

static int keep_token(void *ctx, const char *folded, size_t flen, size_t start, size_t end,
                      unsigned flags)
{
    struct one_token *t = ctx;
    if (t->count++ > 0) {
        return 1;
    }
    t->start = start;
    t->end = end;
    if (flen < sizeof t->folded) {
        memcpy(t->folded, folded, flen + 1);
    }
    return 0;
}

int dl_kind_parse(const char *s, size_t n, enum dl_kind *out)
{
    struct one_token t = {0, 0, 0, ""};
    if (!s || dl_tokenize(s, n, keep_token, &t) != 0 || t.count != 1 ||
        !dl_is_blank(s, 0, t.start) || !dl_is_blank(s, t.end, n)) {
        return DL_EPARSE;
    }
    for (int k = 0; k < DL_KIND_COUNT; k++) {
        if (strcmp(t.folded, names[k]) == 0) {
            *out = (enum dl_kind)k;
            return DL_OK;
        }
    }
    return DL_EPARSE;
}
