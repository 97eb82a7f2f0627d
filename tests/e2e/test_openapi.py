#!/usr/bin/env python3
"""End-to-end: the API description web/openapi.json. /api/openapi.json serves the committed
file (open without the token, with an ETag); every route of server/route.c is in it; every JSON
route's answers, errors included, match it; and the check that dltest applies to every response
of the e2e tests (openapi_check) really rejects responses that differ from it. Skipped (77)
without python3-jsonschema."""

import contextlib
import copy
import io
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
import openapi_check  # noqa: E402
from dltest import Server, doc_path, main  # noqa: E402

DOC_ID = "2026-02-09-pm-chinh-chinese-commerce-minister.txt"
TOKEN = "openapi-test-token-0123456789"


def route_paths():
    """(path, match) of every entry of server/route.c's table that answers (fn not NULL)."""
    with open(os.path.join(dltest.SOURCE_ROOT, "server", "route.c"), encoding="utf-8") as f:
        text = f.read()
    table = text[text.index("routes[] = {"):]
    table = table[:table.index("};")]
    return [(p, m) for p, m, fn in
            re.findall(r'\{"([^"]+)",\s*DL_MATCH_(\w+),[^}]*?,\s*(\w+)\s*\}', table)
            if fn != "NULL"]


def refs(node):
    """Every "$ref" value in a JSON document."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)


def test_document(c, spec):
    paths = spec.doc["paths"]
    routes = route_paths()
    c.check(len(routes) >= 9, "server/route.c's table is read (%d routes)" % len(routes), routes)
    for path, match in routes:
        if match == "EXACT":
            ok = path in paths
        else:  # a prefix route: a template with a parameter right after the prefix
            ok = any(t.startswith(path + "{") for t in paths)
        c.check(ok, "route %s (%s) is in web/openapi.json" % (path, match.lower()))
    bad = []
    for ref in set(refs(spec.doc)):
        try:
            spec.resolve({"$ref": ref})
        except (KeyError, ValueError, TypeError) as e:
            bad.append("%s: %r" % (ref, e))
    c.check(not bad, "every $ref of web/openapi.json resolves", bad)
    c.eq(spec.doc.get("openapi"), "3.1.0", "the document is OpenAPI 3.1.0")


def test_served(c, s, committed):
    r = s.get("/api/openapi.json")
    c.eq(r.status, 200, "GET /api/openapi.json: 200")
    c.eq(r.header("content-type"), "application/json", "served as application/json")
    c.check(r.body == committed, "the served document is the committed web/openapi.json, byte "
            "for byte", "%d bytes served, %d committed" % (len(r.body), len(committed)))
    etag = r.header("etag")
    c.check(bool(etag), "it has an ETag", r.headers)
    r = s.get("/api/openapi.json", headers={"If-None-Match": etag or "x"})
    c.check(r.status == 304 and r.body == b"", "If-None-Match with its ETag: 304, no body",
            (r.status, r.body[:100]))
    r = s.get("/api/openapi.json", method="HEAD")
    c.check(r.status == 200 and r.body == b"", "HEAD /api/openapi.json: 200, no body",
            (r.status, r.body[:100]))


def answers(s):
    """A real answer of each JSON route, ok and error: (method, path, Response)."""
    out = []
    for method, path, kw in (
            ("GET", "/api/search?q=to+lam&explain=1", {}),
            ("GET", "/api/search?q=congratulate&facets=0&matches=0&sort=-date", {}),
            ("GET", "/api/search?q=", {}),
            ("GET", "/api/search?q=to+lam&person=" + dltest.q("Tô Lâm") + "&kind=call", {}),
            ("GET", "/api/search?q=x&limit=0", {}),
            ("GET", doc_path(DOC_ID) + "?q=minister", {}),
            ("GET", doc_path(DOC_ID), {}),
            ("GET", "/api/doc/no-such-readout.txt", {}),
            ("GET", "/api/entities?prefix=lam&type=person&limit=5", {}),
            ("GET", "/api/entities?type=planet", {}),
            ("GET", "/healthz", {}),
            ("GET", "/api/nope", {}),
            ("POST", "/api/search?q=x", {"body": b"q=x"}),
            ("DELETE", "/healthz", {}),
            ("GET", "/static/no-such-file.css", {}),
            ("GET", "/api/search?q=" + "a" * 9000, {})):
        out.append((method, path, s.get(path, method=method, **kw)))
    return out


def test_answers(c, spec, s):
    want = {"/api/search?q=to+lam&explain=1": 200, "/api/search?q=x&limit=0": 400,
            "/api/doc/no-such-readout.txt": 404, "/api/entities?type=planet": 400,
            "/healthz": 200, "/api/nope": 404, "/static/no-such-file.css": 404}
    for method, path, r in answers(s):
        if method == "GET" and path in want:
            c.eq(r.status, want[path], "%s %s: %d" % (method, path, want[path]))
        c.check(r.header("content-type") == "application/json",
                "%s %s -> %d is JSON" % (method, path[:60], r.status), r.headers)
        problems = spec.check(method, path, r.status, r.header("content-type"), r.body)
        c.check(problems == [], "%s %s -> %d matches the document" % (method, path[:60], r.status),
                problems)


def tampered(c, spec, s):
    """The check rejects what differs from the document (and takes what does not)."""
    r = s.get("/api/search?q=to+lam&explain=1")
    good = r.json()
    c.check(good["hits"] and good["facets"]["year"] and "explain" in good["hits"][0],
            "a search with hits, facets and explain to tamper with", r.text[:300])

    def verdict(body, status=200, path="/api/search?q=to+lam", method="GET",
                ctype="application/json"):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return spec.check(method, path, status, ctype, raw)

    c.eq(verdict(good), [], "the search answer as sent is valid")
    with_month = copy.deepcopy(good)
    with_month["facets"]["month"] = [{"value": "2026-02", "count": 1}]
    c.eq(verdict(with_month), [], "an optional month facet is valid")

    cases = []

    def case(what, body, **kw):
        cases.append((what, verdict(body, **kw)))

    b = copy.deepcopy(good)
    del b["total"]
    case("a search answer without total", b)
    b = copy.deepcopy(good)
    b["hits"][0]["rank"] = "1"
    case("a hit whose rank is a string", b)
    b = copy.deepcopy(good)
    b["undocumented"] = 1
    case("a search answer with an undocumented field", b)
    b = copy.deepcopy(good)
    b["facets"]["year"][0]["count"] = -1
    case("a negative facet count", b)
    b = copy.deepcopy(good)
    b["hits"][0]["kind"] = "party"
    case("a hit of an unknown kind", b)
    b = copy.deepcopy(good)
    b["hits"][0]["explain"][0]["weight"] = None
    case("an explain part without a weight", b)
    b = copy.deepcopy(good)
    b["written_as"] = 5
    case("written_as neither a string nor null", b)
    case("a status the operation does not list (418)", good, status=418)
    case("a 200 on a path the document does not list", good, path="/api/nope")
    case("a 200 for a method the document does not list", good, method="DELETE")
    case("a bad_request code on a 404", {"error": {"code": "bad_request", "message": "x"}},
         status=404, path="/api/doc/x")
    case("an error without a message", {"error": {"code": "bad_request"}}, status=400)
    case("a body that is not JSON", b"{not json", status=200)
    case("a JSON body where the document lists none (304)", {"x": 1}, status=304,
         path="/api/openapi.json")
    case("a health answer whose status is not ok", {"status": "bad", "documents": 1,
                                                     "revision": 1}, path="/healthz")
    for what, problems in cases:
        c.check(problems != [], "the check rejects %s" % what, problems)
    # dltest's hook records a failure through the program's Checks: run it on a tampered
    # answer with a throwaway Checks and see it fail.
    saved = dltest._checks
    probe = dltest.Checks("probe")
    try:
        b = copy.deepcopy(good)
        del b["hits"]
        with contextlib.redirect_stdout(io.StringIO()):  # its FAIL line is expected
                dltest.check_api("GET", "/api/search?q=to+lam", 200, "application/json",
                             json.dumps(b).encode())
    finally:
        dltest._checks = saved
    c.eq((probe.passed, probe.failed), (0, 1), "dltest.check_api fails the test on a tampered "
         "answer")


def test_token(c, db, committed):
    folder = dltest.tempdir()
    path = os.path.join(folder, "token")
    with open(path, "w") as f:
        f.write(TOKEN + "\n")
    os.chmod(path, 0o600)
    with Server(db, args=["--token", path]) as s:
        r = s.get("/api/openapi.json")
        c.check(r.status == 200 and r.body == committed, "with --token, /api/openapi.json is "
                "open", (r.status, r.body[:100]))
        r = s.get("/api/search?q=lam")
        c.eq(r.status, 401, "with --token, /api/search without it: 401 (checked against the "
             "document by dltest)")


def run(c):
    if not openapi_check.HAVE_JSONSCHEMA:
        print("skip: python3-jsonschema is not installed (scripts/deps.sh --test)")
        sys.exit(77)
    spec = openapi_check.Spec.load()
    with open(openapi_check.DOCUMENT, "rb") as f:
        committed = f.read()
    test_document(c, spec)
    db = dltest.build_index(dltest.sample_dir())
    with Server(db) as s:
        test_served(c, s, committed)
        test_answers(c, spec, s)
        tampered(c, spec, s)
    test_token(c, db, committed)


if __name__ == "__main__":
    main(run, "openapi")
