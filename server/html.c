/*
 * html.c - the server-rendered pages: /, /search, /doc/ID and error pages.
 *
 * The pages work without JavaScript and in text browsers: plain forms and
 * links, no inline script or style (the Content-Security-Policy forbids
 * them), CSS from /static/style.css. Every piece of client input and of
 * stored text is written with dl_buf_add_html (attributes always quoted);
 * the only HTML not escaped here comes from the highlighter, which escapes
 * the text itself and adds nothing but <mark> elements.
 */
#include "dateline/html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/accounts.h"
#include "dateline/db.h"
#include "dateline/kind.h"
#include "dateline/pagelink.h"
#include "dateline/schema.h"
#include "dateline/search.h"
#include "dateline/searcher.h"
#include "dateline/timeline.h"
#include "dateline/worker.h"

#define TITLE "dateline"

/* --- small writers ------------------------------------------------------------- */

static void esc(struct dl_buf *b, const char *s)
{
    if (s) {
        dl_buf_add_html(b, s, strlen(s));
    }
}

static void add_count(struct dl_buf *b, unsigned long n)
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%lu", n);
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0) {
            dl_buf_addc(b, ',');
        }
        dl_buf_addc(b, digits[i]);
    }
}

static void add_ms(struct dl_buf *b, double ms)
{
    dl_buf_addf(b, ms < 10 ? "%.1f ms" : "%.0f ms", ms);
}

/* "2026-02-09" as <time datetime="2026-02-09">9 February 2026</time>. */
static void add_date(struct dl_buf *b, const char *date)
{
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    int y, m, d;
    char tail;
    if (date && strlen(date) == 10 && sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 &&
        m >= 1 && m <= 12 && d >= 1 && d <= 31) {
        dl_buf_addf(b, "<time datetime=\"%04d-%02d-%02d\">%d %s %d</time>", y, m, d, d,
                    months[m - 1], y);
    } else {
        esc(b, date);
    }
}

/* Is `lang` a plausible BCP 47 tag ("en", "vi", "zh-Hans")? Only then is it an attribute. */
static int lang_ok(const char *lang)
{
    size_t n = lang ? strlen(lang) : 0;
    if (n < 2 || n > 35) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = lang[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              (c == '-' && i > 0))) {
            return 0;
        }
    }
    return 1;
}

/* --- page frame -------------------------------------------------------------------- */

/* The head up to its end, which page_body() writes: a page may add to the head between. */
static void page_head(struct dl_buf *b, const char *title, size_t tlen, const char *suffix)
{
    dl_buf_grow(b, 8192);
    dl_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<title>");
    if (tlen) {
        dl_buf_add_html(b, title, tlen);
        dl_buf_adds(b, " – ");
    }
    dl_buf_adds(b, suffix);
    dl_buf_adds(b, "</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\">\n"
                   "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">\n"
                   "<script src=\"/static/app.js\" defer></script>\n");
}

static void page_body(struct dl_buf *b)
{
    dl_buf_adds(b, "</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to content</a>\n");
}

static void page_begin(struct dl_buf *b, const char *title, size_t tlen, const char *suffix)
{
    page_head(b, title, tlen, suffix);
    page_body(b);
}

static void page_end(struct dl_buf *b)
{
    dl_buf_adds(b, "<footer class=\"foot\"><p>dateline " DL_VERSION
                   " · full-text search of diplomatic readouts · "
                   "<a href=\"/\">search tips</a></p></footer>\n</body>\n</html>\n");
}

static void option(struct dl_buf *b, const char *value, const char *label, int selected)
{
    dl_buf_addf(b, "<option value=\"%s\"%s>%s</option>", value, selected ? " selected" : "", label);
}

/*
 * The filters of the search that have no field of their own (person=, country=, org=,
 * kind=...), as ticked boxes: a search from the form keeps them, and unticking one drops it
 * (the facets have links that do the same).
 */
static void filter_boxes(struct dl_buf *b, const struct dl_search *s)
{
    const struct dl_link cur = dl_link_of(s);
    int any = 0;
    for (size_t i = 0; i < cur.np; i++) {
        const struct dl_link_param *p = &cur.p[i];
        if (strcmp(p->key, "from") == 0 || strcmp(p->key, "to") == 0 ||
            strcmp(p->key, "source") == 0) {
            continue;
        }
        if (!any) {
            dl_buf_adds(b, "<fieldset class=\"entities\"><legend>Filtered by</legend>\n");
            any = 1;
        }
        dl_buf_addf(b, "<label><input type=\"checkbox\" name=\"%s\" value=\"", p->key);
        dl_buf_add_html(b, p->val, p->len);
        dl_buf_adds(b, "\" checked> ");
        dl_buf_add_html(b, p->val, p->len);
        dl_buf_addf(b, " <span class=\"type\">(%s)</span></label>\n", p->key);
    }
    if (any) {
        dl_buf_adds(b, "</fieldset>\n");
    }
}

/*
 * The search form. `s` gives the current values (NULL on the home page,
 * where the filters start closed and the box is focused).
 */
