#!/usr/bin/env python3
"""End-to-end: the configuration file (--config, --no-config, --check-config), the command line
over the file, --log-format json (with its time, without it under journald), and SIGHUP: a bad
file keeps the running configuration and logs why, a good one switches the access log to JSON."""

import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, main  # noqa: E402


def conf_file(text):
    path = os.path.join(dltest.tempdir(), "dateline-serve.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def run_cli(args):
    p = dltest.run_program([dltest.DL_SERVE] + args, "dateline-serve " + " ".join(args))
    return p.returncode, p.stdout, p.stderr


def test_check(c, db):
    example = os.path.join(dltest.SOURCE_ROOT, "data", "dateline-serve.conf")
    rc, out, err = run_cli(["--config", example, "--check-config"])
    c.check(rc == 0 and "configuration ok" in out, "the shipped example passes --check-config",
            (rc, out, err))
    good = conf_file("# a comment\n\ndb %s\nthreads = 2\nmax-query 500\nlog-format json\n"
                     "trust-proxy\n" % db)
    rc, out, err = run_cli(["--config", good, "--check-config"])
    c.check(rc == 0 and err == "", "a good file: exit 0, nothing on stderr", (rc, out, err))
    for text, line, what in (("threads 2\nthreads many\n", 2, "a bad value"),
                             ("# x\nno-such-option 1\n", 2, "an unknown option"),
                             ("trust-proxy yes\n", 1, "a value for a switch"),
                             ("max-query\n", 1, "no value"),
                             ("Threads 2\n", 1, "not an option line"),
                             ("help\n", 1, "an option only the command line takes")):
        bad = conf_file(text)
        rc, out, err = run_cli(["--config", bad, "--check-config"])
        lines = err.splitlines()
        c.check(rc != 0 and len(lines) == 1 and
                lines[0].startswith("dateline-serve: %s:%d: " % (bad, line)),
                "%s: exit non-zero, one line 'dateline-serve: FILE:%d: ...'" % (what, line),
                (rc, err))
    rc, out, err = run_cli(["--config", "/nonexistent/x.conf", "--check-config"])
    c.check(rc != 0 and "cannot read '/nonexistent/x.conf'" in err, "--config of a missing file "
            "fails", (rc, err))
    bad = conf_file("threads many\n")
    rc, out, err = run_cli(["--config", bad, "--no-config", "--check-config"])
    c.check(rc == 0, "--no-config: the file is not read", (rc, err))
    rc, out, err = run_cli(["--config", good, "--threads", "0", "--check-config"])
    c.check(rc != 0 and "--threads" in err and good not in err,
            "the command line is checked too, without a FILE:LINE", (rc, err))


def test_override(c, db):
    path = conf_file("max-query 8\n")
    with Server(db, ["--config", path]) as s:
        st, _ = s.search(q="ministers of trade")
        c.eq(st, 400, "the file's max-query 8 applies: a 18-byte q is refused")
    with Server(db, ["--config", path, "--max-query", "100"]) as s:
        st, _ = s.search(q="ministers of trade")
        c.eq(st, 200, "--max-query on the command line overrides the file")


def wait_log(s, needle, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if needle in s.log():
            return True
        time.sleep(0.05)
    return False


def json_lines(text):
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def test_sighup(c, db):
    path = conf_file("log-format text\n")
    with Server(db, ["--config", path]) as s:
        s.get("/healthz?before")
        c.check(wait_log(s, "GET /healthz?before 200"), "text access log at first", s.log()[-500:])
        with open(path, "w") as f:
            f.write("log-format json\nthreads nope\n")
        s.proc.send_signal(signal.SIGHUP)
        c.check(wait_log(s, "still running the previous one"), "SIGHUP, bad file: logged",
                s.log()[-500:])
        c.check("%s:2: invalid --threads 'nope'" % path in s.log(),
                "the log says where and why (FILE:LINE)", s.log()[-500:])
        c.eq(s.get("/healthz?bad").status, 200, "and the server still answers")
        c.check(wait_log(s, "GET /healthz?bad 200"), "still with the text access log",
                s.log()[-500:])
        with open(path, "w") as f:
            f.write("log-format json\n")
        s.proc.send_signal(signal.SIGHUP)
        c.check(wait_log(s, "SIGHUP: reloaded"), "SIGHUP, good file: reloaded", s.log()[-500:])
        c.eq(s.get("/api/search?q=minister").status, 200, "a search after the reload")
        c.check(wait_log(s, '"uri":"/api/search?q=minister"'), "it is logged as JSON",
                s.log()[-500:])
        lines = [j for j in json_lines(s.log()) if j.get("uri") == "/api/search?q=minister"]
        c.check(len(lines) == 1 and lines[0]["status"] == 200 and lines[0]["method"] == "GET"
                and lines[0]["bytes"] > 0 and "time" in lines[0] and
                lines[0]["time"].endswith("Z"), "the JSON line: method, status, bytes, time",
                lines)


def test_journald(c, db):
    env = dict(os.environ, JOURNAL_STREAM="8:12345")
    with Server(db, ["--log-format", "json"], env=env) as s:
        s.get("/healthz?journal")
        c.check(wait_log(s, '"uri":"/healthz?journal"'), "JSON access log", s.log()[-500:])
        lines = [j for j in json_lines(s.log()) if j.get("uri") == "/healthz?journal"]
        c.check(len(lines) == 1 and "time" not in lines[0],
                "under journald (JOURNAL_STREAM): no time in the line", lines)


def run(c):
    db = dltest.build_index(dltest.sample_dir())
    test_check(c, db)
    test_override(c, db)
    test_sighup(c, db)
    test_journald(c, db)


if __name__ == "__main__":
    main(run, "config")
