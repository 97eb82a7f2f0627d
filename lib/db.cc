/*
 * db.cc - the Xapian shim (see db.h and schema.h): the project's only C++.
 *
 * Rules kept throughout:
 *   - every extern "C" entry point catches every exception (rethrown into
 *     map_error(), which turns it into a status and a message); no C++ type
 *     or exception ever reaches C code;
 *   - callbacks handed to C code (the tokenizer, the alias scanner) catch
 *     everything too, since an exception must not unwind through C frames;
 *   - strings given to C are malloc'd through dl_x* and owned by the caller.
 *
 * Indexing uses our tokenizer (dl_tokenize), not TermGenerator, so that the
 * index, the query normaliser and the highlighter see the same words. The
 * terms written per token mirror what QueryParser looks up for lower-case
 * input with STEM_SOME and FLAG_CJK_NGRAM: the positional word, "Z" + stem
 * for words starting with a letter, and for CJK the positional character
 * plus a position-less bigram for adjacent characters.
 */
#include <xapian.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

extern "C" {
#include "dateline/db.h"
#include "dateline/fold.h"
#include "dateline/schema.h"
}

namespace
{

/* Gap between the title's last position and the body's first: no phrase spans both. */
const Xapian::termpos TITLE_GAP = 100;
/* Bytes of a long value kept in front of its hash in a bounded term (see bounded_term()). */
const size_t TERM_KEEP = 40;
/* Wildcard expansion cap used when the caller passes 0. */
const unsigned DEFAULT_MAX_WILDCARD = 100;
/* Source facet: at most this many values. */
const size_t MAX_SOURCE_FACETS = 20;
/* zstd level for stored bodies (see schema.h): on the White House corpus, level 3 gives
 * 2.57x at 180 MB/s, level 6 2.67x at 70 MB/s and level 9 2.70x at 41 MB/s of one core;
 * decompression runs at about 600 MB/s whatever the level. Level 9 costs about 5% of
 * indexing CPU, for an index no larger than Omega's. */
const int BODY_ZSTD_LEVEL = 9;
/* A stored body claiming more than this is corrupt: no readout is that large. */
const unsigned long long BODY_MAX = 256ull << 20;
/* Relevance order: the phrase boost reorders this many first hits (see search_once()): one
 * page. Its position lookups were 83 of a search's 152 block reads with 30, 29 with 10. */
const Xapian::doccount RERANK_WINDOW = 10;
/* Searches whose exact totals and facets a read handle remembers (see facet_cache). */
const size_t FACET_CACHE_SIZE = 256;

const unsigned QP_FLAGS =
    Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_WILDCARD |
    Xapian::QueryParser::FLAG_CJK_NGRAM | Xapian::QueryParser::FLAG_AUTO_SYNONYMS |
    Xapian::QueryParser::FLAG_AUTO_MULTIWORD_SYNONYMS | Xapian::QueryParser::FLAG_PURE_NOT;
/* The plain-words fallback: no operators at all, so it cannot be rejected. */
const unsigned QP_FALLBACK_FLAGS = Xapian::QueryParser::FLAG_CJK_NGRAM |
                                   Xapian::QueryParser::FLAG_AUTO_MULTIWORD_SYNONYMS |
                                   Xapian::QueryParser::FLAG_AUTO_SYNONYMS;

struct token {
    std::string text;  /* folded */
    size_t start, end; /* byte offsets in the original field */
    unsigned flags;    /* DL_TOKEN_* */
};

/* Sort key for DL_SORT_DATE_ASC: undated documents (empty value) sort after every date. */
class DateAscKey : public Xapian::KeyMaker
{
  public:
    std::string operator()(const Xapian::Document &doc) const override
    {
        std::string v = doc.get_value(DL_SLOT_DATE);
        return v.empty() ? std::string("\xff") : v;
    }
};

/* One search's exact total and facet counts, in the order they are reported. */
struct facet_entry {
    unsigned long total;
    std::vector<std::pair<std::string, unsigned long>> years, sources;
};

/*
 * Exact totals and facets of recent searches, per read handle (so per
 * thread, no locking). Counting them means examining every match (most
 * of a search's cost for common words), while they depend only on the
 * match set: the query and the filters, not the order or the page. A
 * repeated search or the next page then needs only the top hits. Only
 * exact counts are kept (so a hit answers exactly what a miss would), for
 * one revision: the cache is emptied whenever the handle moves to another.
 */
class facet_cache
{
  public:
    const facet_entry *get(const std::string &key, Xapian::rev rev)
    {
        if (rev != rev_) {
            clear();
            rev_ = rev;
        }
        auto it = map_.find(key);
        if (it == map_.end()) {
            return nullptr;
        }
        lru_.splice(lru_.begin(), lru_, it->second.second);
        return &it->second.first;
    }
    void put(const std::string &key, facet_entry e)
    {
        if (map_.count(key)) {
            return;
        }
        if (map_.size() >= FACET_CACHE_SIZE) {
            map_.erase(lru_.back());
            lru_.pop_back();
        }
        lru_.push_front(key);
        map_.emplace(key, std::make_pair(std::move(e), lru_.begin()));
    }
    void clear()
    {
        map_.clear();
        lru_.clear();
    }

  private:
    Xapian::rev rev_ = 0;        /* revision the entries belong to */
    std::list<std::string> lru_; /* keys, most recently used first */
    std::unordered_map<std::string, std::pair<facet_entry, std::list<std::string>::iterator>> map_;
};

/*
 * The alias forms written in CJK ("苏林"), from the index's synonym keys
 * ("苏 林" -> "XAto-lam"). QueryParser reads a run of CJK characters as
 * n-grams and never looks synonyms up for it, so search_once() rewrites
 * each form found in such a run to "(苏林 OR dlalias:N)", where the
 * dlalias field processor (AliasProcessor) gives N's group terms.
 */
struct cjk_aliases {
    bool built = false;                            /* reflects `rev` */
    Xapian::rev rev = 0;                           /* revision the forms were read from */
    std::unordered_map<std::string, size_t> forms; /* "苏林" -> index into terms */
    std::vector<std::vector<std::string>> terms;   /* group terms of each form */
    size_t maxlen = 0;                             /* longest form, in characters */
};

struct zstd_free {
    void operator()(ZSTD_CCtx *c) const
    {
        ZSTD_freeCCtx(c);
    }
    void operator()(ZSTD_DCtx *d) const
    {
        ZSTD_freeDCtx(d);
    }
};

} // namespace

struct dl_db {
    bool writer = false;          /* opened with dl_db_open_write() */
    std::string path;             /* as given, for messages */
    Xapian::WritableDatabase wdb; /* the writer's database (writer only) */
    Xapian::Database rdb;         /* the reader's database (reader only) */
    bool in_txn = false;          /* writer: a transaction is open */
    bool spelling = true;         /* writer: feed the spelling table */
    /* writer: documents per word since the last commit, given to add_spelling() at commit;
     * one call per distinct word per batch instead of one per document halves indexing time */
    std::unordered_map<std::string, Xapian::termcount> spell_pending;
    const struct dl_aliases *aliases = nullptr; /* borrowed, see dl_db_set_aliases() */
    Xapian::Stem stemmer{"en"};
    std::vector<token> title_toks, body_toks; /* per-put scratch, kept to reuse capacity */
    DateAscKey asc_key;                       /* must outlive enq, which points at it */
    std::unique_ptr<Xapian::QueryParser> qp;  /* reader: built on first search */
    std::unique_ptr<Xapian::Enquire> enq;
    facet_cache facets; /* reader: exact totals and facets of recent searches */
    cjk_aliases cjk;    /* reader: alias forms QueryParser cannot see (CJK) */
    std::unique_ptr<ZSTD_CCtx, zstd_free> zc; /* writer: compresses bodies, made on first use */
    std::unique_ptr<ZSTD_DCtx, zstd_free> zd; /* both: decompresses bodies, made on first use */
    std::string zbuf;                         /* writer: the compressed body being stored */

