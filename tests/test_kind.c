/* test_kind.c - the meeting kind: cues in three languages, their precedence, the lead, names. */
#include <stdio.h>
#include <string.h>

#include "dateline/common.h"
#include "dateline/kind.h"
#include "dl_test.h"

struct kind_case {
    const char *title; /* NULL allowed */
    const char *body;  /* NULL allowed */
    enum dl_kind want;
    const char *why;
};

static const struct kind_case cases[] = {
    /* ---- VNA's and Xinhua's English (the titles of data/sample's readouts) ---- */
    {"Prime Minister Phạm Minh Chính received Chinese Minister of Commerce Wang Wentao", NULL,
     DL_KIND_MEETING, "received, in a title"},
    {"President Lương Cường receives Chinese business leaders", NULL, DL_KIND_MEETING, "receives"},
    {"Xi Jinping meets Su Lin", NULL, DL_KIND_MEETING, "meets"},
    {"Prime Minister Phạm Minh Chính gave a reception in Hà Nội for Chinese Ambassador He Wei",
     NULL, DL_KIND_MEETING, "a reception"},
    {"Party General Secretary Tô Lâm held phone talks with Xi Jinping", NULL, DL_KIND_CALL,
     "phone talks are a call, not talks"},
    {"Chinese Foreign Minister Wang Yi held a phone conversation with Le Hoai Trung", NULL,
     DL_KIND_CALL, "a phone conversation"},
    {"General Secretary Nguyen Phu Trong congratulates Xi Jinping on his re-election", NULL,
     DL_KIND_MESSAGE, "congratulates, in a title"},
    {"Deputy PM Bùi Thanh Sơn received a phone call from Wang Yi", NULL, DL_KIND_CALL,
     "a call received"},
    {"Talks in Hanoi", "The minister received support from the provinces and met the target.",
     DL_KIND_OTHER, "received and met in a lead are no cue"},
    {"Exports rise", "Both leaders congratulated each other on the results of the talks.",
     DL_KIND_OTHER, "congratulated in a lead is no message"},
    /* ---- English ---- */
    {"Readout of President Joseph R. Biden, Jr. Call with President Emmanuel Macron of France",
     NULL, DL_KIND_CALL, "a White House call readout"},
    {"Readout of National Security Advisor Jake Sullivan\u2019s Phone Call with Politburo Member "
     "Yang Jiechi",
     NULL, DL_KIND_CALL, "a possessive before the cue"},
    {NULL, "President Biden spoke by phone today with Prime Minister Kishida of Japan.",
     DL_KIND_CALL, "no title: the lead decides"},
    {NULL, "The President received a phone call from President Zelenskyy of Ukraine.", DL_KIND_CALL,
     "received a phone call is a call, not a reception"},
    {"Readout of President Biden\u2019s Virtual Meeting with Taoiseach Mich\u00e1el Martin", NULL,
     DL_KIND_CALL, "the medium first: a virtual meeting is a call"},
    {"Readout of President Biden\u2019s Meeting with Prime Minister Kishida of Japan",
     "The leaders held talks on trade and spoke by phone last week.", DL_KIND_MEETING,
     "the title beats the lead"},
    {"Remarks by Vice President Harris in Courtesy Call with Chief Osabarima Kwesi Atta II", NULL,
     DL_KIND_MEETING, "a courtesy call is a meeting, though it ends in 'Call with'"},
    {"Remarks by President Biden and Prime Minister Sunak Before Bilateral Meeting", "Oval Office",
     DL_KIND_MEETING, "a transcript takes the kind of its event"},
    {"Remarks by President Biden at a Campaign Reception",
     "THE PRESIDENT: I was on the phone with the governor, and I sent a letter to Congress.",
     DL_KIND_OTHER, "a speech's lead is not read for cues"},
    {"On-the-Record Press Call by National Security Advisor Jake Sullivan on the President\u2019s "
     "Trip to Europe",
     NULL, DL_KIND_OTHER, "a press call is a press event, not a call or a visit"},
    {"Readout of Vice President Harris\u2019s Trip to Ghana", NULL, DL_KIND_VISIT, "a trip"},
    {"Prime Minister holds talks with visiting President of Kenya", NULL, DL_KIND_TALKS,
     "talks beat the visit they are part of"},
    {"Statement from President Joe Biden on the Talks in Geneva", "I welcome the talks held today.",
     DL_KIND_STATEMENT, "a statement that mentions talks"},
    {"Joint Statement Following Meeting Between President Biden and Prime Minister Kadhimi", NULL,
     DL_KIND_STATEMENT, "the form beats the meeting"},
    {"Joint Press Statement Following a Call between President Biden and Chancellor Scholz", NULL,
     DL_KIND_STATEMENT, "'statement' alone in a title"},
    {"Message to the Congress on the Continuation of the National Emergency", NULL, DL_KIND_MESSAGE,
     "a message to Congress"},
    {"Another Criminal Captured",
     "Under the President, the message to criminals is clear: you will be caught.", DL_KIND_OTHER,
     "'message to' in a lead is a figure of speech"},
    {"FACT SHEET: The United States and Japan Hold Talks on Energy", NULL, DL_KIND_OTHER,
     "a fact sheet's form beats the talks it names"},
    {"Foreign Ministry Spokesperson Lu Kang\u2019s Regular Press Conference on June 9, 2020",
     "At the invitation of President Xi Jinping, King Harald V will pay a state visit to China.",
     DL_KIND_OTHER, "a press conference, whatever it announces"},
    {"Foreign Ministry Spokesperson Hua Chunying\u2019s Remarks on US Remarks on Venezuela", NULL,
     DL_KIND_STATEMENT, "an MFA spokesperson's remarks on a subject"},
    {"A call for unity with our allies", NULL, DL_KIND_OTHER,
     "'call' and 'with' apart are no 'call with'"},
    {"Weather in Hanoi", "Sunny and warm all week.", DL_KIND_OTHER, "no cue"},
    {NULL, NULL, DL_KIND_OTHER, "no text at all"},
    {"", "", DL_KIND_OTHER, "empty texts"},
    {"\uff23\uff41\uff4c\uff4c \uff57\uff49\uff54\uff48 the King", NULL, DL_KIND_CALL,
     "full-width letters fold"},

    /* ---- Chinese ---- */
    {"习近平同美国总统拜登通电话", NULL, DL_KIND_CALL, "通电话"},
    {"习近平会见越共中央总书记", NULL, DL_KIND_MEETING, "会见"},
    {"习近平同来华进行国事访问的法国总统马克龙举行会谈", NULL, DL_KIND_TALKS,
     "会谈 beats the visit in the modifier"},
    {"李强会见来华进行国事访问的赞比亚总统", NULL, DL_KIND_MEETING,
     "会见 beats the visit in the modifier"},
    {"习近平同芬兰总统举行视频会晤", NULL, DL_KIND_CALL, "by video: 视频会晤 is a call"},
    {"习近平致电祝贺苏林当选越南国家主席", NULL, DL_KIND_MESSAGE, "致电 is a cable, not a call"},
    {"习近平向加纳当选总统马哈马致贺电", NULL, DL_KIND_MESSAGE, "致贺电"},
    {"习近平回信勉励澳门科技大学师生", NULL, DL_KIND_MESSAGE, "回信"},
    {"外交部发言人就朝鲜半岛局势答记者问", NULL, DL_KIND_STATEMENT, "答记者问"},
    {"外交部发言人华春莹就美国签署涉藏法案发表谈话", NULL, DL_KIND_STATEMENT, "发表谈话"},
    {"2018年12月17日外交部发言人华春莹主持例行记者会",
     "一、应国家主席习近平邀请，挪威国王将对中国进行国事访问。", DL_KIND_OTHER,
     "a press conference that announces a visit"},
    {"赵乐际对新西兰进行正式友好访问",
     "央视网消息（新闻联播）：赵乐际在奥克兰会见总理，在惠灵顿同议长举行会谈。", DL_KIND_VISIT,
     "the title's visit beats the lead's meetings"},
    {"习近平在宁夏考察时强调", NULL, DL_KIND_VISIT, "an inspection tour"},
    {"奋力谱写新篇章——习近平总书记考察引起广大干部群众强烈反响", NULL, DL_KIND_OTHER,
     "a reaction piece"},
    {"韩正出席英国国王加冕仪式", "央视网消息（新闻联播）：韩正在伦敦进行访问期间出席仪式。",
     DL_KIND_OTHER, "出席 names a ceremony; the lead is not read"},
    {"国际联播快讯", "央视网消息（新闻联播）：巴以等五方会谈约旦河西岸冲突未停", DL_KIND_TALKS,
     "no cue in the title: the lead decides"},
    {"中美在经贸领域达成重要共识",
     "央视网消息（新闻联播）：双方在日内瓦举行中美经贸高层会谈。双方发布联合声明。", DL_KIND_TALKS,
     "the lead's first sentence beats a statement after it"},

    /* ---- Vietnamese ---- */
    {"Thủ tướng Phan Văn Khải hội đàm với Thủ tướng Lào", NULL, DL_KIND_TALKS, "hội đàm"},
    {"Thu tuong Phan Van Khai hoi dam voi Thu tuong Lao", NULL, DL_KIND_TALKS,
     "without diacritics"},
    {"Thủ tướng ho\xcc\x82\xcc\xa3i \xc4\x91"
     "a\xcc\x80m với Thủ tướng Lào",
     NULL, DL_KIND_TALKS, "decomposed (NFD) diacritics"},
    {"Tô Lâm tiếp Đại sứ Hoa Kỳ", NULL, DL_KIND_MEETING, "tiếp + a guest"},
    {"To Lam tiep Dai su Hoa Ky", NULL, DL_KIND_MEETING, "tiếp without diacritics"},
    {"Chủ tịch nước tiếp Tổng thống Pháp đang thăm Việt Nam", NULL, DL_KIND_MEETING,
     "the reception beats the visit in the modifier"},
    {"Thủ tướng Vũ Khoan hội kiến Tổng thống Bush", NULL, DL_KIND_MEETING, "hội kiến"},
    {"Chủ tịch nước điện đàm với Tổng thống Nga", NULL, DL_KIND_CALL, "điện đàm"},
    {"Chủ tịch nước gửi điện mừng Quốc khánh Pháp", NULL, DL_KIND_MESSAGE, "điện mừng"},
    {"Thủ tướng thăm chính thức Nhật Bản", NULL, DL_KIND_VISIT, "thăm chính thức"},
    {"Việt Nam và Lào ra tuyên bố chung", NULL, DL_KIND_STATEMENT, "tuyên bố chung"},
    {"Việt Nam tiếp tục tham gia đàm phán", NULL, DL_KIND_OTHER,
     "tiếp tục is not tiếp, tham gia is not thăm"},
    {"Iran tuyên bố sẽ tiếp tục làm giàu uranium", NULL, DL_KIND_OTHER,
     "tuyên bố as a verb of speaking"},
    {"", "Nhân chuyến thăm đội tuyển, Bộ trưởng cho biết sẽ tăng lương cầu thủ.", DL_KIND_OTHER,
     "a visit named as the setting"},
    {"Căn bệnh tình yêu", "Tổ chức Y tế thế giới công nhận tình yêu là thứ bệnh dai dẳng.",
     DL_KIND_OTHER, "là thứ folds like lá thư, which is no cue"},
    {"FBI bắt vua gửi thư rác", NULL, DL_KIND_OTHER, "thư rác (spam) is no letter"},
};

