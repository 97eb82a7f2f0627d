#!/usr/bin/env python3
"""End-to-end: --log-file. The log (messages and access lines) goes to the file, appended, each
line starting with the UTC time; after logrotate's move, SIGHUP opens the file again and new
lines go to the new file, none to the moved one; a log file that cannot be opened stops the
start (exit 1, one line) and fails --check-config."""

import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, main  # noqa: E402

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ")


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def wait_for(path, needle, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if needle in read(path):
            return True
        time.sleep(0.05)
    return False


def test_rotation(c, db):
    logdir = dltest.tempdir("dl-logfile-")
    path = os.path.join(logdir, "serve.log")
    with open(path, "w") as f:
        f.write("an older line\n")
    with Server(db, ["--log-file", path]) as s:
        c.eq(s.get("/healthz?first").status, 200, "the server answers")
        c.check(wait_for(path, "GET /healthz?first 200"), "the access line is in the log file",
                read(path)[-500:])
        text = read(path)
        c.check(text.startswith("an older line\n"), "appended: what was there stays", text[:200])
        lines = [ln for ln in text.splitlines()[1:] if ln]
        c.check(lines and all(STAMP.match(ln) for ln in lines),
                "every new line starts with the UTC time", lines[:5])
        c.check(any("serving" in ln for ln in lines), "the start message is in the file too",
                lines[:5])
        c.check("GET /healthz?first" not in s.log(), "nothing of it on stderr", s.log()[-300:])

        moved = path + ".1"
        os.rename(path, moved)  # what logrotate does
        s.get("/healthz?moved")
        c.check(wait_for(moved, "GET /healthz?moved 200"),
                "before SIGHUP the server still writes to the moved file", read(moved)[-300:])
        s.proc.send_signal(signal.SIGHUP)
        c.check(wait_for(path, "SIGHUP: reloaded"), "SIGHUP opens the file again (a new one)",
                read(path))
        s.get("/healthz?after")
        c.check(wait_for(path, "GET /healthz?after 200"), "new lines go to the new file",
                read(path)[-300:])
        c.check("/healthz?after" not in read(moved), "and none to the moved one",
                read(moved)[-300:])
        report = dltest.sanitizer_report(read(path) + read(moved))
        c.check(not report, "the log files hold no sanitizer report", report)


def test_bad_path(c, db):
    bad = "/nonexistent-dir/serve.log"
    p = dltest.run_program([dltest.DL_SERVE, "-d", db, "-l", "127.0.0.1:0", "--log-file", bad],
                           "dateline-serve --log-file " + bad)
    lines = p.stderr.splitlines()
    c.check(p.returncode == 1 and len(lines) == 1 and
            lines[0].startswith("dateline-serve: cannot open log file '%s': " % bad),
            "an unwritable log file: exit 1, one line naming it", (p.returncode, p.stderr))
    p = dltest.run_program([dltest.DL_SERVE, "-d", db, "--no-config", "--log-file", bad,
                            "--check-config"], "dateline-serve --check-config --log-file")
    c.check(p.returncode != 0 and "cannot open log file" in p.stderr,
            "--check-config finds it too", (p.returncode, p.stderr))
    p = dltest.run_program([dltest.DL_SERVE, "-d", db, "--log-file", ""], "--log-file ''")
    c.check(p.returncode == 2 and "invalid --log-file" in p.stderr, "an empty name: usage error",
            (p.returncode, p.stderr))


def run(c):
    db = dltest.build_index(dltest.sample_dir())
    test_rotation(c, db)
    test_bad_path(c, db)


if __name__ == "__main__":
    main(run, "logfile")
