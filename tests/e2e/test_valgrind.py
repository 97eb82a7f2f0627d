#!/usr/bin/env python3
"""dateline-index under valgrind's memcheck over data/sample (a fresh index, then an incremental
run over it, then the multi-writer build): no invalid access and no definite leak.
Skipped when valgrind is not installed or in a sanitizer build (the two do not mix)."""
import os
import shutil
import subprocess
import sys

from dltest import DL_INDEX, Checks, sample_dir, tempdir


def main():
    c = Checks("valgrind")
    if not shutil.which("valgrind") or os.environ.get("DL_SANITIZED"):
        print("skipped: no valgrind, or a sanitizer build")
        return 77
    db = os.path.join(tempdir(), "db")
    vg = ["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
          "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite"]
    for what, extra in (("fresh index", []), ("incremental run", []),
                        ("multi-writer build", ["--jobs", "2", "-d", db + "-jobs"])):
        args = extra if extra else ["-d", db]
        p = subprocess.run(vg + [DL_INDEX, "-q"] + args + [sample_dir()],
                           capture_output=True, text=True, timeout=600)
        errors = [l for l in p.stderr.splitlines() if l.startswith("==")]
        c.check(p.returncode == 0 and not errors, f"{what}: valgrind clean (exit {p.returncode})",
                errors[:20])
    return c.report()


if __name__ == "__main__":
    sys.exit(main())