static void test_cases(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct kind_case *c = &cases[i];
        CHECK_STR(dl_kind_name(dl_kind_classify(c->title, c->body)), dl_kind_name(c->want),
                  "case %zu (%s): %s", i, c->why, c->title ? c->title : "(no title)");
    }
}

static void test_lead(void)
{
    /* A short first paragraph (a place line) runs on into the next one. */
    CHECK(dl_kind_classify("Remarks",
                           "Oval Office\n\nPresident Biden met with the Prime Minister.") ==
              DL_KIND_MEETING,
          "a short first paragraph runs on");
    /* A long first paragraph ends the lead; a later paragraph is not read. */
    char body[2048];
    memset(body, 0, sizeof body);
    for (int i = 0; i < 30; i++) {
        strcat(body, "The weather was fine. ");
    }
    strcat(body, "\n\nThe President spoke by phone with the King.");
    CHECK(dl_kind_classify("News", body) == DL_KIND_OTHER, "the second paragraph is not lead");
    /* Past ~400 characters nothing is read, even in one paragraph. */
    memset(body, 0, sizeof body);
    for (int i = 0; i < 25; i++) {
        strcat(body, "nothing to see here ");
    }
    strcat(body, "spoke by phone");
    CHECK(dl_kind_classify(NULL, body) == DL_KIND_OTHER, "a cue after 400 characters");
    body[300] = '\0';
    strcat(body, " spoke by phone");
    CHECK(dl_kind_classify(NULL, body) == DL_KIND_CALL, "the same cue within the lead");
}