    Xapian::Database &db()
    {
        return writer ? static_cast<Xapian::Database &>(wdb) : rdb;
    }
};

namespace
{

/*
 * Turn the exception being handled into a status + message. Called only
 * from inside a catch block; the subclasses are tested before their bases.
 */
int map_error(struct dl_error *err, const std::string &path)
{
    try {
        throw;
    } catch (const Xapian::DatabaseLockError &e) {
        return dl_error_set(err, DL_ELOCKED, "cannot open index '%s' for writing: %s", path.c_str(),
                            e.get_msg().c_str());
    } catch (const Xapian::DatabaseModifiedError &e) {
        return dl_error_set(err, DL_EMODIFIED, "index '%s' changed while reading: %s", path.c_str(),
                            e.get_msg().c_str());
    } catch (const Xapian::DatabaseNotFoundError &e) {
        return dl_error_set(err, DL_ENOTFOUND, "cannot open index '%s': %s", path.c_str(),
                            e.get_msg().c_str());
    } catch (const Xapian::DatabaseOpeningError &e) {
        return dl_error_set(err, DL_EIO, "cannot open index '%s': %s", path.c_str(),
                            e.get_msg().c_str());
    } catch (const Xapian::DatabaseCreateError &e) {
        return dl_error_set(err, DL_EIO, "cannot create index '%s': %s", path.c_str(),
                            e.get_msg().c_str());
    } catch (const Xapian::Error &e) {
        /* get_error_string() is the errno text behind I/O errors ("File too large"). */
        const char *why = e.get_error_string();
        return dl_error_set(err, DL_EXAPIAN, "xapian %s: %s%s%s%s", e.get_type(),
                            e.get_msg().c_str(), why ? " (" : "", why ? why : "", why ? ")" : "");
    } catch (const std::bad_alloc &) {
        /* Project rule: out of memory is fatal, as in dl_xmalloc(). */
        std::fputs("fatal: out of memory in the xapian shim\n", stderr);
        std::abort();
    } catch (const std::exception &e) {
        return dl_error_set(err, DL_EXAPIAN, "c++ exception: %s", e.what());
    } catch (...) {
        return dl_error_set(err, DL_EXAPIAN, "unknown c++ exception");
    }
}

char *xdup(const std::string &s)
{
    return static_cast<char *>(dl_xmemdup(s.data(), s.size()));
}

uint64_t fnv1a64(const std::string &s)
{
    uint64_t h = 14695981039346656037ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

/*
 * prefix + value, or for a value over DL_ID_TERM_MAX bytes prefix + its
 * first ~TERM_KEEP bytes (cut at a character boundary) + "#" + 16 hex
 * digits of its hash, which keeps every term under glass's 245-byte limit.
 */
std::string bounded_term(const char *prefix, const std::string &v)
{
    if (v.size() <= DL_ID_TERM_MAX) {
        return prefix + v;
    }
    size_t cut = TERM_KEEP;
    while (cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xC0) == 0x80) {
        cut--;
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a64(v)));
    return prefix + v.substr(0, cut) + "#" + hex;
}

/* The origin term: a hash only, since origins are long paths repeated in every termlist. */
std::string origin_term(const char *origin)
{
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx",
                  static_cast<unsigned long long>(fnv1a64(std::string(origin))));
    return DL_PREFIX_ORIGIN + std::string(hex);
}

std::string slug(const char *s, size_t n)
{
    struct dl_buf b = DL_BUF_INIT;
    dl_slug(s, n, &b);
    std::string r(b.buf, b.len);
    dl_buf_release(&b);
    return r;
}

/* "YYYY-MM-DD" -> "YYYYMMDD", or "" when s is not of that shape. */
std::string ymd(const char *s)
{
    if (!s || std::strlen(s) != 10 || s[4] != '-' || s[7] != '-') {
        return "";
    }
    std::string r;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            continue;
        }
        if (s[i] < '0' || s[i] > '9') {
            return "";
        }
        r += s[i];
    }
    return r;
}

/* Split the stored record into a readout; empty fields become NULL (the body too). */
void data_to_readout(const std::string &data, struct dl_readout *r)
{
    char **fields[DL_DATA_NFIELDS] = {&r->id,     &r->title, &r->date, &r->dateline,
                                      &r->source, &r->url,   &r->lang, &r->body};
    size_t pos = 0;
    for (int i = 0; i < DL_DATA_NFIELDS; i++) {
        size_t end = pos < data.size() ? data.find('\0', pos) : std::string::npos;
        if (end == std::string::npos) {
            end = data.size();
        }
        *fields[i] =
            end > pos ? static_cast<char *>(dl_xmemdup(data.data() + pos, end - pos)) : nullptr;
        pos = end + 1;
    }
}

/* A body value is a zstd frame; anything else (there is nothing else in a schema 3 index)
 * is taken as the text itself: a frame starts with 28 b5 2f fd, which no UTF-8 text does. */
bool is_zstd(const std::string &v)
{
    return v.size() >= 4 && std::memcmp(v.data(), "\x28\xb5\x2f\xfd", 4) == 0;
}

/* The body stored as `v`, malloc'd and NUL-terminated; throws DatabaseCorruptError on a
 * frame that does not decompress. */
