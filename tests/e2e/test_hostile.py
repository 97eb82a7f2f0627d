#!/usr/bin/env python3
"""End-to-end: hostile input and faults over real HTTP. Broken encodings, huge and deep queries,
odd numbers, path traversal (also through symbolic links), odd methods, header floods, slow
clients and connection floods: each gets a 4xx (or the right 2xx), the server answers the next
request, and nothing sent comes back unescaped in a page. No check bounds how long anything
takes: a request has a generous timeout to be answered at all, and slow clients are checked by
the order of events (others served before the slow ones are cut off), not by a clock."""

import json
import os
import shutil
import socket
import sys
import threading
import time
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, main, q  # noqa: E402

DOC = "2026-02-09-pm-chinh-chinese-commerce-minister.txt"
SECRET = "TOPSECRET-7f3a9c"


# --- helpers ------------------------------------------------------------------------------


def error_code(r):
    """The JSON error code of a response, or None."""
    try:
        return r.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def alive(c, s, what):
    """The server answers a normal request right after `what`."""
    try:
        r = s.get("/healthz", timeout=5)
        ok = r.status == 200
    except OSError as e:
        ok, r = False, e
    if not ok:
        c.check(False, "the server still answers after %s" % what, repr(r))
    return ok


def get(s, path, **kw):
    """GET that turns a dropped connection into status None."""
    try:
        return s.get(path, timeout=kw.pop("timeout", 10), **kw)
    except OSError as e:
        return dltest.Response(None, {}, repr(e).encode())


def expect(c, s, path, statuses, what, json_code=None, html=None, **kw):
    r = get(s, path, **kw)
    ok = r.status in statuses
    if ok and json_code is not None:
        ok = error_code(r) == json_code
    if ok and html is not None:
        ok = ((r.header("content-type") or "").startswith("text/html")) == html
    c.check(ok, "%s -> %s" % (what, r.status), "%s %s" % (r.status, r.text[:300]))
    alive(c, s, what)
    return r


# The /search page's own SVG, the timeline (server/timeline.c), has exactly these attributes.
TIMELINE_SVG_ATTRS = {"viewbox", "width", "height", "preserveaspectratio", "role", "aria-label",
                      "xmlns"}


