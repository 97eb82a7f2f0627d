#!/usr/bin/env python3
"""The Debian package (debian/): it builds, lintian finds nothing wrong with it, and the programs
unpacked from it work.

1. The source tree (the files git knows, committed or not) is copied to a temporary folder and
   built with `dpkg-buildpackage -us -uc -b` (DEB_BUILD_OPTIONS=nocheck: the suites run in the
   normal build). The .deb holds the programs, the data tables, the web folder, the man pages,
   the systemd units and /etc/default/dateline.
2. lintian (when installed) reports no error and no warning on the .changes.
3. Unpacked with `dpkg-deb -x` into a temporary root, dateline-index indexes data/sample with
   the unpacked tables, and dateline-serve serves it with the unpacked web folder: /healthz
   counts every readout, a search finds Tô Lâm, the stylesheet and the API description are
   served.

Opt-in, a few minutes: `meson setup build -Dpackage_test=true` registers it (suite 'package').
Skipped (77) without dpkg-buildpackage and debhelper, or when dpkg-checkbuilddeps finds build
dependencies missing (scripts/deps.sh installs them)."""

import glob
import os
import shutil
import subprocess
import sys

E2E = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e")
sys.path.insert(0, E2E)
import dltest  # noqa: E402
from dltest import Server, sample_dir, tempdir  # noqa: E402

SOURCE = dltest.SOURCE_ROOT


def source_files():
    """The files to package: git's list (tracked, and new files not ignored), else all but the
    build folders."""
    r = subprocess.run(["git", "-C", SOURCE, "ls-files", "-z", "--cached", "--others",
                        "--exclude-standard"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if r.returncode == 0:
        return [f for f in r.stdout.decode().split("\0")
                if f and os.path.isfile(os.path.join(SOURCE, f))]
    out = []
    for d, dirs, files in os.walk(SOURCE):
        dirs[:] = [x for x in dirs if not x.startswith(("build", ".git", "node_modules"))]
        out += [os.path.relpath(os.path.join(d, f), SOURCE) for f in files]
    return out


def build(c):
    """Build the package in a copy of the tree; the .deb's path, or None."""
    work = tempdir("dl-pkg-")
    src = os.path.join(work, "dateline")
    for f in source_files():
        os.makedirs(os.path.dirname(os.path.join(src, f)), exist_ok=True)
        shutil.copy2(os.path.join(SOURCE, f), os.path.join(src, f))
    env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck parallel=2")
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "MALLOC_PERTURB_", "LD_LIBRARY_PATH"):
        env.pop(k, None)
    r = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1500)
    log = r.stdout.decode("utf-8", "replace")
    c.eq(r.returncode, 0, "dpkg-buildpackage -us -uc -b succeeds")
    if r.returncode != 0:
        print(log[-4000:])
        return None, None
    debs = [d for d in glob.glob(os.path.join(work, "dateline_*.deb"))]
    c.eq(len(debs), 1, "it makes dateline_VERSION_ARCH.deb")
    changes = glob.glob(os.path.join(work, "*.changes"))
    return (debs[0] if debs else None), (changes[0] if changes else None)


def lint(c, changes):
    if not shutil.which("lintian"):
        print("lintian not installed: not run")
        return
    r = subprocess.run(["lintian", changes], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = r.stdout.decode("utf-8", "replace")
    bad = [line for line in out.splitlines() if line.startswith(("E:", "W:"))]
    c.check(not bad, "lintian reports no error and no warning", "\n".join(bad))


def unpack(c, deb):
    root = tempdir("dl-root-")
    subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
    want = ["usr/bin/dateline-index", "usr/bin/dateline-serve", "usr/share/dateline/aliases.tsv",
            "usr/share/dateline/gazetteer.tsv", "usr/share/dateline/web/style.css",
            "usr/share/dateline/web/openapi.json", "usr/share/man/man1/dateline-index.1.gz",
            "usr/share/man/man8/dateline-serve.8.gz", "etc/default/dateline",
            "lib/systemd/system/dateline-serve.service", "lib/systemd/system/dateline-serve.socket",
            "lib/systemd/system/dateline-reindex.service",
            "lib/systemd/system/dateline-reindex.timer", "usr/share/doc/dateline/copyright",
            "lib/systemd/system/dateline-replicate-server.service",
            "lib/systemd/system/dateline-replicate@.service",
            "usr/share/doc/dateline/replicas.md"]
    missing = [f for f in want if not os.path.exists(os.path.join(root, f))]
    c.check(not missing, "the package holds the programs, tables, web folder, man pages, units "
            "and /etc/default/dateline", missing)
    with open(os.path.join(root, "lib/systemd/system/dateline-serve.service")) as f:
        c.check("ExecStart=/usr/bin/dateline-serve " in f.read(),
                "the installed service runs /usr/bin/dateline-serve")
    return root


def serve_unpacked(c, root):
    share = os.path.join(root, "usr/share/dateline")
    db = os.path.join(tempdir(), "dateline.db")
    r = dltest.run_program([os.path.join(root, "usr/bin/dateline-index"), "-q", "-d", db,
                            "--aliases", os.path.join(share, "aliases.tsv"),
                            "--gazetteer", os.path.join(share, "gazetteer.tsv"), sample_dir()],
                           "the unpacked dateline-index")
    c.eq(r.returncode, 0, "the unpacked dateline-index indexes data/sample")
    readouts = len(glob.glob(os.path.join(sample_dir(), "*.txt")))
    dltest.DL_SERVE = os.path.join(root, "usr/bin/dateline-serve")
    with Server(db, args=["--web", os.path.join(share, "web")]) as s:
        st, h = s.json("/healthz")
        c.check(st == 200 and h and h.get("documents") == readouts,
                "the unpacked dateline-serve serves every sample readout (%d)" % readouts, h)
        st, res = s.search(q="to lam")
        c.check(st == 200 and res["total"] > 0, "a search for 'to lam' finds readouts", res)
        c.eq(s.get("/static/style.css").status, 200, "the unpacked web folder is served")
        c.eq(s.get("/api/openapi.json").status, 200, "the API description is served")


def run(c):
    deb, changes = build(c)
    if not deb:
        return
    if changes:
        lint(c, changes)
    serve_unpacked(c, unpack(c, deb))


if __name__ == "__main__":
    for tool in ("dpkg-buildpackage", "dh", "dpkg-checkbuilddeps"):
        if not shutil.which(tool):
            print("%s not found: skipped (apt-get install dpkg-dev debhelper)" % tool)
            sys.exit(77)
    r = subprocess.run(["dpkg-checkbuilddeps"], cwd=SOURCE, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if r.returncode != 0:
        print("build dependencies missing: skipped\n" + r.stdout.decode("utf-8", "replace"))
        sys.exit(77)
    dltest.main(run, "package")
