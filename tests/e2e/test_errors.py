#!/usr/bin/env python3
"""End-to-end: every client error is a 4xx with a JSON body, and the server lives on."""

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, main  # noqa: E402


def is_error_json(r, status, code=None):
    """(ok, detail): status matches and the body is {"error":{"code","message"}}."""
    try:
        body = r.json()
        err = body["error"]
        ok = (r.status == status and isinstance(err.get("code"), str) and
              isinstance(err.get("message"), str) and err["message"] != "" and
              (code is None or err["code"] == code) and
              r.header("content-type", ).startswith("application/json"))
    except (ValueError, KeyError, TypeError, AttributeError):
        ok = False
    return ok, "%d %s" % (r.status, r.text[:300])


def expect(c, s, path, status, code=None, contains=None, what=None, **kw):
    r = s.get(path, **kw)
    ok, detail = is_error_json(r, status, code)
    if ok and contains:
        ok = contains in r.json()["error"]["message"]
    c.check(ok, what or "%s %s -> %d %s" % (kw.get("method", "GET"), path[:80], status,
                                             code or ""), detail)
    return r


def run_cli(args, timeout=20):
    p = dltest.run_program([dltest.DL_SERVE] + args, "dateline-serve " + " ".join(args),
                           timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def test_cli(c, db):
    rc, out, err = run_cli(["--help"])
    c.check(rc == 0 and "Usage" in out and "--listen" in out, "--help prints usage, exit 0",
            (rc, out[:200]))
    rc, out, err = run_cli(["--version"])
    c.check(rc == 0 and "dateline-serve" in out, "--version, exit 0", (rc, out))
    for args, what in ((["--bogus"], "unknown long option"),
                       (["-x"], "unknown short option"),
                       (["-t", "0"], "zero threads"),
                       (["-t", "abc"], "threads not a number"),
                       (["--timeout", "-1"], "negative timeout"),
                       (["-l", "nonsense"], "listen without a port"),
                       (["-l", "127.0.0.1:99999"], "port out of range"),
                       (["-d"], "option without its value"),
                       (["stray"], "stray argument")):
        rc, out, err = run_cli(args + ["-d", db] if args != ["-d"] else args)
        lines = [l for l in err.splitlines() if l.strip()]
        c.check(rc == 2 and len(lines) == 1, "usage error (%s): one line, exit 2" % what,
                (rc, err))
    rc, out, err = run_cli(["-d", db, "-l", "0.0.0.0:0"])
    c.check(rc == 2 and "--public" in err, "a non-loopback address needs --public (exit 2)",
            (rc, err))
    missing = os.path.join(dltest.tempdir(), "no-such.db")
    rc, out, err = run_cli(["-d", missing, "-l", "127.0.0.1:0"])
    c.check(rc == 1 and "no-such.db" in err, "a missing index: clear error, exit 1", (rc, err))


def test(c):
    db = dltest.build_index(dltest.sample_dir())
    test_cli(c, db)
    with Server(db) as s:
        # --- parameters --------------------------------------------------------------
        expect(c, s, "/api/search?q=x&limit=abc", 400, "bad_request",
               "invalid limit 'abc': expected 1..100")
        for v in ("0", "101", "-1", "1e2", " 5", "0x10", "99999999999999999999"):
            expect(c, s, "/api/search?q=x&limit=" + dltest.q(v), 400, "bad_request", "limit")
        for v in ("x", "-1", "10001", "1.5"):
            expect(c, s, "/api/search?q=x&offset=" + dltest.q(v), 400, "bad_request", "offset")
        for v in ("size", "DATE", "+date", "relevance "):
            expect(c, s, "/api/search?q=x&sort=" + dltest.q(v), 400, "bad_request", "sort")
        for k, v in (("from", "2026-13-01"), ("to", "2026-02-30"), ("from", "yesterday"),
                     ("to", "2026-2-3"), ("from", "2026-02-03T00:00"), ("from", "0000-01-01")):
            expect(c, s, "/api/search?q=x&%s=%s" % (k, dltest.q(v)), 400, "bad_request", k)
        expect(c, s, "/api/search?q=x&from=2026-02-01&to=2026-01-01", 400, "bad_request",
               "range", what="from after to is refused")
        expect(c, s, "/api/search?q=x&facets=maybe", 400, "bad_request", "facets")
        expect(c, s, "/api/search?q=x&matches=2", 400, "bad_request", "matches")
        expect(c, s, "/api/search?q=x&explain=yes", 400, "bad_request", "explain")

        # --- query limits --------------------------------------------------------------
        expect(c, s, "/api/search?q=" + "a" * 1001, 400, "bad_request", "too long",
               what="a q of 1001 bytes is refused")
        expect(c, s, "/api/search?q=" + dltest.q("ộ" * 334), 400, "bad_request", "too long",
               what="a q of 1002 bytes in 334 characters is refused")
        r = s.get("/api/search?q=" + dltest.q(" ".join("w%d" % i for i in range(64))))
        c.eq(r.status, 200, "64 terms are accepted")
        expect(c, s, "/api/search?q=" + dltest.q(" ".join("w%d" % i for i in range(65))), 400,
               "bad_request", "too many terms")
        expect(c, s, "/api/search?q=" + dltest.q("(" * 33 + "x" + ")" * 33), 400, "bad_request",
               what="33 nested brackets are refused")
        expect(c, s, "/api/search?q=" + dltest.q(" OR ".join("w%d*" % i for i in range(17))),
               400, "bad_request", "wildcards", what="17 wildcards are refused")
        r = s.get("/api/search?q=" + dltest.q(" OR ".join("w%d*" % i for i in range(16))))
        c.eq(r.status, 200, "16 wildcards are accepted")
        r = s.get("/api/search?q=" + dltest.q("(" * 5 + "china" + ")" * 5))
        c.eq(r.status, 200, "5 nested brackets are fine")
        expect(c, s, "/api/search?q=x&" + "&".join("p%d=1" % i for i in range(70)), 400,
               "bad_request", "too many parameters")
        for q in ('"unbalanced', "AND", "OR OR", "title:", "((", "*", "a*b*c", "NOT",
                  "date:..", "source:", '""', "-", "+", "NEAR/3 x", "\\", "date:2026-99-99"):
            try:
                r = s.get("/api/search?q=" + dltest.q(q), timeout=10)
                c.check(r.status in (200, 400), "odd query %r: 200 or 400, never 5xx" % q,
                        "%d %s" % (r.status, r.text[:200]))
            except OSError as e:
                c.check(False, "odd query %r answers within 10 s" % q, repr(e))

        # --- encoding --------------------------------------------------------------------
        expect(c, s, "/api/search?q=%C3%28", 400, "bad_request", "UTF-8",
               what="invalid UTF-8 in q (%C3%28)")
        expect(c, s, "/api/search?q=%FF", 400, "bad_request", "UTF-8", what="invalid UTF-8 (%FF)")
        expect(c, s, "/api/search?q=%ED%A0%80", 400, "bad_request", "UTF-8",
               what="a UTF-16 surrogate in q")
        expect(c, s, "/api/search?q=%C0%AF", 400, "bad_request", "UTF-8", what="an overlong")
        expect(c, s, "/api/search?q=x&source=%FE", 400, "bad_request", "UTF-8",
               what="invalid UTF-8 in source")
        expect(c, s, "/api/search?%FF=1", 400, "bad_request", "UTF-8",
               what="invalid UTF-8 in a parameter name")
        expect(c, s, "/api/doc/%FF%FE", 400, "bad_request", "UTF-8",
               what="invalid UTF-8 in the path")
        expect(c, s, "/api/doc/abc%00def", 400, "bad_request", what="NUL in the path")
        status, raw = s.raw(b"GET /api/doc/\xff\xfe HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        c.check(status == 400, "raw invalid UTF-8 bytes in the path -> 400", raw[:200])
        r = s.get("/api/search?q=%00")
        c.check(r.status in (200, 400), "NUL in q: 200 or 400", r.status)

        # --- routes and methods ------------------------------------------------------------
        expect(c, s, "/nope", 404, "not_found")
        expect(c, s, "/api/nope", 404, "not_found")
        expect(c, s, "/api/search/", 404, "not_found")
        expect(c, s, "/api/doc/", 404, "not_found", what="/api/doc/ without an id")
        expect(c, s, "/api/doc/no/such/readout.txt", 404, "not_found", "no/such/readout.txt",
               what="an unknown readout")
        for m in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            r = expect(c, s, "/api/search?q=x", 405, "method_not_allowed", method=m,
                       body=b"x=1" if m in ("POST", "PUT") else None)
            allow = r.header("allow") or ""
            c.check("GET" in allow and "HEAD" in allow, "%s: Allow names GET and HEAD" % m, allow)
        r = s.get("/search?q=x", method="POST", body=b"q=x")
        c.check(r.status == 405 and "<html" in r.text and "GET" in (r.header("allow") or ""),
                "POST /search -> 405 as an HTML page (a page route)", r.text[:200])
        r = s.get("/api/search?q=to+lam", method="HEAD")
        c.check(r.status == 200 and r.body == b"", "HEAD: 200 without a body", r.status)
        r = s.get("/api/search?q=x", headers={"Content-Length": "100000000"})
        c.check(r.status == 413 and r.json()["error"]["code"] == "payload_too_large",
                "a huge request body is refused with 413", r.text[:200])
        status, raw = s.raw(b"GET http://example.org/ HTTP/1.1\r\nHost: localhost\r\n"
                            b"Connection: close\r\n\r\n")
        c.check(status is not None and 400 <= status < 500,
                "an absolute-form request target -> 4xx", raw[:200])
        status, raw = s.raw(b"GARBAGE\r\n\r\n")
        c.check(status is None or 400 <= status < 500, "a garbage request line -> 4xx or close",
                raw[:200])
        long_url = "/api/search?q=" + "a" * 100000
        try:
            r = s.get(long_url)
            c.check(400 <= r.status < 500, "a 100 KB URL is refused with 4xx", r.status)
        except OSError as e:
            c.check(True, "a 100 KB URL: connection closed (%s)" % type(e).__name__)

        # --- static files ---------------------------------------------------------------
        secret = "dateline"  # in meson.build, which a traversal would expose
        for p in ("/static/../meson.build", "/static/..%2fmeson.build",
                  "/static/%2e%2e/meson.build", "/static/%2E%2E%2Fmeson.build",
                  "/static/.%2e/meson.build", "/static//etc/passwd", "/static/%2fetc/passwd",
                  "/static/..\\meson.build", "/static/%5c..%5cmeson.build",
                  "/static/style.css%00.txt", "/static/.hidden", "/static/",
                  "/static/no-such-file.css", "/static/./style.css"):
            r = s.get(p)
            ok, detail = is_error_json(r, r.status)
            c.check(r.status in (400, 404) and ok and secret not in r.text and "root:" not in r.text,
                    "static path %s refused with a JSON 4xx" % p, detail)

        # --- a second server on the same port -----------------------------------------------
        rc, out, err = run_cli(["-d", db, "-l", "127.0.0.1:%d" % s.port])
        c.check(rc == 1 and "cannot listen" in err, "a port in use: clear error, exit 1",
                (rc, err))

        # --- afterwards ----------------------------------------------------------------------
        st, h = s.json("/healthz")
        c.check(st == 200 and h["status"] == "ok", "the server still answers", h)
        st, r = s.search(q="to lam")
        c.check(st == 200 and r["total"] > 0, "and still searches", r)
        log = s.log()
        c.check("GET /api/search?q=x&limit=abc 400" in log, "the access log has a line per request",
                log[-500:])
    c.check(" 500 " not in s.log() and " 503 " not in s.log(), "no 5xx in the access log")
    test_unavailable(c, db)


def test_unavailable(c, db):
    """An index that disappears is a 503 (JSON for the API, a page for pages), then heals."""
    copy = os.path.join(dltest.tempdir(), "copy.db")
    shutil.copytree(db, copy)
    with Server(copy) as s:
        c.eq(s.get("/api/search?q=lam").status, 200, "a served copy answers")
        shutil.rmtree(copy)
        r = expect(c, s, "/api/search?q=lam", 503, "unavailable",
                   what="the index removed: /api/search -> 503 JSON")
        c.check(copy not in r.text, "the 503 does not show server paths", r.text)
        r = s.get("/search?q=lam")
        c.check(r.status == 503 and "<html" in r.text, "the index removed: /search -> 503 page",
                r.status)
        expect(c, s, "/healthz", 503, "unavailable", what="the index removed: /healthz -> 503")
        shutil.copytree(db, copy)
        c.eq(s.get("/api/search?q=lam").status, 200, "the index back: answers 200 again")


if __name__ == "__main__":
    main(test, "errors")
