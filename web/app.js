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

  function params(extra) {
    var p = new URLSearchParams();
    new FormData(form).forEach(function (v, k) {
      if (v !== "") {
        p.set(k, v);
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

  function docHref(id, q) {
    var path = id.split("/").map(encodeURIComponent).join("/");
    return "/doc/" + path + (q ? "?q=" + encodeURIComponent(q) : "");
  }

  function renderHit(h, q) {
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
    return li;
  }

  function renderFacet(title, list, make, current, clear) {
    if (!list || (!list.length && !current)) {
      return null;
    }
    var sec = el("section", { "class": "facet" });
    sec.appendChild(el("h2", null, title));
    var ul = el("ul");
    if (current) {
      var li0 = el("li");
      li0.appendChild(el("a", { href: searchHref(clear) }, "All " + title.toLowerCase() + "s"));
      ul.appendChild(li0);
    }
    list.forEach(function (f) {
      var li = el("li");
      var link = make(f.value);
      if (link === null) {
        li.appendChild(el("strong", { "aria-current": "true" }, f.value));
      } else {
        li.appendChild(el("a", { href: searchHref(link) }, f.value));
      }
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", { "class": "count" }, count(f.count)));
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
    if (data.suggestion) {
      var sg = el("p", { "class": "suggest" }, "Did you mean ");
      sg.appendChild(el("a", { href: searchHref({ q: data.suggestion, offset: null }) },
                        data.suggestion));
      sg.appendChild(document.createTextNode("?"));
      results.appendChild(sg);
    }
    if (data.hits.length) {
      var ol = el("ol", { "class": "hits", start: String(data.offset + 1) });
      data.hits.forEach(function (h) { ol.appendChild(renderHit(h, q.trim() ? q : "")); });
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
      var from = p.get("from") || "", to = p.get("to") || "", source = p.get("source") || "";
      var years = renderFacet("Year", data.facets.year, function (y) {
        if (from === y + "-01-01" && to === y + "-12-31") { return null; }
        return { from: y + "-01-01", to: y + "-12-31", offset: null };
      }, from || to, { from: null, to: null, offset: null });
      var sources = renderFacet("Source", data.facets.source, function (s) {
        return s === source ? null : { source: s, offset: null };
      }, source, { source: null, offset: null });
      if (years) { aside.appendChild(years); }
      if (sources) { aside.appendChild(sources); }
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