char *body_from_value(struct dl_db *h, const std::string &v)
{
    if (!is_zstd(v)) {
        return xdup(v); /* "" when there is none */
    }
    unsigned long long n = ZSTD_getFrameContentSize(v.data(), v.size());
    if (n == ZSTD_CONTENTSIZE_UNKNOWN || n == ZSTD_CONTENTSIZE_ERROR || n > BODY_MAX) {
        throw Xapian::DatabaseCorruptError("stored body has no valid zstd frame header");
    }
    if (!h->zd) {
        h->zd.reset(ZSTD_createDCtx());
        if (!h->zd) {
            throw std::bad_alloc();
        }
    }
    char *body = static_cast<char *>(dl_xmalloc(n + 1));
    size_t got = ZSTD_decompressDCtx(h->zd.get(), body, n, v.data(), v.size());
    if (ZSTD_isError(got) || got != n) {
        std::free(body);
        throw Xapian::DatabaseCorruptError(std::string("stored body does not decompress: ") +
                                           (ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short"));
    }
    body[n] = '\0';
    return body;
}

/* The value stored for `body` (schema 3: one zstd frame, no checksum: Xapian's blocks
 * already carry theirs). Points into h->zbuf until the next call. */
const std::string &body_to_value(struct dl_db *h, const char *body, size_t len)
{
    if (!h->zc) {
        h->zc.reset(ZSTD_createCCtx());
        if (!h->zc) {
            throw std::bad_alloc();
        }
        ZSTD_CCtx_setParameter(h->zc.get(), ZSTD_c_compressionLevel, BODY_ZSTD_LEVEL);
        ZSTD_CCtx_setParameter(h->zc.get(), ZSTD_c_checksumFlag, 0);
        ZSTD_CCtx_setParameter(h->zc.get(), ZSTD_c_contentSizeFlag, 1);
    }
    h->zbuf.resize(ZSTD_compressBound(len));
    size_t n = ZSTD_compress2(h->zc.get(), &h->zbuf[0], h->zbuf.size(), body, len);
    if (ZSTD_isError(n)) {
        throw Xapian::InternalError(std::string("cannot compress a body: ") + ZSTD_getErrorName(n));
    }
    h->zbuf.resize(n);
    return h->zbuf;
}

/* The stored readout of `doc`: the data fields, the body from its value slot (see schema.h).
 * On an exception (DatabaseModifiedError while a new revision lands) `r` is left empty, so
 * that the caller's retry does not leak the fields already read. */
void doc_to_readout(struct dl_db *h, const Xapian::Document &doc, struct dl_readout *r)
{
    data_to_readout(doc.get_data(), r);
    try {
        if (!r->body) { /* a schema 1 record keeps its body in the data */
            r->body = body_from_value(h, doc.get_value(DL_SLOT_BODY));
        }
    } catch (...) {
        dl_readout_release(r);
        throw;
    }
}

/* The first data field (the id) of a stored record. */
std::string data_id(const std::string &data)
{
    size_t end = data.find('\0');
    return end == std::string::npos ? data : data.substr(0, end);
}

bool is_blank(const char *s)
{
    if (!s) {
        return true;
    }
    for (; *s; s++) {
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') {
            return false;
        }
    }
    return true;
}

/* Docid of the readout with this id, or 0. */
Xapian::docid find_id(Xapian::Database &db, const char *id)
{
    std::string term = bounded_term(DL_PREFIX_ID, id);
    Xapian::PostingIterator it = db.postlist_begin(term);
    return it == db.postlist_end(term) ? 0 : *it;
}

} // namespace

/* ---- callbacks handed to C code: never throw ---- */

extern "C" {

static int collect_token(void *ctx, const char *folded, size_t flen, size_t start, size_t end,
                         unsigned flags)
{
    try {
        static_cast<std::vector<token> *>(ctx)->push_back(
            token{std::string(folded, flen), start, end, flags});
        return 0;
    } catch (...) {
        return -1;
    }
}

static int count_alias(void *ctx, size_t group, size_t first, size_t ntokens)
{
    (void)first;
    (void)ntokens;
    try {
        (*static_cast<std::map<size_t, unsigned> *>(ctx))[group]++;
        return 0;
    } catch (...) {
        return -1;
    }
}

} // extern "C"

namespace
{

void tokenize(const char *s, std::vector<token> &out)
{
    out.clear();
    if (s && dl_tokenize(s, std::strlen(s), collect_token, &out) != 0) {
        throw std::bad_alloc();
    }
}

/* Add the terms of one field (see the file comment); `pos` runs on across fields. */
void index_tokens(struct dl_db *h, Xapian::Document &doc, const std::vector<token> &toks,
                  bool title, Xapian::termpos &pos, std::unordered_set<std::string> &words)
{
    const token *prev = nullptr;
    for (const token &t : toks) {
        ++pos;
        doc.add_posting(t.text, pos);
        if (title) {
            doc.add_posting(DL_PREFIX_TITLE + t.text, pos);
        }
        if (t.flags & DL_TOKEN_CJK) {
            if (prev && (prev->flags & DL_TOKEN_CJK) && prev->end == t.start) {
                std::string bigram = prev->text + t.text;
                doc.add_term(bigram);
                if (title) {
                    doc.add_term(DL_PREFIX_TITLE + bigram);
                }
            }
        } else if (!(t.flags & DL_TOKEN_DIGIT)) {
            std::string stem = h->stemmer(t.text);
            doc.add_term("Z" + stem);
            if (title) {
                doc.add_term("Z" DL_PREFIX_TITLE + stem);
            }
            if (h->spelling) {
                words.insert(t.text);
            }
        }
        prev = &t;
    }

    if (h->aliases && !toks.empty()) {
        std::vector<const char *> ptrs;
        ptrs.reserve(toks.size());
        for (const token &t : toks) {
            ptrs.push_back(t.text.c_str());
        }
        std::map<size_t, unsigned> hits;
        if (dl_aliases_scan(h->aliases, ptrs.data(), ptrs.size(), count_alias, &hits) != 0) {
            throw std::bad_alloc();
        }
        for (const auto &hit : hits) {
            std::string term = dl_aliases_group_term(h->aliases, hit.first);
            doc.add_term(term, hit.second);
            if (title) {
                doc.add_term(DL_PREFIX_TITLE + term, hit.second);
            }
        }
    }
}

/* dlalias:N -> the group terms of CJK alias form N (see cjk_aliases); never throws for bad N. */
class AliasProcessor : public Xapian::FieldProcessor
{
  public:
    explicit AliasProcessor(const struct dl_db *h) : h_(h) {}
    Xapian::Query operator()(const std::string &str) override
    {
        char *end = nullptr;
        unsigned long n = std::strtoul(str.c_str(), &end, 10);
        if (str.empty() || *end || n >= h_->cjk.terms.size()) {
            return Xapian::Query(); /* MatchNothing, without touching the shared static */
        }
        const std::vector<std::string> &t = h_->cjk.terms[n];
        return Xapian::Query(Xapian::Query::OP_OR, t.begin(), t.end());
    }