static void search_form(struct dl_buf *b, const struct dl_search *s, int home)
{
    int filtered =
        s && (s->from[0] || s->to[0] || s->source || s->nentities || s->nkinds || s->sort_given);
    dl_buf_adds(b, home ? "<form class=\"search home\" role=\"search\" action=\"/search\" "
                          "method=\"get\">\n"
                        : "<form class=\"search\" role=\"search\" action=\"/search\" "
                          "method=\"get\">\n");
    dl_buf_adds(b, "<label for=\"q\">Search readouts</label>\n<div class=\"row\">"
                   "<input id=\"q\" name=\"q\" type=\"search\" maxlength=\"1000\" "
                   "autocomplete=\"off\" spellcheck=\"false\" value=\"");
    if (s) {
        dl_buf_add_html(b, s->q, s->qlen);
    }
    dl_buf_adds(b, "\"");
    if (home || !s || !s->qlen) {
        dl_buf_adds(b, " autofocus");
    }
    dl_buf_adds(b, "> <button type=\"submit\">Search</button></div>\n");
    dl_buf_adds(b, filtered ? "<details class=\"filters\" open>" : "<details class=\"filters\">");
    dl_buf_adds(b, "<summary>Filters and order</summary>\n<div class=\"fields\">"
                   "<p><label for=\"from\">From</label> <input id=\"from\" name=\"from\" "
                   "type=\"date\" placeholder=\"YYYY-MM-DD\" value=\"");
    if (s) {
        esc(b, s->from);
    }
    dl_buf_adds(b, "\"></p>\n<p><label for=\"to\">To</label> <input id=\"to\" name=\"to\" "
                   "type=\"date\" placeholder=\"YYYY-MM-DD\" value=\"");
    if (s) {
        esc(b, s->to);
    }
    dl_buf_adds(b, "\"></p>\n<p><label for=\"source\">Source</label> <input id=\"source\" "
                   "name=\"source\" type=\"text\" placeholder=\"e.g. VNA/VNS\" value=\"");
    if (s) {
        esc(b, s->source);
    }
    dl_buf_adds(b, "\"></p>\n");
    if (s) {
        filter_boxes(b, s);
    }
    dl_buf_adds(b, "<p><label for=\"sort\">Order</label> <select id=\"sort\" "
                   "name=\"sort\">");
    int cur = s && s->sort_given ? (int)s->sort : -1; /* -1: the default order */
    option(b, "", "Best match (newest if no words)", !s || !s->sort_given);
    option(b, "relevance", "Relevance", cur == (int)DL_SORT_RELEVANCE);
    option(b, "date", "Newest first", cur == (int)DL_SORT_DATE_DESC);
    option(b, "-date", "Oldest first", cur == (int)DL_SORT_DATE_ASC);
    dl_buf_adds(b, "</select></p>\n</div></details>\n</form>\n");
}

static void top_bar(struct dl_buf *b, const struct dl_search *s)
{
    dl_buf_adds(b, "<header class=\"top\"><a class=\"brand\" href=\"/\">" TITLE "</a>\n");
    search_form(b, s, 0);
    dl_buf_adds(b, "</header>\n");
}

/* --- / ----------------------------------------------------------------------------- */

int dl_page_home(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err)
{
    struct dl_buf *b = &rep->body;
    unsigned long docs = 0;
    int rc = dl_db_doccount(dl_searcher_db(rq->w->searcher), &docs, err);
    if (rc != DL_OK) {
        return rc;
    }
    rep->type = "text/html; charset=utf-8";
    page_begin(b, "", 0, TITLE " – search diplomatic readouts");
    dl_buf_adds(b, "<main id=\"main\" class=\"home\">\n<h1 class=\"brand-big\">" TITLE "</h1>\n"
                   "<p class=\"lede\">Search ");
    add_count(b, docs);
    dl_buf_adds(b, " diplomatic readouts, whichever way names are typed: "
                   "<q>to lam</q> finds <q>Tô Lâm</q>.</p>\n");
    search_form(b, NULL, 1);
    dl_buf_adds(
        b, "<section class=\"tips\" aria-labelledby=\"tips\">\n<h2 id=\"tips\">Search tips</h2>\n"
           "<dl>\n"
           "<dt><code>ha noi</code></dt><dd>every word must appear; accents and case do not "
           "matter</dd>\n"
           "<dt><code>\"comprehensive strategic partnership\"</code></dt><dd>an exact phrase</dd>\n"
           "<dt><code>strateg*</code></dt><dd>words starting with <q>strateg</q></dd>\n"
           "<dt><code>trade OR investment</code>, <code>trade -tariff</code></dt><dd>either word; "
           "without a word</dd>\n"
           "<dt><code>title:visit</code></dt><dd>a word in the title</dd>\n"
           "<dt><code>source:vna</code></dt><dd>one source (also <q>VNA/VNS</q>)</dd>\n"
           "<dt><code>date:2026-01-01..2026-02-28</code></dt><dd>a date range</dd>\n"
           "</dl>\n<p><a href=\"/search?q=\">Browse the newest readouts</a></p>\n</section>\n"
           "</main>\n");
    page_end(b);
    return DL_OK;
}

