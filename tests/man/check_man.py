#!/usr/bin/env python3
"""A built man page against its program: man(1) renders it without a warning, and its options
are the program's (every long option --help lists is documented as an option, in bold, and every
option the page documents is in --help), so the two cannot drift apart.

usage: check_man.py PAGE PROGRAM        (exit 77 when man or groff is missing)
       check_man.py --self-test          (the checks reject what they should)
"""
import os
import re
import shutil
import subprocess
import sys

OPTION = re.compile(r"--[a-z][a-z0-9-]*")
# scdoc writes an option in bold as \fB--name\fR (the rest of a term may follow: \fB--db\fR \fIDIR\fR).
BOLD_OPTION = re.compile(r"\\fB(--[a-z][a-z0-9-]*)\\f[RP]")


def help_options(help_text):
    return set(OPTION.findall(help_text))


def page_options(roff):
    return set(BOLD_OPTION.findall(roff))


def drift(help_text, roff):
    """The problems, as lines (none: in step)."""
    h, p = help_options(help_text), page_options(roff)
    out = [f"{o} is in --help but not documented in the page" for o in sorted(h - p)]
    out += [f"{o} is documented in the page but not in --help" for o in sorted(p - h)]
    return out


def man_warnings(page):
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", page], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    problems = [l for l in r.stderr.splitlines() if l.strip()]
    if r.returncode != 0:
        problems.append(f"man exited {r.returncode}")
    if len(r.stdout) < 200:
        problems.append("man rendered almost nothing")
    return problems


def self_test():
    help_text = "  -d, --db DIR   index\n      --max-uri N  longest\n"
    good = "\\fB-d\\fR, \\fB--db\\fR \\fIDIR\\fR\n.RE\n\\fB--max-uri\\fR \\fIN\\fR\n"
    assert drift(help_text, good) == [], drift(help_text, good)
    missing = "\\fB--db\\fR \\fIDIR\\fR\n plain --max-uri in text is not documenting it\n"
    assert drift(help_text, missing) == ["--max-uri is in --help but not documented in the page"]
    extra = good + "\\fB--gone\\fR\n"
    assert drift(help_text, extra) == ["--gone is documented in the page but not in --help"]
    print("check_man self-test: ok")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    page, program = argv[1], argv[2]
    if not shutil.which("man") or not shutil.which("groff"):
        print("man or groff missing: skipped")
        return 77
    with open(page, encoding="utf-8") as f:
        roff = f.read()
    r = subprocess.run([program, "--help"], stdout=subprocess.PIPE, text=True, check=True)
    problems = man_warnings(page) + drift(r.stdout, roff)
    name = os.path.basename(page)
    for p in problems:
        print(f"{name}: {p}")
    if problems:
        return 1
    print(f"{name}: renders without warnings; {len(help_options(r.stdout))} options, all documented")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