  private:
    const struct dl_db *h_; /* the handle owning the parser, which owns this */
};

void build_parser(struct dl_db *h)
{
    h->qp.reset(new Xapian::QueryParser);
    Xapian::QueryParser &qp = *h->qp;
    qp.set_database(h->db());
    qp.set_stemmer(h->stemmer);
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    qp.set_default_op(Xapian::Query::OP_AND);
    qp.add_prefix("title", DL_PREFIX_TITLE);
    qp.add_boolean_prefix("source", DL_PREFIX_SOURCE);
    qp.add_boolean_prefix("dateline", DL_PREFIX_DATELINE);
    qp.add_boolean_prefix("year", DL_PREFIX_YEAR);
    /* A plain string range: the normaliser already wrote date:YYYYMMDD..YYYYMMDD. */
    qp.add_rangeprocessor((new Xapian::RangeProcessor(DL_SLOT_DATE, "date:"))->release());
    qp.add_prefix("dlalias", (new AliasProcessor(h))->release());
    h->enq.reset(new Xapian::Enquire(h->db()));
}

/* The code point at s[i] (0 past the end or on an invalid byte); *len gets its length (>= 1). */
int32_t cp_at(const std::string &s, size_t i, size_t *len)
{
    int32_t cp = 0;
    size_t l = i < s.size() ? dl_utf8_decode(s.data() + i, s.size() - i, &cp) : 0;
    *len = l ? l : 1;
    return l ? cp : 0;
}

/* Read the CJK alias forms from the synonym keys, once per revision. */
void load_cjk_aliases(struct dl_db *h, Xapian::rev rev)
{
    cjk_aliases &c = h->cjk;
    if (c.built && c.rev == rev) {
        return;
    }
    c = cjk_aliases();
    c.built = true;
    c.rev = rev;
    Xapian::Database &db = h->db();
    try {
        for (Xapian::TermIterator k = db.synonym_keys_begin(); k != db.synonym_keys_end(); ++k) {
            /* A form of CJK characters only, each its own token: "苏 林". */
            const std::string &key = *k;
            std::string form;
            size_t nchars = 0;
            bool cjk = true;
            for (size_t i = 0; cjk && i <= key.size(); i++) {
                size_t e = key.find(' ', i);
                e = e == std::string::npos ? key.size() : e;
                size_t l;
                cjk = e > i && dl_is_cjk(cp_at(key, i, &l)) && i + l == e;
                form.append(key, i, e - i);
                nchars++;
                i = e;
            }
            if (!cjk || nchars < 2) {
                continue; /* one character: not worth an alias, and too ambiguous */
            }
            std::vector<std::string> terms(db.synonyms_begin(key), db.synonyms_end(key));
            if (terms.empty()) {
                continue;
            }
            c.forms.emplace(form, c.terms.size());
            c.terms.push_back(std::move(terms));
            c.maxlen = std::max(c.maxlen, nchars);
        }
    } catch (const Xapian::UnimplementedError &) {
        /* remote backends keep no synonyms: nothing to expand */
    }
}

/*
 * `q` with every CJK alias form that QueryParser would read as n-grams
 * rewritten to "(FORM OR dlalias:N)": forms in a run of CJK characters
 * outside quotes and field prefixes (title:苏林 and "苏林" stay literal, as a
 * phrase or a field of a Latin form does). The rest of a run stays as it
 * was, split off as a word of its own. Returns q itself when nothing changes.
 */
std::string expand_cjk_aliases(const cjk_aliases &c, const std::string &q)
{
    if (c.forms.empty()) {
        return q;
    }
    std::string out;
    std::vector<bool> field_group; /* open brackets: is each a field's group ("title:(")? */
    bool quoted = false, changed = false;
    size_t i = 0;
    while (i < q.size()) {
        size_t l;
        int32_t cp = cp_at(q, i, &l);
        if (!dl_is_cjk(cp)) {
            if (cp == '"') {
                quoted = !quoted;
            } else if (cp == '(' && !quoted) {
                field_group.push_back(i > 0 && q[i - 1] == ':');
            } else if (cp == ')' && !quoted && !field_group.empty()) {
                field_group.pop_back();
            }
            out.append(q, i, l);
            i += l;
            continue;
        }
        /* A run of CJK characters: its start offsets, for matching forms by character. */
        std::vector<size_t> at;
        size_t j = i;
        while (j < q.size() && dl_is_cjk(cp_at(q, j, &l))) {
            at.push_back(j);
            j += l;
        }
        at.push_back(j);
        bool eligible =
            !quoted && (i == 0 || q[i - 1] != ':') &&
            std::find(field_group.begin(), field_group.end(), true) == field_group.end();
        size_t n = at.size() - 1, k = 0, plain = 0; /* plain: first char not yet written */
        while (eligible && k < n) {
            size_t found = 0, idx = 0;
            for (size_t m = std::min(c.maxlen, n - k); m >= 2 && !found; m--) {
                auto f = c.forms.find(q.substr(at[k], at[k + m] - at[k]));
                if (f != c.forms.end()) {
                    found = m;
                    idx = f->second;
                }
            }
            if (!found) {
                k++;
                continue;
            }
            if (plain < k) {
                out.append(q, at[plain], at[k] - at[plain]);
            }
            /* Spaces keep the group apart from what is around it, except a leading +/-. */
            char before = out.empty() ? ' ' : out.back();
            if (before != ' ' && before != '(' && before != '+' && before != '-') {
                out += ' ';
            }
            out += '(';
            out.append(q, at[k], at[k + found] - at[k]);
            out += " OR dlalias:" + std::to_string(idx) + ")";
            k += found;
            plain = k;
            if (at[k] < q.size() && q[at[k]] != ' ' && q[at[k]] != ')') {
                out += ' ';
            }
            changed = true;
        }
        out.append(q, at[plain], j - at[plain]);
        i = j;
    }
    return changed ? out : q;
}

/*
 * `q` (a normalised query, see query.h) with each word replaced by the
 * spelling table's suggestion for it, or "" if no word has one. Skipped, as
 * QueryParser's FLAG_SPELLING_CORRECTION skips them: operators (the only
 * upper case left), a field and its value, wildcard prefixes, CJK words;
 * numbers too. This is that flag done outside parse_query(): in Xapian
 * 1.4.22 a DatabaseModifiedError thrown by the lookup inside the parser
 * leaks the word's parser Term (LSan saw it in test_reindex, 1 run in 12),
 * while here it goes to dl_db_search()'s retry like any other read.
 */
std::string spelling_suggestion(Xapian::Database &db, const std::string &q)
{
    auto syntax = [](char c) {
        return c == ' ' || c == '"' || c == '(' || c == ')' || c == '+' || c == '-' || c == '*' ||
               c == ':';
    };
    std::string out;
    bool changed = false;
    size_t i = 0, n = q.size();
    while (i < n) {
        if (syntax(q[i])) {
            out += q[i++];
            continue;
        }
        size_t e = i;
        while (e < n && !syntax(q[e])) {
            e++;
        }
        std::string w = q.substr(i, e - i);
        out += w;
        i = e;
        if (i < n && q[i] == ':') {
            /* A field: its value is a quoted phrase, a (group) or one word. */
            out += q[i++];
            size_t v = i;
            if (i < n && q[i] == '"') {
                size_t end = q.find('"', i + 1);
                i = end == std::string::npos ? n : end + 1;
            } else if (i < n && q[i] == '(') {
                for (int depth = 0; i < n;) {
                    depth += q[i] == '(';
                    depth -= q[i] == ')';
                    i++;
                    if (depth == 0) {
                        break;
                    }
                }
            } else {
                while (i < n && q[i] != ' ' && q[i] != ')') {
                    i++;
                }
            }
            out.append(q, v, i - v);
            continue;
        }
        bool skip = i < n && q[i] == '*';
        bool digits = true;
        for (size_t k = 0; k < w.size() && !skip;) {
            size_t l;
            int32_t cp = cp_at(w, k, &l);
            skip = (cp >= 'A' && cp <= 'Z') || dl_is_cjk(cp);
            digits = digits && cp >= '0' && cp <= '9';
            k += l;
        }
        if (skip || digits) {
            continue;
        }
        std::string s = db.get_spelling_suggestion(w);
        if (!s.empty() && s != w) {
            out.replace(out.size() - w.size(), w.size(), s);
            changed = true;
        }
    }
    return changed ? out : std::string();
}

/* Words of the plain fallback when it is worth a phrase boost (2-6 words, no CJK), else {}. */
std::vector<std::string> boost_words(const char *plain)
{
    std::vector<std::string> words;
    for (const char *p = plain; *p;) {
        while (*p == ' ') {
            p++;
        }
        const char *s = p;
        while (*p && *p != ' ') {
            p++;
        }
        if (p > s) {
            words.emplace_back(s, p - s);
        }
    }
    if (words.size() < 2 || words.size() > 6) {
        return {};
    }
    for (const std::string &w : words) {
        for (size_t i = 0; i < w.size();) {
            int32_t cp = 0;
            size_t l = dl_utf8_decode(w.data() + i, w.size() - i, &cp);
            if (l == 0) {
                return {};
            }
            if (dl_is_cjk(cp)) {
                return {}; /* CJK words are n-grams in the index, not positional runs */
            }
            i += l;
        }
    }
    return words;
}

/* The handle's revision, or 0 where there is none (sharded and remote databases). */
Xapian::rev revision_of(struct dl_db *h)
{
    try {
        return h->db().get_revision();
    } catch (const Xapian::Error &) {
        return 0;
    }
}

/* Reopen after DatabaseModifiedError; what the handle remembers is of the old revision. */
void reopen(struct dl_db *h)
{
    h->facets.clear();
    h->cjk.built = false;
    h->db().reopen();
}

void add_part(std::string &key, const char *s)
{
    size_t n = s ? std::strlen(s) : 0;
    key += std::to_string(n);
    key += s ? ':' : '-';
    key.append(s ? s : "", n);
}

/* What the match set depends on: the facet cache's key. */
std::string facet_key(const struct dl_search_params *p)
{
    std::string key;
    for (const char *s : {p->query, p->fallback, p->from, p->to, p->source}) {
        add_part(key, s);
    }
    key += std::to_string(p->max_wildcard) + "/" + std::to_string(p->check_at_least);
    return key;
}

/* Clears the Enquire's match spies when leaving scope, so it never keeps dangling pointers. */
struct spy_guard {
    Xapian::Enquire &enq;
    ~spy_guard()
    {
        try {
            enq.clear_matchspies();
        } catch (...) {
        }
    }
};

/*
 * phrase[i] = whether dids[i] has words[0], words[1], ... at consecutive positions. Each
 * lookup costs about 1.5 block reads (8 KB preads), so a document stops being read at its
 * first missing word. (Reading in docid order made no difference to the reads.)
 */
void find_phrases(Xapian::Database &db, const std::vector<Xapian::docid> &dids,
                  const std::vector<std::string> &words, std::vector<char> &phrase)
{
    size_t n = dids.size();
    std::vector<std::vector<std::vector<Xapian::termpos>>> pos(
        n, std::vector<std::vector<Xapian::termpos>>(words.size()));
    phrase.assign(n, 1);
    for (size_t k = 0; k < words.size(); k++) {
        for (size_t i = 0; i < n; i++) {
            if (!phrase[i]) {
                continue;
            }
            for (Xapian::PositionIterator it = db.positionlist_begin(dids[i], words[k]);
                 it != db.positionlist_end(dids[i], words[k]); ++it) {
                pos[i][k].push_back(*it);
            }
            phrase[i] = !pos[i][k].empty();
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!phrase[i]) {
            continue;
        }
        phrase[i] = 0;
        for (Xapian::termpos p0 : pos[i][0]) {
            size_t k = 1;
            while (k < words.size() &&
                   std::binary_search(pos[i][k].begin(), pos[i][k].end(), p0 + k)) {
                k++;
            }
            if (k == words.size()) {
                phrase[i] = 1;
                break;
            }
        }
    }
}

/* One search attempt; DatabaseModifiedError propagates to dl_db_search() for the retry. */
int search_once(struct dl_db *h, const struct dl_search_params *p, struct dl_results *res,
                struct dl_error *err)
{
    if (!h->qp) {
        build_parser(h);
    }
    Xapian::QueryParser &qp = *h->qp;
    Xapian::Enquire &enq = *h->enq;
    qp.set_max_expansion(p->max_wildcard ? p->max_wildcard : DEFAULT_MAX_WILDCARD,
                         Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT,
                         Xapian::QueryParser::FLAG_WILDCARD | Xapian::QueryParser::FLAG_PARTIAL);

