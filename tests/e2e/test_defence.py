#!/usr/bin/env python3
"""End-to-end: defence in depth, over real HTTP. JSON answers carry no raw < > & (a reflected
query can never become markup), and the Host header: the names the server answers to (localhost,
127.0.0.1, [::1], each with or without the bound port, and --allow-host), 421 for any other (DNS
rebinding), no Host only in HTTP/1.0 on a loopback bind, two Host headers 400, and --public
refused without --allow-host."""

import json
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, main, q  # noqa: E402

PAYLOAD = "<script>&"


def body_of(data):
    return data.split(b"\r\n\r\n", 1)[-1]


def header_of(data, name):
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == name.lower():
            return v.strip()
    return None


def request(s, path, host, version="1.1", accept=None):
    """One raw request with Host `host` (None: no Host line); returns (status, raw bytes)."""
    lines = ["GET %s HTTP/%s" % (path, version)]
    if host is not None:
        lines.append("Host: " + host)
    if accept:
        lines.append("Accept: " + accept)
    lines.append("Connection: close")
    return s.raw(("\r\n".join(lines) + "\r\n\r\n").encode())


def no_raw_markup(body):
    return b"<" not in body and b">" not in body and b"&" not in body


def test_json_escapes(c, s):
    r = s.get("/api/search?q=" + q(PAYLOAD))
    c.check(r.status == 200 and no_raw_markup(r.body), "search q=<script>&: no raw < > & in the "
            "JSON", r.body[:300])
    c.eq(r.json().get("query"), PAYLOAD, "the query decodes back to <script>&")
    c.check(b"\\u003cscript\\u003e\\u0026" in r.body, "written as \\u003cscript\\u003e\\u0026",
            r.body[:300])
    # an error quoting the payload, and a search whose snippets hold <mark>
    r = s.get("/api/search?q=x&from=" + q(PAYLOAD))
    c.check(r.status == 400 and no_raw_markup(r.body) and PAYLOAD in r.json()["error"]["message"],
            "a 400 quoting <script>&: escaped, decodes back", r.body[:300])
    r = s.get("/api/search?q=" + q("to lam") + "&limit=3")
    hits = r.json().get("hits", [])
    c.check(r.status == 200 and hits and "<mark>" in hits[0]["snippet"] and no_raw_markup(r.body),
            "snippets' <mark> are \\u003cmark\\u003e on the wire, <mark> once decoded",
            r.body[:300])
    r = s.get("/api/doc/" + q(PAYLOAD))
    c.check(r.status == 404 and no_raw_markup(r.body), "a 404 for id <script>&: escaped",
            r.body[:300])


def test_hosts(c, s, allowed, refused):
    for host in allowed:
        st, data = request(s, "/api/search?q=lam&limit=1", host)
        c.eq(st, 200, "Host %r is answered" % host)
    for host in refused:
        st, data = request(s, "/api/search?q=lam&limit=1", host)
        try:
            code = json.loads(body_of(data))["error"]["code"]
        except (ValueError, KeyError, TypeError):
            code = None
        c.check(st == 421 and code == "misdirected_request",
                "Host %r -> 421 with a JSON error" % host, data[:300])


def test_default_hosts(c, s):
    p = s.port
    allowed = ["localhost", "localhost:%d" % p, "LocalHost:%d" % p, "127.0.0.1",
               "127.0.0.1:%d" % p, "[::1]", "[::1]:%d" % p]
    refused = ["evil.example", "evil.example:%d" % p, "localhost:%d" % (p + 1 if p < 65535 else 1),
               "localhost.evil.example", "127.0.0.1.nip.io:%d" % p, "localhost:", "[::1]x",
               "::1", "", "search.example"]
    test_hosts(c, s, allowed, refused)
    st, data = request(s, "/search?q=lam", "evil.example", accept="text/html")
    c.check(st == 421 and (header_of(data, "Content-Type") or "").startswith("text/html")
            and b"evil.example" in data and b"Unknown host name" in data,
            "a page for an unknown host: 421 with an HTML error page", data[:300])
    st, data = request(s, "/api/search?q=lam", "<script>&")
    c.check(st == 421 and no_raw_markup(body_of(data)), "a Host of <script>&: 421, escaped",
            data[:300])
    st, data = request(s, "/healthz", None, version="1.0")
    c.eq(st, 200, "HTTP/1.0 without Host on a loopback bind is answered")
    st, data = request(s, "/healthz", None)
    c.check(st == 400 and b"Host" in body_of(data), "HTTP/1.1 without Host -> 400 (RFC 9112)",
            data[:300])
    for pair in (("localhost", "evil.example"), ("evil.example", "localhost"),
                 ("localhost", "localhost")):
        st, data = s.raw(("GET /healthz HTTP/1.1\r\nHost: %s\r\nHost: %s\r\n"
                          "Connection: close\r\n\r\n" % pair).encode())
        c.eq(st, 400, "two Host headers %r -> 400" % (pair,))
    # what the other tests' helper sends (http.client: Host 127.0.0.1:PORT) works
    c.eq(s.get("/healthz").status, 200, "http.client's Host is answered")


def test_allow_host(c, db):
    with Server(db, ["--allow-host", "search.example", "--allow-host", "Other.Example:8443",
                     "--allow-host", "[2001:db8::7]"]) as s:
        p = s.port
        allowed = ["search.example", "search.example:%d" % p, "SEARCH.example",
                   "other.example:8443", "[2001:db8::7]:%d" % p, "localhost:%d" % p]
        refused = ["other.example", "other.example:%d" % p, "search.example:1",
                   "evil.example", "x.search.example"]
        test_hosts(c, s, allowed, refused)


def run_cli(args, timeout=20):
    p = dltest.run_program([dltest.DL_SERVE] + args, "dateline-serve " + " ".join(args),
                           timeout=timeout)
    return p.returncode, p.stderr


def test_public(c, db):
    port = dltest.free_port()
    rc, err = run_cli(["-d", db, "-l", "0.0.0.0:%d" % port, "--public"])
    lines = [l for l in err.splitlines() if l.strip()]
    c.check(rc == 2 and len(lines) == 1 and "--allow-host" in err,
            "--public without --allow-host: one line naming --allow-host, exit 2", (rc, err))
    for bad in ("", "a b", "x/y", "host:0", "host:99999", "[::1", "http://x"):
        rc, err = run_cli(["-d", db, "--allow-host", bad])
        c.check(rc == 2 and "--allow-host" in err, "--allow-host %r refused (exit 2)" % bad,
                (rc, err))
    # a public bind: the allowed name is answered, a request without Host is not
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("0.0.0.0", 0))
    except OSError:
        print("skip: cannot bind 0.0.0.0 here")
        return
    s = Server(db, ["--public", "--allow-host", "search.example"])
    s.bind = "0.0.0.0"
    with s:
        st, data = request(s, "/healthz", "search.example")
        c.eq(st, 200, "public bind: the --allow-host name is answered")
        st, data = request(s, "/healthz", None, version="1.0")
        c.eq(st, 421, "public bind: HTTP/1.0 without Host -> 421")
        st, data = request(s, "/healthz", "evil.example")
        c.eq(st, 421, "public bind: another name -> 421")


def test(c):
    db = dltest.build_index(dltest.sample_dir())
    with Server(db) as s:
        test_json_escapes(c, s)
        test_default_hosts(c, s)
    test_allow_host(c, db)
    test_public(c, db)


if __name__ == "__main__":
    main(test, "defence")
