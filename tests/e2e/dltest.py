"""dltest - shared helpers for dateline's end-to-end tests (python3 stdlib only).

    from dltest import Checks, Server, build_index, sample_dir
    c = Checks("search")
    with Server(build_index(sample_dir())) as s:
        st, body = s.json("/api/search?q=to+lam")
        c.check(st == 200, "search answers 200", body)
    sys.exit(c.report())

Environment (set by meson): DL_SOURCE_ROOT, DL_INDEX (dateline-index),
DL_SERVE (dateline-serve). The index is built into a temporary folder that
is removed at exit; the server listens on a free 127.0.0.1 port and is
stopped with SIGTERM: Server.stop() (also the end of a `with` block) checks
"SIGTERM stops the server with status 0" through the program's Checks, so
every test that starts a server makes that check once per server.

Every JSON response Server.get() and Server.raw() receive is checked against
the API description web/openapi.json (openapi_check.py): one that does not
match it fails the test ("the response matches web/openapi.json").

Nothing our programs write to stderr is thrown away: a server's goes to its
log (printed when its start or stop fails, scanned for sanitizer reports at
the end by main()); run_program() and run_index() capture the stderr of the
others and check_stderr() fails the test, printing the report, when it holds
a sanitizer report.
"""

import atexit
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

import openapi_check

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.environ.get("DL_SOURCE_ROOT") or os.path.dirname(os.path.dirname(HERE))
BUILD_ROOT = os.environ.get("DL_BUILD_ROOT", "")
DL_INDEX = os.environ.get("DL_INDEX") or os.path.join(BUILD_ROOT, "indexer", "dateline-index")
DL_SERVE = os.environ.get("DL_SERVE") or os.path.join(BUILD_ROOT, "server", "dateline-serve")

_tmpdirs = []
_servers = []  # every Server started, for the sanitizer check in main()
_checks = None  # the program's Checks (the latest made): where helpers record their checks


def _cleanup():
    for d in _tmpdirs:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)


def tempdir(prefix="dl-e2e-"):
    d = tempfile.mkdtemp(prefix=prefix)
    _tmpdirs.append(d)
    return d


def sample_dir():
    return os.path.join(SOURCE_ROOT, "data", "sample")


def copy_sample():
    """A temporary copy of data/sample's .txt readouts, to edit and re-index; returns its path."""
    src = os.path.join(tempdir(), "readouts")
    shutil.copytree(sample_dir(), src, ignore=shutil.ignore_patterns("*.jsonl", "*.md"))
    return src