    const char *qs = p->query ? p->query : "";
    bool empty = is_blank(qs);
    std::string used = qs; /* the string finally parsed, for the spelling suggestion */
    std::vector<std::string> boost; /* words whose phrase ranks first, or none */
    Xapian::Query q;
    if (empty) {
        /* Query::MatchAll itself is one static object, and copying it bumps its reference
         * count without atomics: from two threads at once that corrupted the count (ASan saw
         * a use after free in test_reindex). The empty term is what MatchAll is made of. */
        q = Xapian::Query(std::string());
    } else {
        load_cjk_aliases(h, revision_of(h));
        try {
            q = qp.parse_query(expand_cjk_aliases(h->cjk, used), QP_FLAGS);
        } catch (const Xapian::QueryParserError &e) {
            if (is_blank(p->fallback)) {
                return dl_error_set(err, DL_EPARSE, "cannot parse query: %s", e.get_msg().c_str());
            }
            try {
                q = qp.parse_query(p->fallback, QP_FALLBACK_FLAGS);
            } catch (const Xapian::QueryParserError &e2) {
                return dl_error_set(err, DL_EPARSE, "cannot parse query: %s", e2.get_msg().c_str());
            }
            res->relaxed = 1;
            used = p->fallback;
        }
        /* Plain word queries: readouts that have the words as a phrase rank first ("to lam"
         * over "Lam went to ..."); see rerank below. */
        if (!res->relaxed && p->fallback && std::strcmp(qs, p->fallback) == 0) {
            boost = boost_words(p->fallback);
        }
    }

    std::vector<Xapian::Query> filters;
    std::string from = ymd(p->from), to = ymd(p->to);
    if (p->from && from.empty()) {
        return dl_error_set(err, DL_EINVAL, "invalid date '%s': want YYYY-MM-DD", p->from);
    }
    if (p->to && to.empty()) {
        return dl_error_set(err, DL_EINVAL, "invalid date '%s': want YYYY-MM-DD", p->to);
    }
    if (!from.empty() && !to.empty()) {
        filters.emplace_back(Xapian::Query::OP_VALUE_RANGE, DL_SLOT_DATE, from, to);
    } else if (!from.empty()) {
        filters.emplace_back(Xapian::Query::OP_VALUE_GE, DL_SLOT_DATE, from);
    } else if (!to.empty()) {
        filters.emplace_back(Xapian::Query::OP_VALUE_LE, DL_SLOT_DATE, to);
    }
    if (p->source && *p->source) {
        filters.emplace_back(
            bounded_term(DL_PREFIX_SOURCE, slug(p->source, std::strlen(p->source))));
    }
    if (!filters.empty()) {
        q = Xapian::Query(Xapian::Query::OP_FILTER, q,
                          Xapian::Query(Xapian::Query::OP_AND, filters.begin(), filters.end()));
    }