class Tags(HTMLParser):
    """Every element and attribute of a page, to look for anything a client could inject."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.bad = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("svg", "img", "iframe", "object", "embed", "math", "style", "base", "frame",
                   "video", "audio") and not (tag == "svg" and set(a) == TIMELINE_SVG_ATTRS):
            self.bad.append(tag)
        if tag == "script" and not (a.get("src") or "").startswith("/static/"):
            self.bad.append("inline script")
        for k, v in attrs:
            if k.startswith("on"):
                self.bad.append("%s %s=" % (tag, k))
            if k in ("href", "src", "action") and (v or "").strip().lower().startswith(
                    "javascript:"):
                self.bad.append("%s %s=javascript:" % (tag, k))

    handle_startendtag = handle_starttag


PAYLOADS = ["<script>alert(1)</script>", '"onerror="alert(1)', "'><svg onload=alert(1)>",
            "</title><img src=x onerror=alert(1)>", "x\" autofocus onfocus=\"alert(1)",
            "javascript:alert(1)"]


def html_safe(r, payload):
    """(ok, detail): a text/html answer with no injected markup and no raw payload."""
    if not (r.header("content-type") or "").startswith("text/html"):
        return False, "content-type %r" % r.header("content-type")
    t = Tags(r.text)
    dangerous = any(ch in payload for ch in "<>\"'")
    if t.bad or (dangerous and payload in r.text):
        return False, "%s; raw payload present: %s" % (t.bad, payload in r.text)
    return True, ""


def json_safe(r, payload):
    """(ok, detail): valid JSON served as such; its HTML fields carry no markup but <mark>."""
    if not (r.header("content-type") or "").startswith("application/json"):
        return False, "content-type %r" % r.header("content-type")
    if (r.header("x-content-type-options") or "") != "nosniff":
        return False, "no nosniff"
    try:
        j = r.json()
    except ValueError as e:
        return False, "not JSON: %s" % e
    html_fields = []

    def walk(v, key=None):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, k)
        elif isinstance(v, list):
            for x in v:
                walk(x, key)
        elif isinstance(v, str) and key in ("snippet", "body_html"):
            html_fields.append(v)

    walk(j)
    for h in html_fields:
        stripped = h.replace("<mark>", "").replace("</mark>", "")
        if "<" in stripped or payload in h:
            return False, "markup in an HTML field: %r" % h[:200]
    return True, ""


# --- the cases --------------------------------------------------------------------------


def test_encoding(c, s):
    for enc, what in (("%C0%80", "overlong NUL C0 80"), ("%C0%AF", "overlong '/' C0 AF"),
                      ("%ED%A0%80", "UTF-16 surrogate ED A0 80"),
                      ("%F8%88%80%80%80", "5-byte form F8"), ("%FC%84%80%80%80%80", "6-byte FC"),
                      ("%FF%FE", "FF FE"), ("%C3", "truncated C3"), ("%E2%82", "truncated E2 82"),
                      ("%F4%90%80%80", "above U+10FFFF"), ("%80", "lone continuation 80")):
        expect(c, s, "/api/search?q=a" + enc, (400,), "API q with %s" % what, "bad_request")
        expect(c, s, "/search?q=a" + enc, (400,), "page q with %s" % what, html=True)
        expect(c, s, "/api/search?q=x&source=" + enc, (400,), "source with %s" % what,
               "bad_request")
    for raw, what in ((b"\xc0\x80", "raw C0 80"), (b"\xed\xa0\x80", "raw ED A0 80"),
                      (b"\xf8\x88\x80\x80\x80", "raw F8")):
        st, data = s.raw(b"GET /api/search?q=" + raw + b" HTTP/1.1\r\nHost: localhost\r\n"
                         b"Connection: close\r\n\r\n")
        c.check(st == 400, "unescaped bytes %s in the query string -> 400" % what, data[:200])
        alive(c, s, what)
    # NUL bytes
    expect(c, s, "/api/search?q=a%00b", (400,), "NUL in q", "bad_request")
    expect(c, s, "/search?q=%00", (400,), "NUL in q (page)", html=True)
    expect(c, s, "/api/search?q=x&source=a%00", (400,), "NUL in source", "bad_request")
    expect(c, s, "/api/search?q%00=x", (400,), "NUL in a parameter name", "bad_request")
    expect(c, s, "/api/doc/a%00.txt", (400,), "NUL in a doc id", "bad_request")
    expect(c, s, "/doc/a%00.txt", (400,), "NUL in a page path", html=True)
    # malformed %-escapes are kept literally
    for raw, literal in (("%zz", "%zz"), ("%4", "%4"), ("abc%", "abc%"), ("%", "%"),
                         ("%%41", "%A"), ("%G0", "%G0")):
        r = get(s, "/api/search?q=" + raw)
        try:
            ok = r.status == 200 and r.json()["query"] == literal
        except (ValueError, KeyError):
            ok = False
        c.check(ok, "malformed escape q=%s -> 200, kept as %r" % (raw, literal),
                "%s %s" % (r.status, r.text[:200]))
    expect(c, s, "/api/doc/%zz", (404,), "malformed escape in a doc id", "not_found")
    expect(c, s, "/doc/%", (404,), "a lone %% as a page path", html=True)
    expect(c, s, "/search?q=%E2%82%AC%zz", (200,), "a page q of '€%zz'", html=True)


def test_queries(c, s, big):
    """`s` has the default limits; `big` takes queries of 64 KB and URIs of 256 KB, but at most
    8 words and 2 wildcards."""
    # length: the default server refuses long q before looking at it
    expect(c, s, "/api/search?q=" + "a" * 1001, (400,), "q of 1001 bytes", "bad_request")
    expect(c, s, "/api/search?q=" + "a" * 9000, (414,), "a 9 KB request target (--max-uri)",
           "uri_too_long")
    expect(c, s, "/search?q=" + "a" * 9000, (414,), "a 9 KB page target", html=True)
    r = expect(c, s, "/api/search?q=" + "a" * 100000, (414, 431, None),
               "a 100 KB query string (libmicrohttpd's own 414)")
    c.check("a" * 100 not in r.text, "the 100 KB answer does not echo the query",
            r.text[:200])
    # the limits are the configured ones
    r = get(big, "/api/search?q=" + "a" * 5000)
    c.check(r.status == 200, "--max-query 65536: a q of 5,000 bytes is read", r.text[:200])
    r = get(big, "/api/search?q=" + q(" ".join("w%d" % i for i in range(8))))
    c.eq(r.status, 200, "--max-terms 8: 8 words are fine")
    r = get(big, "/api/search?q=" + q(" ".join("w%d" % i for i in range(9))))
    c.check(r.status == 400 and "at most 8" in r.text, "--max-terms 8: 9 words -> 400", r.text)
    r = get(big, "/api/search?q=" + q("ab* cd*"))
    c.eq(r.status, 200, "--max-wildcards 2: two wildcards are fine")
    r = get(big, "/api/search?q=" + q("ab* cd* ef*"))
    c.check(r.status == 400 and "at most 2" in r.text, "--max-wildcards 2: three -> 400", r.text)
    # what only the big server reads in full: still refused (an answer within the timeout)
    for qs, what, code in (("(" * 10000 + "x" + ")" * 10000, "10,000 nested brackets", 400),
                           (" OR ".join("w%d" % i for i in range(3000)), "3,000 ORs", 400),
                           ("a" * 100000, "q of 100 KB", 400),
                           (" ".join(["to lam"] * 5000), "10,000 words", 400),
                           ('"' * 20000, "20,000 quotes", None),
                           ("-" * 30000, "30,000 minus signs", None),
                           ("a* " * 5000, "5,000 wildcards", 400)):
        r = get(big, "/api/search?q=" + q(qs), timeout=30)
        ok = r.status == code if code else r.status in (200, 400)
        c.check(ok, "%s (%d bytes): %s" % (what, len(qs), r.status), r.text[:200])
        alive(c, big, what)
    # odd but short queries: 200 or 400, never 5xx
    for qs in ("*", "**", "a*", "*a", "a*b*", '""', '"', "AND", "OR NOT AND", "NOT NOT",
               "( )", ")(", "title:", "source:", "date:", "date:..", "date:9999-99-99",
               "NEAR/99999999 a b", "a NEAR/3", "+", "-", "+-+-", "\\", "'", "...", "&&",
               "|", "~a", "a~", "a^9", "_", "title:*", "source:\"\"", "xi -xi", "a b c " * 10):
        r = get(s, "/api/search?q=" + q(qs))
        ok = r.status in (200, 400)
        if ok and r.status == 200:
            ok = isinstance(r.json().get("timed_out"), bool)
        c.check(ok, "odd query %r: %s" % (qs, r.status), r.text[:200])
    alive(c, s, "odd queries")
    r = get(s, "/api/search?q=" + q(" OR ".join(["a*"] * 16)))
    c.check(r.status == 200, "16 copies of a* (each expansion capped by --max-wildcard)",
            r.text[:200])


def test_numbers(c, s):
    for k, vals in (("offset", ("-1", "99999999999999999999", "abc", "10001", "1.5", "1e3",
                                " 1", "0x10", "+1", "１")),
                    ("limit", ("0", "-5", "101", "99999999999999999999", "abc", "1e2", "NaN",
                               "5;", "5%00"))):
        for v in vals:
            expect(c, s, "/api/search?q=x&%s=%s" % (k, q(v)), (400,), "%s=%r" % (k, v),
                   "bad_request")
    expect(c, s, "/search?q=x&offset=" + q("-1"), (400,), "page offset=-1", html=True)
    expect(c, s, "/search?q=x&offset=99999999999999999999", (400,), "page offset huge",
           html=True)
    r = expect(c, s, "/api/search?q=&offset=10000&limit=100", (200,), "offset 10000, limit 100")
    c.check(r.status == 200 and r.json()["hits"] == [], "offset past the end: no hits",
            r.text[:200])
    expect(c, s, "/api/search?q=x&offset=&limit=", (200,), "empty offset and limit")
    r = get(s, "/api/search?q=lam&foo=bar&x=%3Cy%3E&utm_source=1&=nokey&&&")
    c.check(r.status == 200, "unknown and empty parameters are ignored", r.text[:200])
    r = get(s, "/api/search?q=lam&q=zzzzqqq&limit=2&limit=500")
    try:
        j = r.json()
        ok = r.status == 200 and j["query"] == "lam" and j["limit"] == 2
    except (ValueError, KeyError):
        ok = False
    c.check(ok, "duplicate parameters: the first one counts", r.text[:200])
    expect(c, s, "/api/search?" + "&".join("p%d=1" % i for i in range(65)), (400,),
           "65 parameters", "bad_request")


def test_static(c, s):
    r = get(s, "/static/style.css")
    c.check(r.status == 200, "a real static file is served", r.status)
    for p in ("/static/../meson.build", "/static/../../etc/passwd", "/static/%2e%2e/meson.build",
              "/static/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "/static/..%2f..%2fetc%2fpasswd",
              "/static/.%2e/meson.build", "/static//etc/passwd", "/static/%2fetc/passwd",
              "/static/%2Fetc%2Fpasswd", "/static/..\\..\\etc\\passwd", "/static/%5c..%5c",
              "/static/style.css%00.png", "/static/./style.css", "/static/.hidden",
              "/static/leak.css", "/static/linkdir/secret.css", "/static/linkdir/../style.css",
              "/static/%252e%252e/meson.build", "/static/%c0%ae%c0%ae/meson.build",
              "/etc/passwd", "//etc/passwd", "/static", "/static/"):
        r = get(s, p)
        ok = r.status in (400, 404) and SECRET not in r.text and "root:" not in r.text and \
            "project(" not in r.text
        c.check(ok, "static path %s -> %s" % (p, r.status), r.text[:200])
    for raw in (b"GET ../../etc/passwd HTTP/1.1", b"GET /static/../../../etc/passwd HTTP/1.1",
                b"GET /static/linkdir/secret.css HTTP/1.0",
                b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1", b"GET \\static\\..\\x HTTP/1.1"):
        st, data = s.raw(raw + b"\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        c.check(st is None or 400 <= st < 500, "raw %r -> %s" % (raw[:40], st), data[:200])
        c.check(SECRET.encode() not in data and b"root:" not in data, "raw %r leaks nothing"
                % raw[:40])
    alive(c, s, "traversal attempts")


def test_methods(c, s):
    r = get(s, "/api/search?q=lam", method="HEAD")
    c.check(r.status == 200 and r.body == b"", "HEAD /api/search: 200, no body", r.status)
    r = get(s, "/search?q=lam", method="HEAD")
    c.check(r.status == 200 and r.body == b"", "HEAD /search: 200, no body", r.status)
    r = get(s, "/nope", method="HEAD")
    c.check(r.status == 404 and r.body == b"", "HEAD /nope: 404, no body", r.status)
    for m in ("PUT", "DELETE", "PATCH", "TRACE", "FOO", "OPTIONS", "POST", "PROPFIND"):
        for path, html in (("/api/search?q=x", False), ("/search?q=x", True), ("/", True),
                           ("/login", True)):
            r = expect(c, s, path, (405, 404) if path == "/login" else (405,),
                       "%s %s" % (m, path), method=m,
                       body=b"x=1" if m in ("PUT", "POST", "PATCH") else None)
            if r.status == 405:
                c.check("GET" in (r.header("allow") or ""), "%s %s: Allow names GET" % (m, path),
                        r.header("allow"))
    st, data = s.raw(b"CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n")
    c.check(st is None or 400 <= st < 500, "CONNECT -> 4xx or close", data[:200])
    st, data = s.raw(b"GET / HTTP/9.9\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    c.check(st is None or 400 <= st < 600 and st != 500, "HTTP/9.9 -> refused", data[:200])
    st, data = s.raw(b"GET /healthz\r\n\r\n")
    c.check(st is None or 400 <= st < 500 or data.startswith(b"{"), "HTTP/0.9 request line",
            data[:200])
    st, data = s.raw(b"GET / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                     b"Connection: close\r\n\r\nzz\r\n")
    c.check(st is not None and 400 <= st < 500, "a broken chunked body -> 4xx", data[:200])
    alive(c, s, "odd methods")


def test_headers(c, s):
    many = b"".join(b"X-Flood-%d: v\r\n" % i for i in range(5000))
    st, data = s.raw(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n" + many + b"Connection: close\r\n\r\n")
    c.check(st in (400, 413, 431) or st is None, "5,000 headers -> %s" % st, data[:200])
    alive(c, s, "a header flood")
    st, data = s.raw(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 100000 +
                     b"\r\nConnection: close\r\n\r\n")
    c.check(st in (400, 413, 431) or st is None, "one 100 KB header -> %s" % st, data[:200])
    alive(c, s, "a huge header")
    st, data = s.raw(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nCookie: " + b"a=b; " * 10000 +
                     b"\r\nConnection: close\r\n\r\n")
    c.check(st in (400, 413, 431) or st is None, "a 50 KB cookie -> %s" % st, data[:200])
    some = b"".join(b"X-Some-%d: %s\r\n" % (i, b"v" * 40) for i in range(100))
    st, data = s.raw(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n" + some + b"Connection: close\r\n\r\n")
    c.check(st == 200, "100 ordinary headers (5 KB) are fine", data[:200])
    st, data = s.raw(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Bad\x00Name: v\r\n"
                     b"Connection: close\r\n\r\n", timeout=5)
    c.check(st is None or st in (200, 400), "a NUL inside a header name -> %s" % st, data[:200])
    st, data = s.raw(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n"
                     b"Connection: close\r\n\r\n", timeout=5)
    c.check(st is None or 400 <= st < 500, "Content-Length: -1 -> %s" % st, data[:200])
    st, data = s.raw(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999999999999999999"
                     b"\r\nConnection: close\r\n\r\n", timeout=5)
    c.check(st is None or 400 <= st < 500, "a huge Content-Length -> %s" % st, data[:200])
    alive(c, s, "odd headers")


def test_slow(c, s, timeout):
    """Slow clients are cut off after --timeout while the others are served. Checked by the
    order of events, not by how fast anything is: a request sent once every slow client holds
    its connection is answered before the server cuts the first of them off (a server that
    waited on them would answer only after), and no slow client is cut off before --timeout.
    How much later than --timeout they go is not bounded (a generous deadline only ends the
    wait for a server that never cuts them off)."""
    results = {}                          # name -> (seconds until closed, closed by the server)
    holding = threading.Semaphore(0)      # released once per client holding its connection
    cut = threading.Event()               # a slow client's connection has ended

    def slowloris(name, prefix, interval):
        t0 = time.time()
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=1)
        by_server = held = False
        try:
            if prefix:
                sock.sendall(prefix)
                resp = b""
                while b"\r\n\r\n" not in resp or not resp.rstrip().endswith(b"}"):
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    resp += chunk
                t0 = time.time()
            req = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 400
            i = 0
            deadline = t0 + timeout + 30
            while time.time() < deadline:
                if interval and i < len(req):
                    try:
                        sock.sendall(req[i:i + 1])
                    except OSError:
                        by_server = True
                        break
                    i += 1
                if not held:
                    held = True
                    holding.release()
                sock.settimeout(interval or 0.25)
                try:
                    if sock.recv(4096) == b"":
                        by_server = True
                        break
                except socket.timeout:
                    pass
                except OSError:
                    by_server = True
                    break
            results[name] = (time.time() - t0, by_server)
        finally:
            cut.set()
            if not held:
                holding.release()
            sock.close()

    threads = [threading.Thread(target=slowloris, args=("byte every 0.2 s #%d" % i, None, 0.2))
               for i in range(3)]
    threads.append(threading.Thread(target=slowloris, args=("silent", None, 0)))
    threads.append(threading.Thread(
        target=slowloris, args=("slow 2nd request on a keep-alive connection",
                                b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", 0.2)))
    for t in threads:
        t.start()
    for t in threads:
        holding.acquire(timeout=30)
    sent = served = served_before_cut = 0
    t_end = time.time() + timeout + 1
    while time.time() < t_end:
        r = get(s, "/api/search?q=lam&limit=3", timeout=30)
        sent += 1
        served += r.status == 200
        served_before_cut += r.status == 200 and not cut.is_set()
        time.sleep(0.1)
    for t in threads:
        t.join(timeout + 40)
    c.check(served == sent and served_before_cut > 0,
            "others are served meanwhile (%d of %d requests, %d while every slow client was "
            "still connected)" % (served, sent, served_before_cut))
    for name in sorted(results):
        took, by_server = results[name]
        c.check(by_server and took >= timeout - 0.5,
                "slow client (%s) cut off by the server, not before --timeout %d" % (name, timeout),
                "%s after %.1f s" % ("cut off" if by_server else "still connected", took))
    c.eq(len(results), len(threads), "every slow client was closed")
    alive(c, s, "slow clients")


def test_conn_limit(c, db):
    """Past --max-connections, connections are closed at once; service resumes afterwards."""
    with Server(db, ["--max-connections", "4", "--timeout", "3"], threads=1) as s:
        socks = [socket.create_connection(("127.0.0.1", s.port), timeout=2) for _ in range(4)]
        time.sleep(0.3)
        extra = socket.create_connection(("127.0.0.1", s.port), timeout=2)
        try:
            extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            data = extra.recv(100)
        except OSError:
            data = b""
        extra.close()
        c.check(data == b"", "a 5th connection with --max-connections 4 is closed", data)
        for x in socks:
            x.close()
        time.sleep(0.3)
        st, h = s.json("/healthz")
        c.check(st == 200, "the server answers once the 4 are gone", st)


def test_xss(c, s):
    for p in PAYLOADS:
        e = q(p)
        for path in ("/search?q=" + e, "/search?q=x&from=" + e, "/search?q=x&to=" + e,
                     "/search?q=x&source=" + e, "/search?q=x&offset=" + e,
                     "/search?q=x&sort=" + e, "/search?q=x&facets=" + e, "/doc/" + e,
                     "/doc/%s?q=%s" % (DOC, e), "/" + e, "/search?" + e + "=1",
                     "/search?q=" + e + "&source=" + e + "&from=" + e):
            r = get(s, path, headers={"Accept": "text/html"})
            ok, detail = html_safe(r, p)
            c.check(ok and r.status in (200, 400, 404),
                    "page %s: %s, nothing injected" % (path[:60], r.status), detail)
        for path in ("/api/search?q=" + e, "/api/search?q=x&from=" + e,
                     "/api/search?q=x&source=" + e, "/api/search?q=x&offset=" + e,
                     "/api/search?q=x&limit=" + e, "/api/doc/" + e, "/api/doc/%s?q=%s" % (DOC, e),
                     "/api/" + e, "/static/" + e):
            r = get(s, path)
            ok, detail = json_safe(r, p)
            c.check(ok and r.status in (200, 400, 404),
                    "JSON %s: %s, well-formed" % (path[:60], r.status), detail)
    # the reflected values really are there, escaped (so the checks above looked at them)
    r = get(s, "/search?q=" + q(PAYLOADS[0]))
    c.check("&lt;script&gt;alert(1)&lt;/script&gt;" in r.text, "the page shows q escaped")
    r = get(s, "/api/search?q=x&from=" + q(PAYLOADS[2]))
    c.check(error_code(r) == "bad_request" and PAYLOADS[2] in r.json()["error"]["message"],
            "the JSON error quotes the value as a JSON string", r.text[:200])
    st, data = s.raw(b"GET /api/search?q=<script>\"' HTTP/1.1\r\nHost: localhost\r\n"
                     b"Connection: close\r\n\r\n")
    body = data.split(b"\r\n\r\n", 1)[-1]
    c.check(st in (200, 400) and (st != 200 or json.loads(body)["query"] == "<script>\"'"),
            "raw <script>\"' in the query string -> %s, JSON-escaped" % st, data[:300])


def test(c):
    db = dltest.build_index(dltest.sample_dir())
    # a web folder with symbolic links that lead outside it
    tmp = dltest.tempdir()
    web = os.path.join(tmp, "web")
    shutil.copytree(os.path.join(dltest.SOURCE_ROOT, "web"), web)
    outside = os.path.join(tmp, "outside")
    os.mkdir(outside)
    for name in ("secret.css", "secret.txt"):
        with open(os.path.join(outside, name), "w") as f:
            f.write(SECRET + "\n")
    os.symlink(os.path.join(outside, "secret.css"), os.path.join(web, "leak.css"))
    os.symlink(outside, os.path.join(web, "linkdir"))
    with open(os.path.join(web, ".hidden"), "w") as f:
        f.write(SECRET)
    timeout = 2
    with Server(db, ["--web", web, "--timeout", str(timeout)]) as s, \
            Server(db, ["--max-query", "65536", "--max-uri", "262144",
                        "--max-header-bytes", "524288", "--max-terms", "8",
                        "--max-wildcards", "2"]) as big:
        test_encoding(c, s)
        test_queries(c, s, big)
        test_numbers(c, s)
        test_static(c, s)
        test_methods(c, s)
        test_headers(c, s)
        test_xss(c, s)
        test_slow(c, s, timeout)
        st, r = s.search(q="to lam")
        c.check(st == 200 and r["total"] > 0, "after all that, searches still work", r)
    for srv in (s, big):
        log = srv.log()
        bad = [l for l in log.splitlines() if " 500 " in l or " 503 " in l]
        c.check(not bad, "no 5xx in the access log", bad[:5])
    test_conn_limit(c, db)


if __name__ == "__main__":
    main(test, "hostile")