/* --- /search ------------------------------------------------------------------------ */

/*
 * The facets of the /search page, in the order shown: each value is a link that filters the
 * current search by it, the value filtered on is shown as current, and "All ..." drops the
 * filter. A facet with a plain parameter (`key`) sets it to the value; the year sets the
 * from/to range of the year. An entity facet's parameter is repeatable (every filter must
 * hold): a value adds one more filter, and each current one has its own link that removes
 * it; its values compare with the filters through the alias table, so the filter
 * person=to+lam makes "Tô Lâm" current. One more facet is one more line here.
 */
struct facet_view {
    enum dl_facet_kind kind;
    const char *title;     /* its heading */
    const char *all;       /* the link that drops its filter */
    const char *key;       /* the parameter a value sets, or NULL for the year's from/to */
    enum dl_entity entity; /* an entity facet, or DL_ENTITY_NONE */
};

static const struct facet_view facet_views[] = {
    {DL_FACET_YEAR, "Year", "All years", NULL, DL_ENTITY_NONE},
    {DL_FACET_SOURCE, "Source", "All sources", "source", DL_ENTITY_NONE},
    {DL_FACET_KIND, "Kind", "All kinds", "kind", DL_ENTITY_NONE},
    {DL_FACET_PEOPLE, "People", "All people", "person", DL_ENTITY_PERSON},
    {DL_FACET_COUNTRIES, "Countries", "All countries", "country", DL_ENTITY_COUNTRY},
    {DL_FACET_ORGS, "Organisations", "All organisations", "org", DL_ENTITY_ORG},
};
#define NFACET_VIEWS (sizeof facet_views / sizeof facet_views[0])

/* What the parts of the /search page share. */
struct view {
    const struct dl_search *s;
    struct dl_link cur;               /* dl_link_of(s) */
    const struct dl_aliases *aliases; /* the index revision's, or NULL */
};

/* Is the search filtered by this facet? */
static int facet_active(const struct facet_view *fv, const struct dl_link *cur)
{
    for (size_t i = 0; i < cur->np; i++) {
        const char *k = cur->p[i].key;
        if (fv->key ? strcmp(k, fv->key) == 0 : strcmp(k, "from") == 0 || strcmp(k, "to") == 0) {
            return 1;
        }
    }
    return 0;
}