    enq.set_query(q);
    switch (p->sort) {
    case DL_SORT_DATE_DESC:
        /* Undated readouts have an empty value, which sorts below every date. */
        enq.set_sort_by_value_then_relevance(DL_SLOT_DATE, true);
        break;
    case DL_SORT_DATE_ASC:
        enq.set_sort_by_key_then_relevance(&h->asc_key, false);
        break;
    default:
        /* Ties in BM25 are rare; only all-equal weights (match all, or only filters: see
         * below) need an order, the newest first. Fetching the date of every candidate for
         * the tie-break cost a fifth of a search. */
        if (empty) {
            enq.set_sort_by_relevance_then_value(DL_SLOT_DATE, true);
        } else {
            enq.set_sort_by_relevance();
        }
        break;
    }
    enq.set_time_limit(p->time_limit > 0 ? p->time_limit : 0.0);
    enq.clear_matchspies();
    spy_guard guard{enq};
    Xapian::ValueCountMatchSpy years(DL_SLOT_YEAR), sources(DL_SLOT_SOURCE);
    std::string fkey;
    const facet_entry *cached = nullptr;
    if (p->want_facets) {
        fkey = facet_key(p);
        cached = h->facets.get(fkey, revision_of(h));
        if (!cached) {
            enq.add_matchspy(&years);
            enq.add_matchspy(&sources);
        }
    }

    /*
     * The phrase boost: of the first RERANK_WINDOW hits in BM25 order, those with the words
     * as a phrase move ahead of the others (each group keeps its order, and their score gains
     * the top score so that scores still fall). Checking positions for those hits alone,
     * instead of an AND_MAYBE phrase over every candidate, cut a search's CPU by a third.
     * Pages past the window are plain BM25, and the window holds the same hits
     * whichever page is asked for, so paging neither repeats nor skips a hit.
     */
    bool rerank = !boost.empty() && p->sort == DL_SORT_RELEVANCE && p->offset < RERANK_WINDOW;
    Xapian::doccount first = rerank ? 0 : static_cast<Xapian::doccount>(p->offset);
    Xapian::doccount want = static_cast<Xapian::doccount>(p->limit);
    if (rerank) {
        want = std::max<Xapian::doccount>(RERANK_WINDOW, static_cast<Xapian::doccount>(
                                                             p->offset + p->limit));
    }

    double t0 = dl_now();
    /* With the counts known, only the page itself has to be found. */
    Xapian::MSet m = enq.get_mset(first, want,
                                  cached ? 0 : static_cast<Xapian::doccount>(p->check_at_least));
    double elapsed = dl_now() - t0;
    if (p->sort == DL_SORT_RELEVANCE && !empty && m.size() && m.get_max_possible() == 0) {
        /* Only filters ("source:vna"): every weight is 0, so list the newest first, as for an
         * empty query. The spies have counted already: this pass finds the page alone. */
        enq.clear_matchspies();
        enq.set_sort_by_relevance_then_value(DL_SLOT_DATE, true);
        m = enq.get_mset(first, want, Xapian::doccount(0));
    }

    if (cached) {
        res->total = cached->total;
        res->total_exact = 1;
    } else {
        res->total = m.get_matches_estimated();
        res->total_exact = m.get_matches_lower_bound() == m.get_matches_upper_bound();
        res->timed_out = p->time_limit > 0 && elapsed >= p->time_limit && !res->total_exact;
    }

    std::vector<Xapian::doccount> order(m.size());
    std::vector<double> score(m.size());
    for (Xapian::doccount i = 0; i < m.size(); i++) {
        order[i] = i;
        score[i] = m[i].get_weight();
    }
    Xapian::doccount skip = 0; /* entries of m before the page */
    if (rerank) {
        Xapian::doccount w = std::min<Xapian::doccount>(m.size(), RERANK_WINDOW);
        std::vector<Xapian::docid> dids(w);
        for (Xapian::doccount i = 0; i < w; i++) {
            dids[i] = *m[i];
        }
        std::vector<char> phrase;
        find_phrases(h->db(), dids, boost, phrase);
        for (Xapian::doccount i = 0; i < w; i++) {
            if (phrase[i]) {
                score[i] += score[0];
            }
        }
        std::stable_partition(order.begin(), order.begin() + w,
                              [&](Xapian::doccount i) { return phrase[i] != 0; });
        skip = static_cast<Xapian::doccount>(p->offset);
    }

    size_t n = m.size() > skip ? std::min<size_t>(m.size() - skip, p->limit) : 0;
    res->hits = static_cast<struct dl_hit *>(dl_xcalloc(n ? n : 1, sizeof *res->hits));
    for (size_t k = 0; k < n; k++) {
        Xapian::doccount i = order[skip + k];
        struct dl_hit *hit = &res->hits[res->nhits];
        hit->rank = p->offset + k + 1;
        /* The contract reports no weight for date orders, where it does not rank. */
        hit->score = p->sort == DL_SORT_RELEVANCE ? score[i] : 0.0;
        doc_to_readout(h, m[i].get_document(), &hit->doc);
        res->nhits++;
    }

    if (p->want_facets) {
        facet_entry fresh;
        if (!cached) {
            fresh.total = res->total;
            for (Xapian::TermIterator t = years.values_begin(); t != years.values_end(); ++t) {
                fresh.years.emplace_back(*t, t.get_termfreq());
            }
            std::reverse(fresh.years.begin(), fresh.years.end()); /* newest first */
            for (Xapian::TermIterator t = sources.top_values_begin(MAX_SOURCE_FACETS);
                 t != sources.top_values_end(MAX_SOURCE_FACETS); ++t) {
                fresh.sources.emplace_back(*t, t.get_termfreq());
            }
        }
        const facet_entry &f = cached ? *cached : fresh;
        res->years = static_cast<struct dl_facet *>(
            dl_xcalloc(f.years.size() ? f.years.size() : 1, sizeof *res->years));
        for (const auto &y : f.years) {
            res->years[res->nyears++] = {xdup(y.first), y.second};
        }
        res->sources = static_cast<struct dl_facet *>(
            dl_xcalloc(f.sources.size() ? f.sources.size() : 1, sizeof *res->sources));
        for (const auto &src : f.sources) {
            res->sources[res->nsources++] = {xdup(src.first), src.second};
        }
        if (!cached && res->total_exact && !res->timed_out) {
            h->facets.put(fkey, std::move(fresh));
        }
    }

    std::vector<std::string> terms(q.get_unique_terms_begin(), q.get_unique_terms_end());
    for (const std::string &w : boost) { /* the phrase's words rank too: mark them as typed */
        if (std::find(terms.begin(), terms.end(), w) == terms.end()) {
            terms.push_back(w);
        }
    }
    res->terms = static_cast<char **>(dl_xcalloc(terms.size() ? terms.size() : 1, sizeof(char *)));
    for (const std::string &t : terms) {
        if (!t.empty()) { /* MatchAll is the empty term: nothing to highlight */
            res->terms[res->nterms++] = xdup(t);
        }
    }
    res->parsed = xdup(q.get_description());

    if (res->total == 0 && !empty) {
        /* Only now: Xapian also "corrects" words that exist (notes §5). */
        std::string c = spelling_suggestion(h->db(), used);
        if (!c.empty()) {
            res->suggestion = xdup(c);
        }
    }
    return DL_OK;
}

int get_once(struct dl_db *h, const char *id, struct dl_readout *r, struct dl_error *err)
{
    Xapian::Database &db = h->db();
    Xapian::docid did = find_id(db, id);
    if (!did) {
        return dl_error_set(err, DL_ENOTFOUND, "no readout with id '%s'", id);
    }
    doc_to_readout(h, db.get_document(did), r);
    return DL_OK;
}

int need_writer(struct dl_db *h, const char *what, struct dl_error *err)
{
    if (!h || !h->writer) {
        return dl_error_set(err, DL_EINVAL, "cannot %s: index not opened for writing", what);
    }
    return DL_OK;
}

} // namespace

