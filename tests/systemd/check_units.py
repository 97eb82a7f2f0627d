#!/usr/bin/env python3
"""The systemd units of systemd/, checked with systemd-analyze (no running systemd needed).

  check_units.py verify UNITS_DIR SERVE INDEX [MAN_DIR]
      The units, with @bindir@ pointing at the built programs and @sysconfdir@ at a temporary
      folder holding the environment file, pass `systemd-analyze verify` without a word (it
      exits 0 on unknown keys and bad values, but says so: any output fails). With MAN_DIR
      (the built man pages) their Documentation=man:... pages are looked up too.
  check_units.py security UNITS_DIR MAX
      `systemd-analyze security --offline=yes` rates each service MAX or lower.
  check_units.py --self-test
      The score parser and the output check reject what they should.

Exit 77 when systemd-analyze is missing."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SCORE = re.compile(r"Overall exposure level for (\S+): (\d+(?:\.\d+)?) ")


def scores(text):
    """{unit: exposure} from systemd-analyze security's output."""
    return {m.group(1): float(m.group(2)) for m in SCORE.finditer(text)}


def score_of(text, name):
    """The exposure of unit `name` in systemd-analyze security's output, or None. A template
    (name@.service) is rated as an instance of its own choosing (name@i.service)."""
    got = scores(text)
    if name.endswith("@.service"):
        stem = name[:-len(".service")]
        return next((v for k, v in got.items() if k.startswith(stem) and k.endswith(".service")),
                    None)
    return got.get(name)


def install_units(units_dir, dest, bindir, sysconfdir):
    """The units of units_dir as `meson install` writes them, into dest; their paths."""
    out = []
    for name in sorted(os.listdir(units_dir)):
        if not re.search(r"\.(service|socket|timer)(\.in)?$", name):
            continue
        with open(os.path.join(units_dir, name), encoding="utf-8") as f:
            text = f.read()
        text = text.replace("@bindir@", bindir).replace("@sysconfdir@", sysconfdir)
        path = os.path.join(dest, name[:-3] if name.endswith(".in") else name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        out.append(path)
    return out


def analyze(args, env=None):
    r = subprocess.run(["systemd-analyze"] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, cwd="/", env=env)
    return r.returncode, r.stdout


def verify(units_dir, serve, index, man_dir=None):
    tmp = tempfile.mkdtemp(prefix="dl-units-")
    try:
        bindir = os.path.join(tmp, "bin")
        etc = os.path.join(tmp, "etc")
        units = os.path.join(tmp, "units")
        for d in (bindir, os.path.join(etc, "default"), units):
            os.makedirs(d)
        os.symlink(os.path.abspath(serve), os.path.join(bindir, "dateline-serve"))
        os.symlink(os.path.abspath(index), os.path.join(bindir, "dateline-index"))
        shutil.copy(os.path.join(units_dir, "dateline.default"),
                    os.path.join(etc, "default", "dateline"))
        paths = install_units(units_dir, units, bindir, etc)
        env = dict(os.environ)
        args = ["verify"]
        if man_dir:
            man = os.path.join(tmp, "man")
            for page in os.listdir(man_dir):
                m = re.match(r".+\.(\d)$", page)
                if m:
                    os.makedirs(os.path.join(man, "man" + m.group(1)), exist_ok=True)
                    os.symlink(os.path.join(os.path.abspath(man_dir), page),
                               os.path.join(man, "man" + m.group(1), page))
            env["MANPATH"] = man
        else:
            args.append("--man=no")
        rc, out = analyze(args + paths, env)
        names = ", ".join(os.path.basename(p) for p in paths)
        if rc != 0 or out.strip():
            print("systemd-analyze verify %s: exit %d\n%s" % (names, rc, out))
            return 1
        print("systemd-analyze verify %s: clean%s" % (
            names, "" if man_dir else " (man pages not built: not looked up)"))
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def security(units_dir, limit):
    tmp = tempfile.mkdtemp(prefix="dl-units-")
    try:
        paths = [p for p in install_units(units_dir, tmp, "/usr/bin", "/etc")
                 if p.endswith(".service")]
        failed = 0
        for p in paths:
            rc, out = analyze(["security", "--offline=yes", p])
            got = score_of(out, os.path.basename(p))
            if got is None:
                print("%s: no score in systemd-analyze security's output (exit %d)\n%s" % (
                    os.path.basename(p), rc, out))
                failed = 1
            elif got > limit:
                print(out)
                print("%s: exposure %.1f, more than %.1f" % (os.path.basename(p), got, limit))
                failed = 1
            else:
                print("%s: exposure %.1f (at most %.1f)" % (os.path.basename(p), got, limit))
        return failed
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def self_test():
    out = ("✗ PrivateNetwork=   Service has access to the host's network   0.5\n\n"
           "→ Overall exposure level for dateline-serve.service: 0.9 SAFE 😀\n")
    assert scores(out) == {"dateline-serve.service": 0.9}, scores(out)
    assert scores("→ Overall exposure level for x.service: 9.6 UNSAFE 😨\n") == {"x.service": 9.6}
    assert scores("Failed to load unit\n") == {}
    out = "→ Overall exposure level for a@i.service: 1.1 OK 🙂\n"
    assert score_of(out, "a@.service") == 1.1 and score_of(out, "b@.service") is None
    assert score_of(out, "a.service") is None
    tmp = tempfile.mkdtemp(prefix="dl-units-")
    try:
        with open(os.path.join(tmp, "a.service.in"), "w") as f:
            f.write("ExecStart=@bindir@/a\nEnvironmentFile=@sysconfdir@/default/a\n")
        with open(os.path.join(tmp, "notes.txt"), "w") as f:
            f.write("not a unit")
        out_dir = os.path.join(tmp, "out")
        os.makedirs(out_dir)
        paths = install_units(tmp, out_dir, "/B", "/E")
        assert [os.path.basename(p) for p in paths] == ["a.service"], paths
        with open(paths[0]) as f:
            assert f.read() == "ExecStart=/B/a\nEnvironmentFile=/E/default/a\n"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("check_units self-test: ok")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if not shutil.which("systemd-analyze"):
        print("systemd-analyze not found: skipped")
        return 77
    if len(argv) in (5, 6) and argv[1] == "verify":
        return verify(*argv[2:])
    if len(argv) == 4 and argv[1] == "security":
        return security(argv[2], float(argv[3]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