/* Is key=v[0..len) one of the link's filters? */
static int link_has(const struct dl_link *l, const char *key, const char *v, size_t len)
{
    for (size_t i = 0; i < l->np; i++) {
        const struct dl_link_param *p = &l->p[i];
        if (strcmp(p->key, key) == 0 && p->len == len && memcmp(p->val, v, len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The group of the alias table that name[0..len) names as an entity of type t, or -1. */
static long entity_group(const struct view *w, enum dl_entity t, const char *name, size_t len)
{
    return w->aliases ? dl_aliases_lookup(w->aliases, t, name, len) : -1;
}

/* Does filter p of the current search select value v[0..len) of the facet? The same text,
 * or for an entity facet two forms of one entity. */
static int facet_selects(const struct view *w, const struct facet_view *fv,
                         const struct dl_link_param *p, const char *v, size_t len)
{
    if (!fv->key || strcmp(p->key, fv->key) != 0) {
        return 0;
    }
    if (p->len == len && memcmp(p->val, v, len) == 0) {
        return 1;
    }
    if (fv->entity == DL_ENTITY_NONE) {
        return 0;
    }
    long g = entity_group(w, fv->entity, v, len);
    return g >= 0 && g == entity_group(w, fv->entity, p->val, p->len);
}

/* A year facet's from/to ("2026-01-01", "2026-12-31") for value y. */
struct year_range {
    char from[11], to[11];
};

static struct year_range year_range(const char *y)
{
    struct year_range r;
    snprintf(r.from, sizeof r.from, "%.4s-01-01", y);
    snprintf(r.to, sizeof r.to, "%.4s-12-31", y);
    return r;
}

/* Is value v[0..len) the facet's current filter? */
static int facet_current(const struct view *w, const struct facet_view *fv, const char *v,
                         size_t len)
{
    if (!fv->key) {
        struct year_range r = year_range(v);
        return link_has(&w->cur, "from", r.from, 10) && link_has(&w->cur, "to", r.to, 10);
    }
    for (size_t i = 0; i < w->cur.np; i++) {
        if (facet_selects(w, fv, &w->cur.p[i], v, len)) {
            return 1;
        }
    }
    return 0;
}

/* The link without the facet's filter. */
static void facet_drop(const struct facet_view *fv, struct dl_link *l)
{
    if (fv->key) {
        dl_link_drop(l, fv->key, NULL, 0);
    } else {
        dl_link_drop(l, "from", NULL, 0);
        dl_link_drop(l, "to", NULL, 0);
    }
}

/*
 * Into l, the link that filters by value v[0..len): the facet's filter replaced, or for an
 * entity facet one more. Returns 0 when the search already has as many entity filters as it may
 * (the value is then shown without a link). `yr` holds the year's dates that l borrows.
 */
static int facet_link(const struct view *w, const struct facet_view *fv, const char *v, size_t len,
                      struct year_range *yr, struct dl_link *l)
{
    *l = w->cur;
    if (!fv->key) {
        *yr = year_range(v);
        dl_link_set(l, "from", yr->from, 10);
        dl_link_set(l, "to", yr->to, 10);
    } else if (fv->entity == DL_ENTITY_NONE) {
        dl_link_set(l, fv->key, v, len);
    } else if (w->s->nentities < DL_MAX_ENTITY_FILTERS) {
        dl_link_add(l, fv->key, v, len);
    } else {
        return 0;
    }
    return 1;
}

/* " ×", a link that removes the entity filters of the facet that select name[0..len), the
 * filter shown as `label`. */
static void remove_link(struct dl_buf *b, const struct view *w, const struct facet_view *fv,
                        const char *name, size_t len, const char *label, size_t llen)
{
    struct dl_link l = w->cur;
    size_t k = 0;
    for (size_t i = 0; i < l.np; i++) {
        if (!facet_selects(w, fv, &l.p[i], name, len)) {
            l.p[k++] = l.p[i];
        }
    }
    l.np = k;
    dl_buf_adds(b, " <a class=\"remove\" href=\"");
    dl_link_write(b, &l);
    dl_buf_adds(b, "\" title=\"Remove this filter\" aria-label=\"Remove the filter ");
    dl_buf_add_html(b, label, llen);
    dl_buf_adds(b, "\">×</a>");
}

/* An entity filter that none of the facet's values shows (a name no match has, beyond the
 * values listed, unknown): current, with its removal link, under the name the table gives
 * it. */
static void facet_other_filters(struct dl_buf *b, const struct view *w, const struct facet_view *fv)
{
    const struct dl_facet_list *fl = &w->s->res.facets[fv->kind];
    for (size_t i = 0; i < w->cur.np; i++) {
        const struct dl_link_param *p = &w->cur.p[i];
        int listed = 0, again = 0;
        if (strcmp(p->key, fv->key) != 0) {
            continue;
        }
        for (size_t j = 0; j < fl->n && !listed; j++) {
            const char *v = fl->v[j].value ? fl->v[j].value : "";
            listed = facet_selects(w, fv, p, v, strlen(v));
        }
        for (size_t j = 0; j < i && !again; j++) { /* a filter given twice shows once */
            again = facet_selects(w, fv, &w->cur.p[j], p->val, p->len);
        }
        if (listed || again) {
            continue;
        }
        long g = entity_group(w, fv->entity, p->val, p->len);
        const char *name = g >= 0 ? dl_aliases_name(w->aliases, (size_t)g) : NULL;
        const char *label = name ? name : p->val;
        size_t llen = name ? strlen(name) : p->len;
        dl_buf_adds(b, "<li><strong aria-current=\"true\">");
        dl_buf_add_html(b, label, llen);
        dl_buf_adds(b, "</strong>");
        remove_link(b, w, fv, p->val, p->len, label, llen);
        dl_buf_adds(b, "</li>\n");
    }
}

static int facet_shown(const struct view *w, const struct facet_view *fv)
{
    return w->s->res.facets[fv->kind].n || facet_active(fv, &w->cur);
}

/* One facet as a list of links. */
static void facet_list(struct dl_buf *b, const struct view *w, const struct facet_view *fv)
{
    const struct dl_facet_list *fl = &w->s->res.facets[fv->kind];
    if (!facet_shown(w, fv)) {
        return;
    }
    dl_buf_addf(b, "<section class=\"facet\"><h2>%s</h2>\n<ul>\n", fv->title);
    if (facet_active(fv, &w->cur)) {
        struct dl_link l = w->cur;
        facet_drop(fv, &l);
        dl_buf_adds(b, "<li><a href=\"");
        dl_link_write(b, &l);
        dl_buf_addf(b, "\">%s</a></li>\n", fv->all);
    }
    if (fv->entity != DL_ENTITY_NONE) {
        facet_other_filters(b, w, fv);
    }
    for (size_t i = 0; i < fl->n; i++) {
        const char *v = fl->v[i].value ? fl->v[i].value : "";
        struct year_range yr;
        struct dl_link l;
        size_t len = strlen(v);
        if (!fv->key && (len != 4 || strspn(v, "0123456789") != 4)) {
            continue;
        }
        int current = facet_current(w, fv, v, len);
        if (current) {
            dl_buf_adds(b, "<li><strong aria-current=\"true\">");
            esc(b, v);
            dl_buf_adds(b, "</strong>");
        } else if (facet_link(w, fv, v, len, &yr, &l)) {
            dl_buf_adds(b, "<li><a href=\"");
            dl_link_write(b, &l);
            dl_buf_adds(b, "\">");
            esc(b, v);
            dl_buf_adds(b, "</a>");
        } else {
            dl_buf_adds(b, "<li>");
            esc(b, v);
        }
        dl_buf_adds(b, " <span class=\"count\">");
        add_count(b, fl->v[i].count);
        dl_buf_adds(b, "</span>");
        if (current && fv->entity != DL_ENTITY_NONE) {
            remove_link(b, w, fv, v, len, v, len);
        }
        dl_buf_adds(b, "</li>\n");
    }
    dl_buf_adds(b, "</ul></section>\n");
}

#define HIT_MAX_NAMES 6 /* names of one type shown under a hit (its page lists them all) */

/*
 * The entities a hit names, one type after the other ("People: Tô Lâm, Xi Jinping ·
 * Countries: ..."), each a link that adds it to the search's filters like its facet's values
 * (one already filtered on is plain text).
 */
static void hit_entities(struct dl_buf *b, const struct view *w, const struct dl_found *f)
{
    int any = 0;
    for (size_t k = 0; k < NFACET_VIEWS; k++) {
        const struct facet_view *fv = &facet_views[k];
        const char *names = fv->entity != DL_ENTITY_NONE ? f->names[fv->entity] : NULL;
        if (!names || !names[0]) {
            continue;
        }
        dl_buf_adds(b, any ? " <span class=\"sep\">·</span> " : "<p class=\"tags\">");
        dl_buf_addf(b, "<span class=\"tagtype\">%s:</span> ", fv->title);
        any = 1;
        size_t shown = 0, more = 0;
        for (const char *p = names; *p;) {
            const char *e = strstr(p, DL_LIST_SEP);
            size_t len = e ? (size_t)(e - p) : strlen(p);
            struct year_range yr;
            struct dl_link l;
            if (shown == HIT_MAX_NAMES) {
                more++;
            } else if (facet_current(w, fv, p, len) || !facet_link(w, fv, p, len, &yr, &l)) {
                dl_buf_adds(b, shown++ ? ", <span class=\"current\">" : "<span class=\"current\">");
                dl_buf_add_html(b, p, len);
                dl_buf_adds(b, "</span>");
            } else {
                dl_buf_adds(b, shown++ ? ", <a href=\"" : "<a href=\"");
                dl_link_write(b, &l);
                dl_buf_adds(b, "\">");
                dl_buf_add_html(b, p, len);
                dl_buf_adds(b, "</a>");
            }
            p = e ? e + strlen(DL_LIST_SEP) : p + len;
        }
        if (more) {
            dl_buf_addf(b, " and %zu more", more);
        }
    }
    if (any) {
        dl_buf_adds(b, "</p>\n");
    }
}

static void hit_item(struct dl_buf *b, const struct view *w, const struct dl_hit *h,
                     struct dl_buf *scratch)
{
    const struct dl_search *s = w->s;
    const struct dl_readout *d = &h->doc;
    const char *body = d->body ? d->body : "";
    dl_buf_adds(b, "<li class=\"hit\"><h2><a href=\"/doc/");
    dl_link_id_path(b, d->id ? d->id : "");
    if (dl_search_has_query(s)) {
        dl_buf_adds(b, "?q=");
        dl_buf_add_url(b, s->q, s->qlen);
    }
    dl_buf_adds(b, "\">");
    esc(b, d->title ? d->title : d->id);
    dl_buf_adds(b, "</a></h2>\n<p class=\"meta\">");
    int sep = 0;
    if (d->date) {
        add_date(b, d->date);
        sep = 1;
    }
    if (d->dateline) {
        dl_buf_adds(b, sep ? " · <span class=\"dateline\">" : "<span class=\"dateline\">");
        esc(b, d->dateline);
        dl_buf_adds(b, "</span>");
        sep = 1;
    }
    if (d->source) {
        dl_buf_adds(b, sep ? " · <span class=\"source\">" : "<span class=\"source\">");
        esc(b, d->source);
        dl_buf_adds(b, "</span>");
    }
    dl_buf_adds(b, "</p>\n<p class=\"snippet\">");
    dl_buf_reset(scratch);
    dl_hl_snippet(s->hl, body, strlen(body), DL_SERVE_SNIPPET, scratch);
    dl_buf_add(b, scratch->buf, scratch->len); /* escaped and marked by the highlighter */
    dl_buf_adds(b, "</p>\n");
    hit_entities(b, w, &h->found);
    dl_html_accounts_line(b, &h->same_event, d->lang, s->q, s->qlen);
    dl_buf_adds(b, "</li>\n");
}

static void pager(struct dl_buf *b, const struct dl_search *s)
{
    unsigned long total = s->res.total;
    int has_prev = s->offset > 0;
    int has_next = s->offset + s->limit < total && s->offset + s->limit <= DL_SERVE_MAX_OFFSET;
    if (!has_prev && !has_next) {
        return;
    }
    struct dl_link l = dl_link_of(s);
    dl_buf_adds(b, "<nav class=\"pager\" aria-label=\"Result pages\">");
    if (has_prev) {
        l.offset = s->offset >= s->limit ? s->offset - s->limit : 0;
        dl_buf_adds(b, "<a rel=\"prev\" href=\"");
        dl_link_write(b, &l);
        dl_buf_adds(b, "\">← Previous</a> ");
    }
    unsigned long pages = (total + s->limit - 1) / s->limit;
    dl_buf_addf(b, "<span>Page %zu of %s", s->offset / s->limit + 1,
                s->res.total_exact ? "" : "about ");
    add_count(b, pages);
    dl_buf_adds(b, "</span>");
    if (has_next) {
        l.offset = s->offset + s->limit;
        dl_buf_adds(b, " <a rel=\"next\" href=\"");
        dl_link_write(b, &l);
        dl_buf_adds(b, "\">Next →</a>");
    }
    dl_buf_adds(b, "</nav>\n");
}

/* A timeline bar's link: the current search restricted to from..to. */
static void timeline_href(void *ctx, struct dl_buf *b, const char *from, const char *to)
{
    const struct view *w = ctx;
    struct dl_link l = w->cur;
    dl_link_set(&l, "from", from, 10);
    dl_link_set(&l, "to", to, 10);
    dl_link_write(b, &l);
}

static void results(struct dl_buf *b, struct dl_request *rq, const struct view *w)
{
    const struct dl_search *s = w->s;
    int filtered = w->cur.np > 0;
    dl_buf_adds(b, "<div id=\"results\">\n<p class=\"summary\" role=\"status\">");
    if (!s->res.total_exact && s->res.total) {
        dl_buf_adds(b, "About ");
    }
    add_count(b, s->res.total);
    dl_buf_adds(b, s->res.total == 1 ? " result" : " results");
    if (dl_search_has_query(s)) {
        dl_buf_adds(b, " for <q>");
        dl_buf_add_html(b, s->q, s->qlen);
        dl_buf_adds(b, "</q>");
    } else {
        dl_buf_adds(b, ", newest first");
    }
    dl_buf_adds(b, " (");
    add_ms(b, (dl_now() - rq->t0) * 1000.0);
    dl_buf_adds(b, ")</p>\n");
    if (s->res.total) { /* the whole list as a file: same query, filters and order */
        dl_buf_adds(b, "<p class=\"download\"><a href=\"");
        dl_link_write_to(b, "/api/export", &w->cur);
        dl_buf_adds(b, "&amp;format=csv\" download>Download CSV</a></p>\n");
    }
    const struct dl_facet_list *months = &s->res.facets[DL_FACET_MONTH];
    dl_timeline_render(b, months->v, months->n, s->from, s->to, timeline_href, (void *)w);
    const char *as = s->res.written_as;
    if (as && as[0] && (strlen(as) != s->qlen || memcmp(as, s->q, s->qlen) != 0)) {
        struct dl_link l = w->cur;
        l.q = as;
        l.qlen = strlen(as);
        dl_buf_adds(b, "<p class=\"written\">Written as <a href=\"");
        dl_link_write(b, &l);
        dl_buf_adds(b, "\">");
        esc(b, as);
        dl_buf_adds(b, "</a></p>\n");
    }
    if (s->res.suggestion && s->res.suggestion[0]) {
        struct dl_link l = w->cur;
        l.q = s->res.suggestion;
        l.qlen = strlen(s->res.suggestion);
        dl_buf_adds(b, "<p class=\"suggest\">Did you mean <a href=\"");
        dl_link_write(b, &l);
        dl_buf_adds(b, "\">");
        esc(b, s->res.suggestion);
        dl_buf_adds(b, "</a>?</p>\n");
    }
    if (s->res.relaxed) {
        dl_buf_adds(b, "<p class=\"note\">The query could not be read as written, so its "
                       "words were searched without operators.</p>\n");
    }
    if (s->res.timed_out) {
        dl_buf_adds(b, "<p class=\"note\">The search ran out of time: counts are "
                       "estimates.</p>\n");
    }
    if (s->res.shards_answering < s->res.shards) {
        dl_buf_addf(b,
                    "<p class=\"note shards\">Results from %zu of %zu shards: the others did "
                    "not answer.</p>\n",
                    s->res.shards_answering, s->res.shards);
    }
    if (s->res.nhits) {
        dl_buf_addf(b, "<ol class=\"hits\" start=\"%zu\">\n", s->offset + 1);
        for (size_t i = 0; i < s->res.nhits; i++) {
            hit_item(b, w, &s->res.hits[i], &rq->w->scratch);
        }
        dl_buf_adds(b, "</ol>\n");
    } else if (s->res.total && s->offset) {
        struct dl_link l = w->cur;
        dl_buf_adds(b, "<div class=\"empty\"><p>No more results on this page.</p><p><a href=\"");
        dl_link_write(b, &l);
        dl_buf_adds(b, "\">Back to the first page</a></p></div>\n");
    } else {
        dl_buf_adds(b, "<div class=\"empty\"><p>No readouts match");
        if (dl_search_has_query(s)) {
            dl_buf_adds(b, " <strong>");
            dl_buf_add_html(b, s->q, s->qlen);
            dl_buf_adds(b, "</strong>");
        }
        dl_buf_adds(b, filtered ? " with these filters.</p>\n" : ".</p>\n");
        dl_buf_adds(b, "<ul><li>Check the spelling, or try another form of a name.</li>"
                       "<li>Use fewer or more general words.</li>");
        if (filtered) {
            struct dl_link l = w->cur;
            l.np = 0;
            dl_buf_adds(b, "<li><a href=\"");
            dl_link_write(b, &l);
            dl_buf_adds(b, "\">Search without the filters</a>.</li>");
        }
        dl_buf_adds(b, "</ul></div>\n");
    }
    pager(b, s);
    dl_buf_adds(b, "</div>\n");
}

/* The search's Atom feed (feed.h): /feed.atom?... with & as &amp;. */
static void feed_href(struct dl_buf *b, const struct dl_search *s)
{
    struct dl_link l = dl_link_of(s);
    l.sort = NULL; /* a feed has one order */
    dl_link_write_to(b, "/feed.atom", &l);
}

int dl_page_search(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err)
{
    struct dl_search s;
    dl_search_init(&s);
    s.collapse = 1; /* one hit per event, its other accounts under it */
    int rc = DL_OK;
    if (dl_search_parse(&s, &rq->params, 1, rep) != 0) {
        goto out;
    }
    rc = dl_search_run(&s, rq, err);
    if (rc != DL_OK) {
        rc = dl_search_fail(rc, err, rep);
        goto out;
    }
    struct dl_buf *b = &rep->body;
    rep->type = "text/html; charset=utf-8";
    page_head(b, s.q, s.qlen, TITLE " search");
    dl_buf_adds(b, "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Feed\" href=\"");
    feed_href(b, &s);
    dl_buf_adds(b, "\">\n");
    page_body(b);
    top_bar(b, &s);
    dl_buf_adds(b, "<main id=\"main\" class=\"results\">\n<h1 class=\"visually-hidden\">Search "
                   "results</h1>\n");
    struct view w = {&s, dl_link_of(&s), dl_searcher_aliases(rq->w->searcher)};
    results(b, rq, &w);
    dl_buf_adds(b, "<p class=\"feed\"><a href=\"");
    feed_href(b, &s);
    dl_buf_adds(b, "\" type=\"application/atom+xml\">Feed</a> of new readouts matching this "
                   "search</p>\n");
    size_t shown = 0;
    for (size_t i = 0; s.facets && i < NFACET_VIEWS; i++) {
        shown += facet_shown(&w, &facet_views[i]) != 0;
    }
    if (shown) {
        dl_buf_adds(b, "<aside id=\"facets\" aria-label=\"Refine the results\">\n");
        for (size_t i = 0; i < NFACET_VIEWS; i++) {
            facet_list(b, &w, &facet_views[i]);
        }
        dl_buf_adds(b, "</aside>\n");
    }
    dl_buf_adds(b, "</main>\n");
    page_end(b);
out:
    dl_search_release(&s);
    return rc;
}

/* --- /doc/ID ------------------------------------------------------------------------ */

static void meta_row(struct dl_buf *b, const char *label, const char *value)
{
    if (!value) {
        return;
    }
    dl_buf_addf(b, "<dt>%s</dt><dd>", label);
    esc(b, value);
    dl_buf_adds(b, "</dd>\n");
}

/* The entities the readout names, each a link to the readouts that name it too. */
static void entity_rows(struct dl_buf *b, const struct dl_found *f)
{
    static const char *const heads[DL_ENTITY_COUNT] = {NULL, "People", "Countries",
                                                       "Organisations"};
    for (int t = 1; t < DL_ENTITY_COUNT; t++) {
        if (!f->names[t]) {
            continue;
        }
        dl_buf_addf(b, "<dt>%s</dt><dd class=\"entities\">", heads[t]);
        for (const char *p = f->names[t]; *p;) {
            const char *e = strstr(p, DL_LIST_SEP);
            size_t len = e ? (size_t)(e - p) : strlen(p);
            dl_buf_addf(b, "%s<a href=\"/search?q=&amp;%s=", p == f->names[t] ? "" : ", ",
                        dl_entity_name((enum dl_entity)t));
            dl_buf_add_url(b, p, len);
            dl_buf_adds(b, "\">");
            dl_buf_add_html(b, p, len);
            dl_buf_adds(b, "</a>");
            p = e ? e + strlen(DL_LIST_SEP) : p + len;
        }
        dl_buf_adds(b, "</dd>\n");
    }
}

int dl_page_doc(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err)
{
    const char *id = rq->arg;
    struct dl_search s;
    struct dl_readout r = {0};
    struct dl_found found = {0};
    dl_search_init(&s);
    int rc = dl_search_load_doc(&s, rq, id, &r, &found, rep, err);
    if (rc <= 0) {
        goto out;
    }
    rc = DL_OK;
    int marked = dl_search_has_query(&s);
    const char *body = r.body ? r.body : "";
    size_t blen = strlen(body);
    const char *title = r.title ? r.title : id;
    struct dl_buf *b = &rep->body;
    rep->type = "text/html; charset=utf-8";
    page_begin(b, title, strlen(title), TITLE);
    top_bar(b, &s);
    dl_buf_adds(b, "<main id=\"main\" class=\"doc\">\n<p class=\"back\"><a href=\"");
    if (s.qlen) {
        struct dl_link l = dl_link_q(s.q, s.qlen);
        dl_link_write(b, &l);
        dl_buf_adds(b, "\">← Back to the results</a></p>\n");
    } else {
        dl_buf_adds(b, "/\">← New search</a></p>\n");
    }
    dl_buf_adds(b, "<div class=\"side\">\n"); /* the readout and its other accounts */
    if (lang_ok(r.lang)) {
        dl_buf_adds(b, "<article lang=\"");
        esc(b, r.lang);
        dl_buf_adds(b, "\">\n<h1>");
    } else {
        dl_buf_adds(b, "<article>\n<h1>");
    }
    esc(b, title);
    dl_buf_adds(b, "</h1>\n<dl class=\"docmeta\">\n");
    if (r.date) {
        dl_buf_adds(b, "<dt>Date</dt><dd>");
        add_date(b, r.date);
        dl_buf_adds(b, "</dd>\n");
    }
    meta_row(b, "Dateline", r.dateline);
    meta_row(b, "Source", r.source);
    entity_rows(b, &found);
    if (r.url && (strncmp(r.url, "https://", 8) == 0 || strncmp(r.url, "http://", 7) == 0)) {
        dl_buf_adds(b, "<dt>Original</dt><dd><a href=\"");
        esc(b, r.url);
        dl_buf_adds(b, "\" rel=\"noopener noreferrer nofollow\">");
        esc(b, r.url);
        dl_buf_adds(b, "</a></dd>\n");
    } else {
        meta_row(b, "Original", r.url);
    }
    dl_buf_adds(b, "<dt>Id</dt><dd><code>");
    esc(b, r.id ? r.id : id);
    dl_buf_adds(b, "</code></dd>\n</dl>\n");
    if (marked) {
        struct dl_hl_spans sc = DL_HL_SPANS_INIT; /* one scan for the count and the marks */
        dl_hl_scan(s.hl, body, blen, &sc);
        dl_buf_adds(b, "<p class=\"matchcount\">");
        add_count(b, sc.n);
        dl_buf_adds(b, sc.n == 1 ? " match for <q>" : " matches for <q>");
        dl_buf_add_html(b, s.q, s.qlen);
        dl_buf_adds(b, "</q></p>\n<div class=\"body\">");
        dl_hl_markup_spans(&sc, body, blen, b);
        dl_hl_spans_release(&sc);
    } else {
        dl_buf_adds(b, "<div class=\"body\">");
        dl_buf_add_html(b, body, blen);
    }
    dl_buf_adds(b, "</div>\n</article>\n");
    size_t others;
    rc = dl_html_accounts_side(b, rq->w->searcher, found.event, r.id, marked ? s.hl : NULL, s.q,
                               s.qlen, &others, err);
    if (rc != DL_OK) {
        goto out;
    }
    dl_buf_adds(b, "</div>\n</main>\n");
    page_end(b);
out:
    dl_readout_release(&r);
    dl_found_release(&found);
    dl_search_release(&s);
    return rc;
}

/* --- error pages ------------------------------------------------------------------- */

static const char *status_title(unsigned status)
{
    switch (status) {
    case DL_HTTP_BAD_REQUEST:
        return "Bad request";
    case DL_HTTP_UNAUTHORIZED:
        return "Sign-in required";
    case DL_HTTP_FORBIDDEN:
        return "Forbidden";
    case DL_HTTP_NOT_FOUND:
        return "Not found";
    case DL_HTTP_METHOD_NOT_ALLOWED:
        return "Method not allowed";
    case DL_HTTP_CONTENT_TOO_LARGE:
        return "Request too large";
    case DL_HTTP_URI_TOO_LONG:
        return "Address too long";
    case DL_HTTP_UNSUPPORTED_MEDIA_TYPE:
        return "Unsupported form encoding";
    case DL_HTTP_MISDIRECTED_REQUEST:
        return "Unknown host name";
    case DL_HTTP_TOO_MANY_REQUESTS:
        return "Too many requests";
    case DL_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE:
        return "Request headers too large";
    case DL_HTTP_SERVICE_UNAVAILABLE:
        return "Search unavailable";
    default:
        return status >= 500 ? "Server error" : "Error";
    }
}

void dl_page_error_body(struct dl_reply *rep)
{
    struct dl_buf *b = &rep->body;
    char title[64];
    snprintf(title, sizeof title, "%u %s", rep->status, status_title(rep->status));
    dl_buf_reset(b);
    rep->type = "text/html; charset=utf-8";
    page_begin(b, title, strlen(title), TITLE);
    dl_buf_adds(b, "<header class=\"top\"><a class=\"brand\" href=\"/\">" TITLE "</a></header>\n"
                   "<main id=\"main\" class=\"error\">\n<h1>");
    esc(b, status_title(rep->status));
    dl_buf_adds(b, "</h1>\n<p>");
    esc(b, rep->message);
    dl_buf_adds(b, "</p>\n");
    if (rep->status < 500) {
        search_form(b, NULL, 0);
    } else {
        dl_buf_adds(b, "<p>Please try again in a moment.</p>\n");
    }
    dl_buf_adds(b, "<p><a href=\"/\">Go to the search page</a></p>\n</main>\n");
    page_end(b);
}
