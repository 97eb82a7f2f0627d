/*
 * app.js - optional search-as-you-type for dateline's pages.
 *
 * The pages work fully without it: this only re-renders the result list
 * from /api/search while the user types, and keeps the address bar in step
 * so that reload, back and sharing give the server-rendered page. Text is
 * always inserted as text; the only markup taken from the API is the
 * snippet's <mark>, rebuilt element by element.
 */
(function () {
  "use strict";

  var form = document.querySelector("form.search");
  var input = document.getElementById("q");
  if (!form || !input || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var main = document.getElementById("main");
  var timer = 0;
  var pending = null;
  var last = null;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    }
    if (text !== undefined && text !== null) {
      e.textContent = String(text);
    }
    return e;
  }

  function count(n) {
    return Number(n).toLocaleString("en");
  }

  /* The snippet is escaped HTML with <mark>; keep text and marks, nothing else. */
  function snippet(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    var out = document.createDocumentFragment();
    tpl.content.childNodes.forEach(function (n) {
      if (n.nodeType === 1 && n.nodeName === "MARK") {
        out.appendChild(el("mark", null, n.textContent));
      } else {
        out.appendChild(document.createTextNode(n.textContent));
      }
    });
    return out;
  }

  function formatDate(d) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d || "");
    if (!m) {
      return document.createTextNode(d || "");
    }
    var months = ["January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December"];
    return el("time", { datetime: d }, Number(m[3]) + " " + months[Number(m[2]) - 1] + " " + m[1]);
  }

  /* The form's fields as parameters (person=, country=, org= may repeat), then `extra`. */
  function params(extra) {
    var p = new URLSearchParams();
    new FormData(form).forEach(function (v, k) {
      if (v !== "") {
        p.append(k, v);
      }
    });
    if (!p.has("q")) {
      p.set("q", "");
    }
    Object.keys(extra || {}).forEach(function (k) {
      if (extra[k] === null || extra[k] === "") {
        p.delete(k);
      } else {
        p.set(k, extra[k]);
      }
    });
    return p;
  }

  function searchHref(extra) {
    return "/search?" + params(extra).toString();
  }

  /* A link to the search p on its first page, changed by change(copy of p). */
  function hrefFrom(p, change) {
    var x = new URLSearchParams(p.toString());
    x.delete("offset");
    change(x);
    return "/search?" + x.toString();
  }

  /* p without the filters key=value. */
  function dropValue(x, key, value) {
    var keep = x.getAll(key).filter(function (v) { return v !== value; });
    x.delete(key);
    keep.forEach(function (v) { x.append(key, v); });
  }

  /*
   * The facets, as the server's page shows them (server/html.c, facet_views): the year sets
   * from/to, a plain key is replaced, an entity key (`many`) adds one more filter, each
   * current one with a link that removes it. `name` is the facet's name in the API, and for
   * entities also the hit's list of names.
   */
  var FACETS = [
    { name: "year", title: "Year", all: "All years", year: true },
    { name: "source", title: "Source", all: "All sources", key: "source" },
    { name: "people", title: "People", all: "All people", key: "person", many: true },
    { name: "countries", title: "Countries", all: "All countries", key: "country", many: true },
    { name: "orgs", title: "Organisations", all: "All organisations", key: "org", many: true }
  ];
  var MAX_ENTITY_FILTERS = 16;

  function entityCount(p) {
    return FACETS.reduce(function (n, f) { return n + (f.many ? p.getAll(f.key).length : 0); }, 0);
  }

  /* The link that filters p by value v of facet f, or null when v is current or no more
   * filters may be added. */
  function facetHref(f, v, p) {
    if (f.year) {
      if (p.get("from") === v + "-01-01" && p.get("to") === v + "-12-31") { return null; }
      return hrefFrom(p, function (x) { x.set("from", v + "-01-01"); x.set("to", v + "-12-31"); });
    }
    if (p.getAll(f.key).indexOf(v) >= 0) { return null; }
    if (f.many && entityCount(p) >= MAX_ENTITY_FILTERS) { return null; }
    return hrefFrom(p, function (x) {
      if (f.many) { x.append(f.key, v); } else { x.set(f.key, v); }
    });
  }

  function removeLink(f, v, p) {
    return el("a", {
      "class": "remove", title: "Remove this filter", "aria-label": "Remove the filter " + v,
      href: hrefFrom(p, function (x) { dropValue(x, f.key, v); })
    }, "×");
  }

  function docHref(id, q) {
    var path = id.split("/").map(encodeURIComponent).join("/");
    return "/doc/" + path + (q ? "?q=" + encodeURIComponent(q) : "");
  }

  /* "People: Tô Lâm, Xi Jinping · Countries: …", each name a filter link. */
  function renderTags(h, p) {
    var tags = el("p", { "class": "tags" });
    var any = false;
    FACETS.forEach(function (f) {
      var names = f.many && h[f.name] ? h[f.name] : [];
      if (!names.length) { return; }
      if (any) {
        tags.appendChild(document.createTextNode(" "));
        tags.appendChild(el("span", { "class": "sep" }, "·"));
        tags.appendChild(document.createTextNode(" "));
      }
      any = true;
      tags.appendChild(el("span", { "class": "tagtype" }, f.title + ":"));
      tags.appendChild(document.createTextNode(" "));
      names.slice(0, 6).forEach(function (n, i) {
        if (i) { tags.appendChild(document.createTextNode(", ")); }
        var href = facetHref(f, n, p);
        tags.appendChild(href ? el("a", { href: href }, n) : el("span", { "class": "current" }, n));
      });
      if (names.length > 6) {
        tags.appendChild(document.createTextNode(" and " + (names.length - 6) + " more"));
      }
    });
    return any ? tags : null;
  }

  function renderHit(h, q, p) {
    var li = el("li", { "class": "hit" });
    var h2 = el("h2");
    h2.appendChild(el("a", { href: docHref(h.id, q) }, h.title || h.id));
    li.appendChild(h2);
    var meta = el("p", { "class": "meta" });
    var parts = [];
    if (h.date) { parts.push(formatDate(h.date)); }
    if (h.dateline) { parts.push(el("span", { "class": "dateline" }, h.dateline)); }
    if (h.source) { parts.push(el("span", { "class": "source" }, h.source)); }
    parts.forEach(function (p, i) {
      if (i) { meta.appendChild(document.createTextNode(" · ")); }
      meta.appendChild(p);
    });
    li.appendChild(meta);
    var sn = el("p", { "class": "snippet" });
    sn.appendChild(snippet(h.snippet || ""));
    li.appendChild(sn);
    var tags = renderTags(h, p);
    if (tags) { li.appendChild(tags); }
    return li;
  }

  function renderFacet(f, list, p) {
    var current = f.year ? [] : p.getAll(f.key);
    var active = f.year ? !!(p.get("from") || p.get("to")) : current.length > 0;
    list = list || [];
    if (!list.length && !active) {
      return null;
    }
    var sec = el("section", { "class": "facet" });
    sec.appendChild(el("h2", null, f.title));
    var ul = el("ul");
    if (active) {
      var li0 = el("li");
      li0.appendChild(el("a", {
        href: hrefFrom(p, function (x) {
          if (f.year) { x.delete("from"); x.delete("to"); } else { x.delete(f.key); }
        })
      }, f.all));
      ul.appendChild(li0);
    }
    if (f.many) { /* filters none of the values shows */
      current.forEach(function (v) {
        if (list.some(function (x) { return x.value === v; })) { return; }
        var li = el("li");
        li.appendChild(el("strong", { "aria-current": "true" }, v));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(removeLink(f, v, p));
        ul.appendChild(li);
      });
    }
    list.forEach(function (x) {
      var li = el("li");
      var href = facetHref(f, x.value, p);
      var isCurrent = f.year ? href === null : current.indexOf(x.value) >= 0;
      if (isCurrent) {
        li.appendChild(el("strong", { "aria-current": "true" }, x.value));
      } else if (href) {
        li.appendChild(el("a", { href: href }, x.value));
      } else {
        li.appendChild(document.createTextNode(x.value));
      }
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", { "class": "count" }, count(x.count)));
      if (isCurrent && f.many) {
        li.appendChild(document.createTextNode(" "));
        li.appendChild(removeLink(f, x.value, p));
      }
      ul.appendChild(li);
    });
    sec.appendChild(ul);
    return sec;
  }

  function render(data, p) {
    var results = document.getElementById("results");
    if (!results) {
      results = el("div", { id: "results" });
      main.appendChild(results);
      var tips = main.querySelector(".tips");
      if (tips) { tips.hidden = true; }
    }
    results.textContent = "";
    var q = data.query || "";
    var sum = el("p", { "class": "summary", role: "status" });
    sum.textContent = (data.total_exact || !data.total ? "" : "About ") + count(data.total) +
      (data.total === 1 ? " result" : " results") +
      (q.trim() ? " for “" + q + "”" : ", newest first") + " (" + data.took_ms + " ms)";
    results.appendChild(sum);
    if (data.written_as && data.written_as !== q) {
      var wa = el("p", { "class": "written" }, "Written as ");
      wa.appendChild(el("a", { href: hrefFrom(p, function (x) { x.set("q", data.written_as); }) },
                        data.written_as));
      results.appendChild(wa);
    }
    if (data.suggestion) {
      var sg = el("p", { "class": "suggest" }, "Did you mean ");
      sg.appendChild(el("a", { href: searchHref({ q: data.suggestion, offset: null }) },
                        data.suggestion));
      sg.appendChild(document.createTextNode("?"));
      results.appendChild(sg);
    }
    if (data.hits.length) {
      var ol = el("ol", { "class": "hits", start: String(data.offset + 1) });
      data.hits.forEach(function (h) { ol.appendChild(renderHit(h, q.trim() ? q : "", p)); });
      results.appendChild(ol);
    } else {
      var empty = el("div", { "class": "empty" });
      empty.appendChild(el("p", null, "No readouts match" + (q.trim() ? " “" + q + "”." : ".")));
      empty.appendChild(el("p", null,
        "Check the spelling, use fewer or more general words, or remove the filters."));
      results.appendChild(empty);
    }
    if (data.offset + data.limit < data.total) {
      var nav = el("nav", { "class": "pager", "aria-label": "Result pages" });
      nav.appendChild(el("a", { rel: "next", href: searchHref({ offset: data.offset + data.limit }) },
                         "Next →"));
      results.appendChild(nav);
    }

    var aside = document.getElementById("facets");
    if (aside) { aside.textContent = ""; }
    if (data.facets) {
      if (!aside) {
        aside = el("aside", { id: "facets", "aria-label": "Refine the results" });
        if (main.classList.contains("results")) { main.appendChild(aside); }
      }
      FACETS.forEach(function (f) {
        var sec = renderFacet(f, data.facets[f.name], p);
        if (sec) { aside.appendChild(sec); }
      });
    }
  }

  function showError(message) {
    var results = document.getElementById("results");
    if (results) {
      results.textContent = "";
      results.appendChild(el("p", { "class": "note", role: "status" }, message));
    }
  }

  function run() {
    var p = params({ offset: null });
    var key = p.toString();
    if (key === last) {
      return;
    }
    last = key;
    if (pending) { pending.abort(); }
    pending = window.AbortController ? new AbortController() : null;
    fetch("/api/search?" + key + "&limit=10&matches=0", pending ? { signal: pending.signal } : {})
      .then(function (r) {
        return r.json().then(function (data) { return { ok: r.ok, data: data }; });
      })
      .then(function (res) {
        if (!res.ok) {
          showError(res.data && res.data.error ? res.data.error.message : "Search failed.");
          return;
        }
        render(res.data, p);
        if (window.history && history.replaceState) {
          history.replaceState(null, "", "/search?" + key);
        }
        document.title = (p.get("q") ? p.get("q") + " – " : "") + "dateline search";
      })
      .catch(function (e) {
        if (!e || e.name !== "AbortError") { showError("Search failed: " + e); }
      });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(run, 220);
  }

  input.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  last = params({ offset: null }).toString();
}());