static void test_names(void)
{
    static const char *const want[DL_KIND_COUNT] = {"other", "talks",   "call",     "meeting",
                                                    "visit", "message", "statement"};
    for (int k = 0; k < DL_KIND_COUNT; k++) {
        enum dl_kind got = DL_KIND_COUNT;
        CHECK_STR(dl_kind_name((enum dl_kind)k), want[k], "name of %d", k);
        CHECK(dl_kind_parse(want[k], strlen(want[k]), &got) == DL_OK && got == (enum dl_kind)k,
              "parse %s", want[k]);
    }
    CHECK_STR(dl_kind_name(DL_KIND_COUNT), "other", "out of range");
    CHECK_STR(dl_kind_name((enum dl_kind) - 1), "other", "negative");

    static const struct {
        const char *s;
        int ok;
        enum dl_kind k;
    } parses[] = {
        {"Talks", 1, DL_KIND_TALKS},
        {"  MEETING\t", 1, DL_KIND_MEETING},
        {"\uff43\uff41\uff4c\uff4c", 1, DL_KIND_CALL}, /* full-width */
        {"St\u00e1tement", 1, DL_KIND_STATEMENT},      /* a stray accent folds away */
        {"", 0, DL_KIND_OTHER},
        {"   ", 0, DL_KIND_OTHER},
        {"talk", 0, DL_KIND_OTHER},
        {"talks!", 0, DL_KIND_OTHER},
        {"talks call", 0, DL_KIND_OTHER},
        {"phone", 0, DL_KIND_OTHER},
        {"会谈", 0, DL_KIND_OTHER},
    };
    for (size_t i = 0; i < sizeof parses / sizeof parses[0]; i++) {
        enum dl_kind got = DL_KIND_COUNT;
        int rc = dl_kind_parse(parses[i].s, strlen(parses[i].s), &got);
        if (parses[i].ok) {
            CHECK(rc == DL_OK && got == parses[i].k, "parse \"%s\"", parses[i].s);
        } else {
            CHECK(rc == DL_EPARSE && got == DL_KIND_COUNT, "\"%s\" is refused, out untouched",
                  parses[i].s);
        }
    }
    enum dl_kind got = DL_KIND_COUNT;
    CHECK(dl_kind_parse("talks", 3, &got) == DL_EPARSE, "the length counts: \"tal\"");
}

int main(void)
{
    test_cases();
    test_lead();
    test_names();
    return dl_test_report();
}