class Checks:
    """Counts checks; each prints one line; report() prints 'N passed, N failed'."""

    def __init__(self, name):
        global _checks
        self.name = name
        self.passed = 0
        self.failed = 0
        _checks = self

    def check(self, cond, what, detail=None):
        if cond:
            self.passed += 1
            print("ok   %s" % what, flush=True)
        else:
            self.failed += 1
            extra = ""
            if detail is not None:
                text = detail if isinstance(detail, str) else repr(detail)
                extra = "\n       " + text[:4000].replace("\n", "\n       ")
            print("FAIL %s%s" % (what, extra), flush=True)
        return bool(cond)

    def eq(self, got, want, what):
        return self.check(got == want, what, "got %r, want %r" % (got, want))

    def report(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 1 if self.failed else 0


def _record(cond, what, detail=None):
    """A check made by a helper: through the program's Checks, else an exception on failure."""
    if _checks is not None:
        return _checks.check(cond, what, detail)
    if not cond:
        raise AssertionError("%s\n%s" % (what, detail or ""))
    return True


def check_api(method, target, status, content_type, body):
    """Fail the test when a JSON response does not match web/openapi.json (openapi_check);
    records nothing when it does."""
    problems = openapi_check.check(method, target, status, content_type, body)
    if problems:
        if isinstance(target, bytes):
            target = target.decode("latin-1")
        _record(False, "the response matches web/openapi.json: %s %s -> %d" % (
            method, target[:100], status), "\n".join(problems[:10]))


def sanitizer_report(text, lines=60):
    """The first sanitizer report in `text` (AddressSanitizer, LeakSanitizer, UBSan's
    "runtime error:"), `lines` lines from its first; "" when there is none."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    all_lines = (text or "").splitlines()
    for i, line in enumerate(all_lines):
        if "Sanitizer" in line or "runtime error:" in line:
            return "\n".join(all_lines[i:i + lines])
    return ""


def check_stderr(what, text):
    """Fail the test, printing the report, when a program's stderr holds a sanitizer report;
    records nothing when it does not. Returns True when clean."""
    report = sanitizer_report(text)
    if report:
        return _record(False, "%s: no sanitizer report on stderr" % what, report)
    return True


def run_program(cmd, what=None, **kw):
    """subprocess.run(cmd) with stdout and stderr captured as text (UTF-8, undecodable bytes
    replaced; timeout 600 s unless given); a sanitizer report on stderr fails the test
    (check_stderr). Returns the CompletedProcess."""
    kw.setdefault("timeout", 600)
    p = subprocess.run(cmd, capture_output=True, encoding="utf-8", errors="replace", **kw)
    check_stderr(what or " ".join(os.path.basename(a) for a in cmd[:3]), p.stderr)
    return p


def run_index(src, db, extra=()):
    """Run dateline-index -d DB SRC; returns the CompletedProcess (raises on failure, with its
    stderr; a sanitizer report on stderr fails the test even when it exits 0)."""
    cmd = [DL_INDEX, "-d", db] + list(extra) + [src]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s" % (" ".join(cmd), p.returncode,
                                                    p.stderr.decode("utf-8", "replace")))
    check_stderr("dateline-index " + " ".join(extra), p.stderr)
    return p


def build_index(src, db=None):
    """Index folder `src` into a new temporary database; returns its path."""
    db = db or os.path.join(tempdir(), "dateline.db")
    run_index(src, db)
    return db


def wait_for(fn, timeout=15):
    """fn()'s first true value within timeout seconds (polled every 50 ms), else its last."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    return fn()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def q(s):
    """Percent-encode a query value (UTF-8)."""
    return urllib.parse.quote(s, safe="")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case names
        self.body = body        # bytes

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header(self, name):
        return self.headers.get(name.lower())


class Server:
    """A dateline-serve process on a free loopback port."""

    def __init__(self, db, args=(), threads=2, env=None):
        self.db = db
        self.args = list(args)
        self.threads = threads
        self.env = env  # the server's environment; None: ours
        self.port = None
        self.bind = "127.0.0.1"  # the address listened on (clients always use 127.0.0.1)
        self.proc = None
        self.log_path = os.path.join(tempdir("dl-log-"), "serve.log")
        self.exit_code = None
        self.terminated = False  # terminate() sent the SIGTERM

    def start(self):
        _servers.append(self)
        for attempt in range(5):
            self.port = free_port()
            self._log = open(self.log_path, "ab")
            cmd = [DL_SERVE, "-d", self.db, "-l", "%s:%d" % (self.bind, self.port),
                   "-t", str(self.threads)] + self.args
            self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=self._log, env=self.env)
            self.terminated = False
            deadline = time.time() + 20
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    # our process must still be alive: a 200 from another server that
                    # holds the port (a parallel run) would not be ours
                    if self.get("/healthz").status == 200 and self.proc.poll() is None:
                        return self
                except OSError:
                    pass
                time.sleep(0.05)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.exit_code = self.proc.returncode
            self.proc = None  # not started: stop() has nothing to check
            self._log.close()
            # A port taken between free_port() and bind() is worth another try.
            if "cannot listen" not in self.log():
                break
        raise RuntimeError("dateline-serve did not start:\n" + self.log()[-3000:])

    def terminate(self):
        """Send the SIGTERM now, to test what the server does while it stops; stop() then only
        waits for the exit and checks its status."""
        self.proc.send_signal(signal.SIGTERM)
        self.terminated = True

    def stop(self, timeout=30):
        """SIGTERM, and check "SIGTERM stops the server with status 0" (through the program's
        Checks; without one, an exception when it fails): a server that exits otherwise, that
        had already exited (before a terminate()), or that ignores SIGTERM for `timeout` seconds
        fails it, and its log's end is printed. Checked once; a second call only returns the
        exit status."""
        if self.proc is None:
            return self.exit_code
        how = "exit status %s"
        running = self.terminated or self.proc.poll() is None
        if running:
            if not self.terminated:
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                how = "no exit %d s after SIGTERM: killed (%%s)" % timeout
        else:
            how = "it had exited before the SIGTERM, exit status %s"
        self.exit_code = self.proc.returncode
        self.proc = None
        self._log.close()
        ok = running and self.exit_code == 0
        detail = None
        if not ok:
            detail = "%s; dateline-serve %s\n--- end of its log ---\n%s" % (
                how % self.exit_code, " ".join(self.args) or "(default options)",
                self.log()[-3000:])
        _record(ok, "SIGTERM stops the server with status 0", detail)
        return self.exit_code

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def get(self, path, method="GET", headers=None, body=None, timeout=30):
        """One request on a fresh connection; path is sent exactly as given."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in (headers or {}).items():
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            r = conn.getresponse()
            data = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
            check_api(method, path, r.status, hdrs.get("content-type"), data)
            return Response(r.status, hdrs, data)
        finally:
            conn.close()

    def raw(self, request_bytes, timeout=10):
        """Send raw bytes; returns (status or None, raw response bytes)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(request_bytes)
            chunks = []
            try:
                while True:
                    b = s.recv(65536)
                    if not b:
                        break
                    chunks.append(b)
            except socket.timeout:
                pass
        data = b"".join(chunks)
        exchange = openapi_check.split_raw(request_bytes, data)
        if exchange:
            check_api(*exchange)
        status = None
        if data.startswith(b"HTTP/1."):
            try:
                status = int(data.split(b" ", 2)[1])
            except (IndexError, ValueError):
                pass
        return status, data

    def json(self, path, **kw):
        """GET path; returns (status, decoded JSON or None)."""
        r = self.get(path, **kw)
        try:
            return r.status, r.json()
        except ValueError:
            return r.status, None

    def search(self, **params):
        """GET /api/search with params (values str/int); returns (status, JSON)."""
        qs = "&".join("%s=%s" % (k, q(str(v))) for k, v in params.items())
        return self.json("/api/search?" + qs)

    def total(self, query):
        """The total of a search (no facets), or -1 when it fails."""
        st, r = self.search(q=query, facets=0)
        return r["total"] if st == 200 else -1


def doc_path(doc_id, prefix="/api/doc/"):
    """URL path of a readout id: each segment percent-encoded, '/' kept."""
    return prefix + "/".join(urllib.parse.quote(s, safe="") for s in doc_id.split("/"))


def utf16_slice(text, start16, end16):
    """text[start16:end16] counted in UTF-16 code units (as JavaScript does)."""
    b = text.encode("utf-16-le")
    return b[2 * start16:2 * end16].decode("utf-16-le")


def main(fn, name):
    """Run fn(checks); catch crashes as failures; exit with the report's status."""
    c = Checks(name)
    try:
        fn(c)
    except Exception as e:  # a crash in the test is a failure, not a silent pass
        import traceback
        traceback.print_exc()
        c.check(False, "test ran to the end", "%s: %s" % (type(e).__name__, e))
    for s in _servers:
        s.stop()
        report = sanitizer_report(s.log())
        c.check(not report, "the server log has no sanitizer report", report)
    sys.exit(c.report())
