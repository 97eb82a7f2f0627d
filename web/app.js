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
    { name: "kind", title: "Kind", all: "All kinds", key: "kind" },
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

  /*
   * Name suggestions: while the last word typed starts a name the readouts mention
   * (/api/entities?prefix=), a list under the box offers the people, countries and
   * organisations it starts. Choosing one (click, or arrow keys then Enter) searches the rest
   * of the box with that name as a filter (person=Tô Lâm), as its facet link would. The box
   * is an ARIA combobox: the list is a listbox, the option under the arrow keys is
   * aria-activedescendant, Escape closes it. Without the script the box is a plain input.
   */
  function names() {
    var row = input.parentNode;
    var list = el("ul", { id: "q-names", "class": "names", role: "listbox", "aria-label": "Names" });
    var status = el("span", { "class": "visually-hidden", role: "status", "aria-live": "polite" });
    var items = [];  /* the entities listed: {name, type, count} */
    var active = -1; /* the option under the arrow keys */
    var ntimer = 0;
    var npending = null;
    var asked = "";  /* the prefix of the list shown */
    list.hidden = true;
    row.appendChild(list);
    row.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", "q-names");
    input.setAttribute("aria-expanded", "false");

    var fold = function (s) {
      return s.normalize("NFD").replace(/\p{M}/gu, "").replace(/[đĐ]/g, "d").toLowerCase();
    };

    /* The word being typed: the letters and digits at the end of the box, or "". */
    function lastWord() {
      var m = /[\p{L}\p{N}]+$/u.exec(input.value);
      if (!m) { return ""; }
      return m[0].length >= 2 || /\p{Script=Han}/u.test(m[0]) ? m[0] : "";
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      items = [];
      active = -1;
      asked = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function setActive(i) {
      var opts = list.children;
      if (active >= 0 && opts[active]) { opts[active].setAttribute("aria-selected", "false"); }
      active = i;
      if (i >= 0 && opts[i]) {
        opts[i].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", opts[i].id);
        opts[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function show(entities) {
      list.textContent = "";
      items = entities;
      active = -1;
      input.removeAttribute("aria-activedescendant");
      entities.forEach(function (e, i) {
        var li = el("li", { id: "q-name-" + i, role: "option", "aria-selected": "false" });
        li.appendChild(el("span", { "class": "name" }, e.name));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", { "class": "type" },
          e.type + " · " + count(e.count) + (e.count === 1 ? " readout" : " readouts")));
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); });
        li.addEventListener("click", function () { choose(i); });
        list.appendChild(li);
      });
      list.hidden = !entities.length;
      input.setAttribute("aria-expanded", entities.length ? "true" : "false");
      status.textContent = entities.length ? entities.length + (entities.length === 1 ?
        " name suggested" : " names suggested") + ", arrow keys to choose" : "";
    }

    /* How many words at the end of the box the name completes ("to la" of Tô Lâm: 2). */
    function completed(name) {
      var typed = fold(input.value).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
      var words = fold(name).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
      for (var k = Math.min(typed.length, words.length); k > 1; k--) {
        var tail = typed.slice(typed.length - k);
        for (var j = 0; j + k <= words.length; j++) {
          var ok = tail.every(function (w, i) {
            return i < k - 1 ? words[j + i] === w : words[j + i].indexOf(w) === 0;
          });
          if (ok) { return k; }
        }
      }
      return 1;
    }

    function choose(i) {
      var e = items[i];
      var key = { person: "person", country: "country", org: "org" }[e && e.type];
      if (!key) { return; }
      var k = completed(e.name);
      var re = new RegExp("(?:[^\\p{L}\\p{N}]*[\\p{L}\\p{N}]+){" + k + "}[^\\p{L}\\p{N}]*$", "u");
      var rest = input.value.replace(re, "").trim();
      var p = params({ q: rest, offset: null });
      if (!rest) { p.set("q", ""); }
      if (p.getAll(key).indexOf(e.name) < 0) { p.append(key, e.name); }
      close();
      window.location.assign("/search?" + p.toString());
    }

    function suggest() {
      var word = lastWord();
      if (!word) { close(); return; }
      if (word === asked) { return; }
      asked = word;
      if (npending) { npending.abort(); }
      npending = window.AbortController ? new AbortController() : null;
      fetch("/api/entities?limit=8&prefix=" + encodeURIComponent(word),
            npending ? { signal: npending.signal } : {})
        .then(function (r) { return r.ok ? r.json() : { entities: [] }; })
        .then(function (data) {
          if (asked === word && document.activeElement === input) { show(data.entities || []); }
        })
        .catch(function () { /* suggestions are extra: the search goes on without them */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(ntimer);
      ntimer = setTimeout(suggest, 120);
    });
    input.addEventListener("keydown", function (ev) {
      var n = items.length;
      if (list.hidden || !n) { return; }
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        setActive(ev.key === "ArrowDown" ? (active + 1) % n : (active <= 0 ? n : active) - 1);
      } else if (ev.key === "Enter" && active >= 0) {
        ev.preventDefault();
        choose(active);
      } else if (ev.key === "Escape") {
        ev.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    /* The page is going: a request started now would only be cut off. */
    form.addEventListener("submit", function () { clearTimeout(ntimer); close(); });
  }

  input.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function () { clearTimeout(timer); });
  last = params({ offset: null }).toString();
  names();
}());