/* ---- opening ---- */

extern "C" int dl_db_open_write(struct dl_db **out, const char *path, struct dl_error *err)
{
    *out = nullptr;
    struct dl_db *h = nullptr;
    try {
        h = new dl_db;
        h->writer = true;
        h->path = path;
        h->wdb = Xapian::WritableDatabase(path, Xapian::DB_CREATE_OR_OPEN);
        std::string schema = h->wdb.get_metadata(DL_META_SCHEMA);
        if (!schema.empty() && schema != DL_SCHEMA_VERSION) {
            int rc = dl_error_set(err, DL_EINVAL,
                                  "cannot open index '%s' for writing: it has schema %s, this "
                                  "program writes %s (rebuild it)",
                                  path, schema.c_str(), DL_SCHEMA_VERSION);
            h->wdb.close();
            delete h;
            return rc;
        }
        /* Every change goes into one transaction, so nothing reaches readers (or the disk
         * as a revision) before dl_db_commit(); free without commit discards it. */
        h->wdb.begin_transaction(true);
        h->in_txn = true;
        if (schema.empty()) {
            h->wdb.set_metadata(DL_META_SCHEMA, DL_SCHEMA_VERSION);
        }
        *out = h;
        return DL_OK;
    } catch (...) {
        int rc = map_error(err, path);
        delete h;
        return rc;
    }
}

extern "C" int dl_db_open_read(struct dl_db **out, const char *path, struct dl_error *err)
{
    *out = nullptr;
    struct dl_db *h = nullptr;
    try {
        h = new dl_db;
        h->path = path;
        h->rdb = Xapian::Database(path);
        *out = h;
        return DL_OK;
    } catch (...) {
        int rc = map_error(err, path);
        delete h;
        return rc;
    }
}

extern "C" void dl_db_free(struct dl_db *h)
{
    if (!h) {
        return;
    }
    try {
        if (h->writer) {
            if (h->in_txn) {
                h->in_txn = false;
                h->wdb.cancel_transaction(); /* discard: never commit behind the caller */
            }
            h->wdb.close();
        } else {
            h->rdb.close();
        }
    } catch (...) {
        struct dl_error e = DL_ERROR_INIT;
        map_error(&e, h->path);
        dl_log(DL_LOG_WARN, "closing index '%s': %s", h->path.c_str(), e.msg);
    }
    try {
        delete h;
    } catch (...) {
    }
}

extern "C" int dl_db_reopen(struct dl_db *h, int *changed, struct dl_error *err)
{
    try {
        bool moved = h->db().reopen();
        if (moved) {
            h->facets.clear();
            h->cjk.built = false;
        }
        if (changed) {
            *changed = moved ? 1 : 0;
        }
        return DL_OK;
    } catch (...) {
        return map_error(err, h->path);
    }
}

extern "C" unsigned long dl_db_doccount(struct dl_db *h)
{
    try {
        return h->db().get_doccount();
    } catch (...) {
        return 0;
    }
}

extern "C" unsigned long dl_db_revision(struct dl_db *h)
{
    try {
        return h->db().get_revision(); /* throws for sharded and remote databases */
    } catch (...) {
        return 0;
    }
}

/* ---- writing ---- */

extern "C" int dl_db_set_aliases(struct dl_db *h, const struct dl_aliases *a, const char *text,
                                 size_t len, int *written, struct dl_error *err)
{
    if (written) {
        *written = 0;
    }
    int rc = need_writer(h, "store aliases", err);
    if (rc) {
        return rc;
    }
    try {
        h->aliases = a;
        std::string table = text ? std::string(text, len) : std::string();
        if (h->wdb.get_metadata(DL_META_ALIASES) == table) {
            /* Stored with its synonyms by an earlier commit. Writing them again would
             * rewrite the synonym table at every commit, and a reader that meets two
             * such commits inside QueryParser::parse_query() gets a
             * DatabaseModifiedError there, which leaks in Xapian 1.4.22. */
            return DL_OK;
        }
        std::vector<std::string> keys(h->wdb.synonym_keys_begin(), h->wdb.synonym_keys_end());
        for (const std::string &k : keys) {
            h->wdb.clear_synonyms(k);
        }
        size_t ngroups = a ? dl_aliases_ngroups(a) : 0;
        for (size_t g = 0; g < ngroups; g++) {
            std::string term = dl_aliases_group_term(a, g);
            for (size_t f = 0; f < dl_aliases_nforms(a, g); f++) {
                std::string form = dl_aliases_form(a, g, f);
                h->wdb.add_synonym(form, term);
                /* title:FORM looks the key up with the field's prefix */
                h->wdb.add_synonym(DL_PREFIX_TITLE + form, DL_PREFIX_TITLE + term);
            }
        }
        h->wdb.set_metadata(DL_META_ALIASES, table);
        if (written) {
            *written = 1;
        }
        return DL_OK;
    } catch (...) {
        return map_error(err, h->path);
    }
}

extern "C" void dl_db_set_spelling(struct dl_db *h, int on)
{
    if (h) {
        h->spelling = on != 0;
    }
}

extern "C" int dl_db_put(struct dl_db *h, const struct dl_readout *r, const char *origin,
                         const char *hash, struct dl_error *err)
{
    int rc = need_writer(h, "add a readout", err);
    if (rc) {
        return rc;
    }
    if (!r->id || !*r->id) {
        return dl_error_set(err, DL_EINVAL, "cannot add a readout without an id");
    }
    try {
        Xapian::Document doc;
        std::unordered_set<std::string> words;
        Xapian::termpos pos = 0;
        tokenize(r->title, h->title_toks);
        tokenize(r->body, h->body_toks);
        index_tokens(h, doc, h->title_toks, true, pos, words);
        pos += TITLE_GAP;
        index_tokens(h, doc, h->body_toks, false, pos, words);
        /* The dateline and the source are searchable words too: "ha noi" must find a readout
         * whose only mention of Hà Nội is its "HÀ NỘI —" dateline. */
        for (const char *meta : {r->dateline, r->source}) {
            if (meta && *meta) {
                pos += TITLE_GAP;
                tokenize(meta, h->title_toks);
                index_tokens(h, doc, h->title_toks, false, pos, words);
            }
        }

        std::string idterm = bounded_term(DL_PREFIX_ID, r->id);
        doc.add_boolean_term(idterm);
        if (r->source && *r->source) {
            std::string s = slug(r->source, std::strlen(r->source));
            if (!s.empty()) {
                doc.add_boolean_term(bounded_term(DL_PREFIX_SOURCE, s));
            }
            doc.add_value(DL_SLOT_SOURCE, r->source);
        }
        if (r->dateline && *r->dateline) {
            size_t n = std::strcspn(r->dateline, ",(");
            std::string s = slug(r->dateline, n);
            if (!s.empty()) {
                doc.add_boolean_term(bounded_term(DL_PREFIX_DATELINE, s));
            }
        }
        std::string date = ymd(r->date);
        if (!date.empty()) {
            doc.add_value(DL_SLOT_DATE, date);
            doc.add_value(DL_SLOT_YEAR, date.substr(0, 4));
            doc.add_boolean_term(DL_PREFIX_YEAR + date.substr(0, 4));
        }
        if (origin && *origin) {
            doc.add_boolean_term(origin_term(origin));
        }
        if (hash && *hash) {
            doc.add_value(DL_SLOT_HASH, hash);
        }
        if (r->body && *r->body) {
            doc.add_value(DL_SLOT_BODY, body_to_value(h, r->body, std::strlen(r->body)));
        }

        std::string data;
        const char *fields[DL_DATA_NFIELDS] = {r->id,  r->title, r->date, r->dateline, r->source,
                                               r->url, r->lang,  nullptr /* in DL_SLOT_BODY */};
        for (const char *f : fields) {
            if (f) {
                data += f;
            }
            data += '\0';
        }
        doc.set_data(data);

        for (const std::string &w : words) {
            h->spell_pending[w]++;
        }
        h->wdb.replace_document(idterm, doc);
        return DL_OK;
    } catch (...) {
        return map_error(err, h->path);
    }
}

