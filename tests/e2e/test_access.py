#!/usr/bin/env python3
"""End-to-end: access control for an intranet. --token (Bearer header, the /login form and its
cookie, what stays open), --cors (allowed origins, preflight) and --rate (burst, 429 with
Retry-After, recovery; per client, and per forwarded client with --trust-proxy)."""

import os
import sys
import time
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, main, q  # noqa: E402

TOKEN = "dl-Test_token.0123456789~abcdef+/XYZ=="


def error_code(r):
    try:
        return r.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def token_file(text, mode=0o600):
    path = os.path.join(dltest.tempdir(), "token")
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def run_cli(args, timeout=20):
    p = dltest.run_program([dltest.DL_SERVE] + args, "dateline-serve " + " ".join(args),
                           timeout=timeout)
    return p.returncode, p.stderr


class Forms(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.forms, self.inputs = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            self.forms.append(dict(attrs))
        elif tag == "input":
            self.inputs.append(dict(attrs))


def post_login(s, body, ctype="application/x-www-form-urlencoded", headers=None):
    h = {"Content-Type": ctype}
    h.update(headers or {})
    return s.get("/login", method="POST", headers=h, body=body)


def test_token_cli(c, db):
    for text, mode, what, needle in (("", 0o600, "an empty token file", "empty"),
                                     ("  \n\t\n", 0o600, "a blank token file", "empty"),
                                     ("short-token\n", 0o600, "a token of 11 characters",
                                      "at least 16"),
                                     ("two words in a token file\n", 0o600, "spaces in the token",
                                      "may only hold"),
                                     ("line-one-0123456789\nline-two\n", 0o600, "two lines",
                                      "may only hold"),
                                     (TOKEN, 0o644, "a world-readable token file", "chmod 600"),
                                     (TOKEN, 0o620, "a group-writable token file", "chmod 600")):
        rc, err = run_cli(["-d", db, "-l", "127.0.0.1:0", "--token", token_file(text, mode)])
        c.check(rc == 1 and needle in err and len(err.strip().splitlines()) == 1,
                "refuses to start with %s (exit 1, one line)" % what, (rc, err))
        c.check(text.strip() == "" or text.strip() not in err, "%s: the error does not show the "
                "token" % what, err)
    rc, err = run_cli(["-d", db, "-l", "127.0.0.1:0", "--token",
                       os.path.join(dltest.tempdir(), "missing")])
    c.check(rc == 1 and "missing" in err, "a missing token file: exit 1", (rc, err))
    for args, what in ((["--cors", "*"], "--cors *"),
                       (["--cors", "https://a.example/"], "--cors with a trailing slash"),
                       (["--cors", "https://a.example/path"], "--cors with a path"),
                       (["--cors", "a.example"], "--cors without a scheme"),
                       (["--rate", "0"], "--rate 0"), (["--rate", "abc"], "--rate abc"),
                       (["--max-query", "0"], "--max-query 0"),
                       (["--max-uri", "10"], "--max-uri 10"),
                       (["--max-header-bytes", "100"], "--max-header-bytes 100")):
        rc, err = run_cli(["-d", db, "-l", "127.0.0.1:0"] + args)
        c.check(rc == 2 and len(err.strip().splitlines()) == 1, "usage error: %s (exit 2)" % what,
                (rc, err))


def test_token(c, db):
    path = token_file("\n  " + TOKEN + "  \n")  # trimmed
    with Server(db, ["--token", path]) as s:
        bearer = {"Authorization": "Bearer " + TOKEN}
        # open paths
        st, h = s.json("/healthz")
        c.check(st == 200 and h.get("status") == "ok", "/healthz stays open", (st, h))
        r = s.get("/static/style.css")
        c.check(r.status == 200, "/static/ stays open (the login page uses it)", r.status)
        # the API
        r = s.get("/api/search?q=lam")
        c.check(r.status == 401 and error_code(r) == "unauthorized" and
                (r.header("www-authenticate") or "").startswith("Bearer"),
                "no token: 401 JSON with WWW-Authenticate: Bearer", (r.status, r.headers, r.text))
        r = s.get("/api/search?q=lam", headers=bearer)
        c.check(r.status == 200 and r.json()["total"] > 0, "the right Bearer token: 200",
                r.text[:200])
        r = s.get("/api/doc/2026-02-09-pm-chinh-chinese-commerce-minister.txt", headers=bearer)
        c.eq(r.status, 200, "the right token opens /api/doc too")
        r = s.get("/api/search?q=lam", headers={"Authorization": "bearer   " + TOKEN + " "})
        c.eq(r.status, 200, "the scheme is case-insensitive, spaces around the token are fine")
        for value, what in (("Bearer " + TOKEN[:-1], "a prefix of the token"),
                            ("Bearer " + TOKEN + "x", "the token plus one character"),
                            ("Bearer " + TOKEN.upper(), "the token in upper case"),
                            ("Bearer", "Bearer without a token"), ("Bearer ", "Bearer and a space"),
                            ("Basic " + TOKEN, "the Basic scheme"), (TOKEN, "no scheme"),
                            ("Bearer x" * 500, "a 4 KB wrong token"),
                            ("BearerX " + TOKEN, "scheme BearerX")):
            r = s.get("/api/search?q=lam", headers={"Authorization": value})
            c.check(r.status == 401 and error_code(r) == "unauthorized",
                    "wrong token (%s): 401" % what, r.status)
        r = s.get("/nope")
        c.check(r.status == 401, "unknown paths need the token too (401, not 404)", r.status)
        r = s.get("/api/search?q=lam", method="HEAD")
        c.check(r.status == 401 and r.body == b"", "HEAD without the token: 401", r.status)
        # pages go to the login form
        for p in ("/", "/search?q=lam", "/doc/x.txt", "/nope"):
            r = s.get(p, headers={"Accept": "text/html"})
            c.check(r.status == 303 and r.header("location") == "/login",
                    "page %s without the token: 303 to /login" % p, (r.status, r.headers))
        r = s.get("/login")
        f = Forms(r.text)
        c.check(r.status == 200 and f.forms and f.forms[0].get("method") == "post" and
                f.forms[0].get("action") == "/login" and
                any(i.get("type") == "password" and i.get("name") == "token" for i in f.inputs),
                "GET /login: a form POSTing a password field 'token' to /login", r.text[:400])
        c.check(TOKEN not in r.text, "the login page does not contain the token")
        # the login flow
        r = post_login(s, b"token=" + q("wrong-" + TOKEN).encode())
        c.check(r.status == 401 and r.header("set-cookie") is None and "not right" in r.text,
                "POST /login with a wrong token: 401 page, no cookie", (r.status, r.headers))
        r = post_login(s, b"nothing=1")
        c.check(r.status == 401 and r.header("set-cookie") is None,
                "POST /login without the field: 401", r.status)
        r = post_login(s, b"token=" + q(TOKEN).encode())
        cookie = r.header("set-cookie") or ""
        parts = [p.strip() for p in cookie.split(";")]
        c.check(r.status == 303 and r.header("location") == "/" and
                parts[0] == "dateline_token=" + TOKEN and "HttpOnly" in parts and
                "SameSite=Strict" in parts and "Path=/" in parts and "Secure" not in parts,
                "POST /login with the token: 303 to / with an HttpOnly SameSite=Strict cookie",
                (r.status, r.headers))
        jar = {"Cookie": parts[0]}
        for p in ("/", "/search?q=lam", "/doc/2026-02-09-pm-chinh-chinese-commerce-minister.txt"):
            r = s.get(p, headers=jar)
            c.check(r.status == 200 and "<html" in r.text, "with the cookie, %s: 200" % p,
                    r.status)
        r = s.get("/api/search?q=lam", headers=jar)
        c.eq(r.status, 200, "the cookie also opens the API (same origin)")
        r = s.get("/search?q=lam", headers={"Cookie": "other=1; dateline_token=" + TOKEN + "x"})
        c.check(r.status == 303, "a wrong cookie: back to /login", r.status)
        # what POST /login will not take
        r = post_login(s, b"token=" + q(TOKEN).encode(), ctype="text/plain")
        c.check(r.status == 415 and r.header("set-cookie") is None,
                "POST /login as text/plain: 415", r.status)
        r = post_login(s, b"token=" + b"a" * 5000)
        c.check(r.status == 413, "POST /login with a 5 KB body: 413", r.status)
        st, raw = s.raw(b"POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                        b"application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n"
                        b"Connection: close\r\n\r\n" +
                        b"".join(b"400\r\n" + b"a" * 1024 + b"\r\n" for _ in range(6)) +
                        b"0\r\n\r\n")
        c.check(st == 413, "POST /login with 6 KB chunked: 413", raw[:200])
        for m in ("PUT", "DELETE"):
            r = s.get("/login", method=m, body=b"x")
            c.check(r.status == 405 and "POST" in (r.header("allow") or ""),
                    "%s /login: 405, Allow names POST" % m, r.status)
        r = s.get("/api/search?q=lam", method="POST", headers=bearer, body=b"q=lam")
        c.eq(r.status, 405, "POST is refused everywhere else (405)")
        r = s.get("/search?q=lam", method="POST", headers=jar, body=b"q=lam")
        c.eq(r.status, 405, "POST /search with the cookie: 405")
        st, h = s.json("/healthz")
        c.eq(st, 200, "the server still answers")
    c.check(TOKEN not in s.log(), "the token never reaches the log")


def test_cors(c, db):
    allowed = "https://a.example"
    with Server(db, ["--cors", allowed, "--cors", "http://localhost:3000"]) as s:
        r = s.get("/api/search?q=lam", headers={"Origin": allowed})
        c.check(r.status == 200 and r.header("access-control-allow-origin") == allowed and
                "Origin" in (r.header("vary") or ""),
                "an allowed origin gets Access-Control-Allow-Origin (echoed) and Vary: Origin",
                r.headers)
        r = s.get("/api/search?q=lam", headers={"Origin": "http://localhost:3000"})
        c.eq(r.header("access-control-allow-origin"), "http://localhost:3000",
             "the second --cors origin too")
        for o in ("https://evil.example", "https://a.example.evil.example", "http://a.example",
                  "https://a.example:443", "null", "HTTPS://A.EXAMPLE", allowed + "/"):
            r = s.get("/api/search?q=lam", headers={"Origin": o})
            c.check(r.status == 200 and r.header("access-control-allow-origin") is None and
                    "Origin" in (r.header("vary") or ""),
                    "origin %s: no CORS headers (Vary: Origin still)" % o, r.headers)
        pre = {"Origin": allowed, "Access-Control-Request-Method": "GET",
               "Access-Control-Request-Headers": "authorization"}
        r = s.get("/api/search?q=lam", method="OPTIONS", headers=pre)
        c.check(r.status == 204 and r.body == b"" and
                r.header("access-control-allow-origin") == allowed and
                "GET" in (r.header("access-control-allow-methods") or "") and
                "authorization" in (r.header("access-control-allow-headers") or "").lower(),
                "preflight from an allowed origin: 204 with Allow-Methods GET and "
                "Allow-Headers Authorization", (r.status, r.headers))
        r = s.get("/api/doc/x.txt", method="OPTIONS", headers=pre)
        c.eq(r.status, 204, "preflight for /api/doc too")
        r = s.get("/api/search?q=lam", method="OPTIONS",
                  headers=dict(pre, Origin="https://evil.example"))
        c.check(r.status == 405 and r.header("access-control-allow-origin") is None,
                "preflight from another origin: 405 without CORS headers", (r.status, r.headers))
        r = s.get("/search?q=lam", method="OPTIONS", headers=pre)
        c.check(r.status == 405, "preflight for a page: 405", r.status)
        r = s.get("/api/search?q=lam", method="DELETE", headers={"Origin": allowed})
        c.check(r.status == 405 and "OPTIONS" in (r.header("allow") or ""),
                "DELETE /api/search: 405, Allow names OPTIONS", r.headers)
    with Server(db) as s:
        r = s.get("/api/search?q=lam", headers={"Origin": allowed})
        c.check(r.header("access-control-allow-origin") is None and r.header("vary") is None,
                "without --cors: no CORS headers at all", r.headers)
        r = s.get("/api/search?q=lam", method="OPTIONS", headers={"Origin": allowed})
        c.eq(r.status, 405, "without --cors: OPTIONS is 405")
    # CORS and the token together: a preflight carries no Authorization and must pass
    with Server(db, ["--cors", allowed, "--token", token_file(TOKEN)]) as s:
        r = s.get("/api/search?q=lam", method="OPTIONS", headers=pre)
        c.check(r.status == 204 and r.header("access-control-allow-origin") == allowed,
                "with --token, the preflight is answered without the token", r.status)
        r = s.get("/api/search?q=lam", headers={"Origin": allowed})
        c.check(r.status == 401 and r.header("access-control-allow-origin") == allowed,
                "a 401 still carries CORS headers (the page can read why)", r.headers)
        r = s.get("/api/search?q=lam", headers={"Origin": allowed,
                                                "Authorization": "Bearer " + TOKEN})
        c.eq(r.status, 200, "cross-origin with the Bearer token: 200")


def burst(s, n, headers=None, path="/api/search?q=lam&facets=0"):
    return [s.get(path, headers=headers) for _ in range(n)]


def test_rate(c, db):
    rate = 2  # small, so that a slow machine does not refill the bucket during a burst
    with Server(db, ["--rate", str(rate)]) as s:
        time.sleep(1.5)  # the start-up /healthz polls used some of the bucket
        rs = burst(s, rate + 4)
        statuses = [r.status for r in rs]
        c.check(statuses[:rate] == [200] * rate, "a burst of %d is served" % rate, statuses)
        limited = [r for r in rs[rate:] if r.status == 429]
        c.check(len(limited) >= 3, "then 429 (%d of the next 4)" % len(limited), statuses)
        r = limited[-1] if limited else rs[-1]
        retry = r.header("retry-after") or ""
        c.check(r.status == 429 and error_code(r) == "rate_limited" and retry.isdigit() and
                1 <= int(retry) <= 2, "429 is JSON 'rate_limited' with Retry-After: %s" % retry,
                (r.status, r.headers, r.text))
        r = s.get("/search?q=lam")
        c.check(r.status == 429 and "<html" in r.text and r.header("retry-after"),
                "a page over the rate: a 429 page with Retry-After", r.status)
        time.sleep(int(retry or 1) + 0.1)
        r = s.get("/api/search?q=lam")
        c.eq(r.status, 200, "after Retry-After seconds the client is served again")
        # the rate is per client, and without --trust-proxy X-Forwarded-For counts for nothing
        time.sleep(1.5)
        statuses = [r.status for r in burst(s, rate + 2, {"X-Forwarded-For": "10.9.9.9"})]
        statuses += [r.status for r in burst(s, 2, {"X-Forwarded-For": "10.8.8.8"})]
        c.check(statuses.count(429) >= 3, "without --trust-proxy, X-Forwarded-For does not "
                "give a fresh bucket", statuses)
    with Server(db, ["--rate", str(rate), "--trust-proxy", "--token", token_file(TOKEN)]) as s:
        auth = {"Authorization": "Bearer " + TOKEN}
        a = dict(auth, **{"X-Forwarded-For": "10.0.0.1"})
        statuses = [r.status for r in burst(s, rate + 2, a)]
        c.check(statuses[:rate] == [200] * rate and statuses[-1] == 429,
                "--trust-proxy: client 10.0.0.1 is limited", statuses)
        b = dict(auth, **{"X-Forwarded-For": "10.0.0.2"})
        c.eq(s.get("/api/search?q=lam", headers=b).status, 200,
             "--trust-proxy: client 10.0.0.2 has its own bucket")
        forged = dict(auth, **{"X-Forwarded-For": "10.7.7.7, 10.0.0.1"})
        c.eq(s.get("/api/search?q=lam", headers=forged).status, 429,
             "--trust-proxy: only the last hop counts (a forged first hop does not help)")
        v6 = dict(auth, **{"X-Forwarded-For": "2001:db8:1:2::1"})
        statuses = [r.status for r in burst(s, rate, v6)]
        v6b = dict(auth, **{"X-Forwarded-For": "2001:db8:1:2::ffff"})
        c.check(statuses == [200] * rate and s.get("/api/search?q=lam", headers=v6b).status == 429,
                "--trust-proxy: IPv6 clients are counted per /64", statuses)
        r = post_login(s, b"token=" + q(TOKEN).encode(),
                       headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.3"})
        c.check(r.status == 303 and "Secure" in (r.header("set-cookie") or ""),
                "--trust-proxy and X-Forwarded-Proto: https: the cookie is Secure",
                r.header("set-cookie"))
        r = s.get("/api/search?q=lam", headers={"X-Forwarded-For": "10.0.0.4"})
        c.eq(r.status, 401, "the rate limit comes before the token check, which still applies")


def test(c):
    db = dltest.build_index(dltest.sample_dir())
    test_token_cli(c, db)
    test_token(c, db)
    test_cors(c, db)
    test_rate(c, db)


if __name__ == "__main__":
    main(test, "access")