extern "C" int dl_db_delete(struct dl_db *h, const char *id, struct dl_error *err)
{
    int rc = need_writer(h, "delete a readout", err);
    if (rc) {
        return rc;
    }
    try {
        std::string term = bounded_term(DL_PREFIX_ID, id);
        if (!h->wdb.term_exists(term)) {
            return dl_error_set(err, DL_ENOTFOUND, "cannot delete '%s': no such readout", id);
        }
        h->wdb.delete_document(term);
        return DL_OK;
    } catch (...) {
        return map_error(err, h->path);
    }
}

extern "C" int dl_db_get_hash(struct dl_db *h, const char *id, struct dl_buf *out,
                              struct dl_error *err)
{
    try {
        Xapian::Database &db = h->db();
        Xapian::docid did = find_id(db, id);
        if (!did) {
            return dl_error_set(err, DL_ENOTFOUND, "no readout with id '%s'", id);
        }
        std::string v = db.get_document(did).get_value(DL_SLOT_HASH);
        dl_buf_reset(out);
        dl_buf_add(out, v.data(), v.size());
        return DL_OK;
    } catch (...) {
        return map_error(err, h->path);
    }
}

extern "C" int dl_db_origin_ids(struct dl_db *h, const char *origin, dl_id_fn cb, void *ctx,
                                struct dl_error *err)
{
    std::vector<std::string> ids;
    try {
        /* Collect first: the callback may delete documents, which must not happen
         * while a posting list of the same database is being walked. */
        Xapian::Database &db = h->db();
        std::string term = origin_term(origin);
        for (Xapian::PostingIterator it = db.postlist_begin(term); it != db.postlist_end(term);
             ++it) {
            ids.push_back(data_id(db.get_document(*it).get_data()));
        }
    } catch (...) {
        return map_error(err, h->path);
    }
    for (const std::string &id : ids) {
        int rc = cb(ctx, id.c_str());
        if (rc) {
            return rc;
        }
    }
    return DL_OK;
}

extern "C" int dl_db_commit(struct dl_db *h, struct dl_error *err)
{
    int rc = need_writer(h, "commit", err);
    if (rc) {
        return rc;
    }
    try {
        for (const auto &w : h->spell_pending) {
            h->wdb.add_spelling(w.first, w.second);
        }
        h->spell_pending.clear();
        if (h->in_txn) {
            h->in_txn = false;
            h->wdb.commit_transaction();
        }
        h->wdb.begin_transaction(true);
        h->in_txn = true;
        return DL_OK;
    } catch (...) {
        return map_error(err, h->path);
    }
}

/* ---- reading ---- */

extern "C" int dl_db_get_meta(struct dl_db *h, const char *key, struct dl_buf *out,
                              struct dl_error *err)
{
    try {
        std::string v;
        try {
            v = h->db().get_metadata(key);
        } catch (const Xapian::UnimplementedError &) {
            /* remote backends keep no user metadata: same as none */
        }
        dl_buf_reset(out);
        dl_buf_add(out, v.data(), v.size());
        return DL_OK;
    } catch (...) {
        return map_error(err, h->path);
    }
}

extern "C" int dl_db_get(struct dl_db *h, const char *id, struct dl_readout *r,
                         struct dl_error *err)
{
    try {
        try {
            return get_once(h, id, r, err);
        } catch (const Xapian::DatabaseModifiedError &) {
            reopen(h);
            return get_once(h, id, r, err);
        }
    } catch (...) {
        return map_error(err, h->path);
    }
}

extern "C" int dl_db_search(struct dl_db *h, const struct dl_search_params *p,
                            struct dl_results *res, struct dl_error *err)
{
    try {
        try {
            int rc = search_once(h, p, res, err);
            if (rc) {
                dl_results_release(res);
            }
            return rc;
        } catch (const Xapian::DatabaseModifiedError &) {
            /* A writer committed twice since our snapshot: rerun the whole search
             * on the new revision (hits of the old one may be gone). */
            dl_results_release(res);
            reopen(h);
            int rc = search_once(h, p, res, err);
            if (rc) {
                dl_results_release(res);
            }
            return rc;
        }
    } catch (...) {
        dl_results_release(res);
        return map_error(err, h->path);
    }
}

extern "C" void dl_results_release(struct dl_results *res)
{
    if (!res) {
        return;
    }
    for (size_t i = 0; i < res->nhits; i++) {
        dl_readout_release(&res->hits[i].doc);
    }
    std::free(res->hits);
    for (size_t i = 0; i < res->nyears; i++) {
        std::free(res->years[i].value);
    }
    std::free(res->years);
    for (size_t i = 0; i < res->nsources; i++) {
        std::free(res->sources[i].value);
    }
    std::free(res->sources);
    for (size_t i = 0; i < res->nterms; i++) {
        std::free(res->terms[i]);
    }
    std::free(res->terms);
    std::free(res->suggestion);
    std::free(res->parsed);
    std::memset(res, 0, sizeof *res);
}

/* ---- text helpers ---- */

extern "C" void dl_stem(const char *w, size_t n, struct dl_buf *out)
{
    dl_buf_reset(out);
    try {
        thread_local Xapian::Stem stemmer("en");
        std::string s = stemmer(std::string(w, n));
        dl_buf_add(out, s.data(), s.size());
    } catch (...) {
        dl_buf_add(out, w, n); /* no stem is better than no word */
    }
}

extern "C" int dl_db_compact(const char *const *srcs, size_t n, const char *dest,
                             struct dl_error *err)
{
    std::string where = dest ? dest : "";
    try {
        if (n == 0) {
            return dl_error_set(err, DL_EINVAL, "cannot merge: no source database");
        }
        Xapian::Database all;
        for (size_t i = 0; i < n; i++) {
            where = srcs[i];
            all.add_database(Xapian::Database(srcs[i]));
        }
        where = dest;
        /* STANDARD, not FULLER: the result is updated by later runs. */
        all.compact(dest, Xapian::Compactor::STANDARD);
        return DL_OK;
    } catch (...) {
        return map_error(err, where);
    }
}
