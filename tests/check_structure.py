#!/usr/bin/env python3
"""check_structure - dateline's structure rules, checked on the source tree (python3 stdlib only).

    tests/check_structure.py [--root DIR]
        The include graph of lib/, server/ and indexer/ at module level must have no cycle.
    tests/check_structure.py [--root DIR] --max-function-lines N [--max-file-lines M] FILE...
        Also: no function in the C/C++ files FILE... is longer than N lines, and no FILE is
        longer than M lines.
    tests/check_structure.py --self-test
        Check the checker on small made-up trees (it must find what it is meant to find).

Modules: a file X.c or X.cc and its header include/dateline/X.h form module X; a header with
no source of its name (common.h, schema.h) is a module too, and so is a source with no header
(server/main.c is module "server/main"). Module A depends on module B when A's source or
header includes "dateline/B.h". A cycle is printed as `include cycle: http -> search -> http`.

A function's length counts the lines from its opening brace, which the project's format puts at
column 0, to the matching closing brace, both included. The scanner skips comments, string and
character literals (C++ raw strings and digit separators too) and preprocessor lines.

Exit status: 0 when every check passes, 1 when one fails (each failure on its own line), 2 for
usage errors. The last line is a one-line summary of what was checked.
"""

import argparse
import os
import re
import sys
import tempfile

SOURCE_DIRS = ("lib", "server", "indexer")
HEADER_DIR = os.path.join("include", "dateline")
SOURCE_EXTS = (".c", ".cc")
INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*[<"]dateline/([A-Za-z0-9_]+)\.h[>"]', re.M)
MAX_CYCLES = 100  # printed per strongly connected component, at most

# --- a C/C++ scanner: code without comments and literals ----------------------------------


def _blank(text):
    """`text` with everything but newlines turned into spaces (so lines and columns stay put)."""
    return re.sub(r"[^\n]", " ", text)


def _raw_string_end(src, i):
    """If src[i] opens a C++ raw string (R"delim( ... )delim"), the index after it, else -1."""
    m = re.match(r'(?:u8|[uUL])?R"([^()\\ \t\n]{0,16})\(', src[i:])
    if not m or (i > 0 and (src[i - 1].isalnum() or src[i - 1] == "_")):
        return -1
    end = src.find(")" + m.group(1) + '"', i + m.end())
    return len(src) if end < 0 else end + len(m.group(1)) + 2


def _is_digit_separator(src, i):
    """Is the ' at src[i] a C++14 digit separator (1'000'000) rather than a char literal?"""
    j = i
    while j > 0 and (src[j - 1].isalnum() or src[j - 1] in "_.'"):
        j -= 1
    return j < i and src[j].isdigit() and i + 1 < len(src) and src[i + 1].isalnum()


def _literal_end(src, i):
    """src[i] is ' or ": the index after the literal (an unterminated one ends at the line)."""
    quote, j = src[i], i + 1
    while j < len(src) and src[j] != quote and src[j] != "\n":
        j += 2 if src[j] == "\\" else 1
    return min(j + 1, len(src))


def strip_code(src, keep_strings=False):
    """src with comments (and, unless keep_strings, literals) blanked out."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(_blank(src[i:j]))
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(_blank(src[i:j]))
        elif c in "uULR" and _raw_string_end(src, i) >= 0:
            j = _raw_string_end(src, i)
            out.append(src[i:j] if keep_strings else _blank(src[i:j]))
        elif c == '"' or (c == "'" and not _is_digit_separator(src, i)):
            j = _literal_end(src, i)
            out.append(src[i:j] if keep_strings else c + _blank(src[i + 1:j - 1]) + src[j - 1])
        else:
            j = i + 1
            out.append(c)
        i = j
    return "".join(out)


def strip_preprocessor(code):
    """Blank the preprocessor lines (with their continuations) of comment-free code."""
    lines = code.split("\n")
    cont = False
    for k, line in enumerate(lines):
        if cont or line.lstrip().startswith("#"):
            cont = line.rstrip().endswith("\\")
            lines[k] = _blank(line)
    return "\n".join(lines)


# --- the include graph -------------------------------------------------------------------------


def find_modules(root):
    """{module: [files]} for the sources of SOURCE_DIRS and the headers of HEADER_DIR."""
    headers = {}
    hdir = os.path.join(root, HEADER_DIR)
    if os.path.isdir(hdir):
        for name in sorted(os.listdir(hdir)):
            if name.endswith(".h"):
                headers[name[:-2]] = os.path.join(hdir, name)
    modules = {name: [path] for name, path in headers.items()}
    for d in SOURCE_DIRS:
        sdir = os.path.join(root, d)
        if not os.path.isdir(sdir):
            continue
        for name in sorted(os.listdir(sdir)):
            stem, ext = os.path.splitext(name)
            if ext not in SOURCE_EXTS:
                continue
            module = stem if stem in headers else d + "/" + stem
            modules.setdefault(module, []).append(os.path.join(sdir, name))
    return modules


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        code = strip_code(f.read(), keep_strings=True)
    return INCLUDE_RE.findall(code)


def include_graph(root):
    """{module: set of modules it depends on}, without a module's dependency on itself."""
    modules = find_modules(root)
    graph = {m: set() for m in modules}
    for m, files in modules.items():
        for path in files:
            for dep in includes(path):
                if dep != m:
                    graph[m].add(dep)
                    graph.setdefault(dep, set())  # a header that does not exist: a leaf
    return graph


def strongly_connected(graph):
    """Tarjan's algorithm, iterative: the components, each a sorted list."""
    index, low, on_stack, stack, comps = {}, {}, set(), [], []
    counter = [0]
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                comps.append(sorted(comp))
    return comps


def cycles_in(graph, comp, limit=MAX_CYCLES):
    """The elementary cycles inside one component, each starting at its smallest module."""
    members = set(comp)
    found = []
    for start in comp:  # cycles through `start` and modules after it only: each found once
        allowed = {m for m in members if m >= start}
        path = [start]

        def walk(v):
            for w in sorted(graph[v] & allowed):
                if len(found) >= limit:
                    return
                if w == start:
                    found.append(path + [start])
                elif w not in path:
                    path.append(w)
                    walk(w)
                    path.pop()

        walk(start)
    return found


def check_cycles(root):
    """(failure lines, summary)."""
    graph = include_graph(root)
    failures = []
    for comp in strongly_connected(graph):
        if len(comp) < 2:
            continue
        cycles = cycles_in(graph, comp)
        for cyc in cycles:
            failures.append("include cycle: " + " -> ".join(cyc))
        if len(cycles) >= MAX_CYCLES:
            failures.append("include cycle: ... (more among %s)" % ", ".join(comp))
    edges = sum(len(v) for v in graph.values())
    summary = "%d modules, %d include edges in %s: %s" % (
        len(graph), edges, "/ ".join(SOURCE_DIRS) + "/ and " + HEADER_DIR + "/",
        "%d include cycle(s)" % len(failures) if failures else "no include cycle")
    return failures, summary


# --- function lengths ----------------------------------------------------------------------------

HEAD_NOT_FUNCTION = re.compile(r"^\s*(namespace|class|struct|union|enum|extern\s*$)\b")


def _function_name(head):
    """The name in a function head ("static int f(int x)" -> "f"), or None if it is not one."""
    head = " ".join(head.split())
    if "(" not in head or HEAD_NOT_FUNCTION.match(head):
        return None
    before = head[:head.index("(")]
    if "=" in before:
        return None  # an initialiser, not a definition
    m = re.search(r"([A-Za-z_~][A-Za-z0-9_:~]*(?:operator\s*\S+)?)\s*$", before)
    return m.group(1) if m else None


def functions(path):
    """[(name, first line, lines)] of the functions defined in `path` (braces at column 0)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        code = strip_preprocessor(strip_code(f.read()))
    found, blocks, head = [], [], []
    line, col = 1, 0
    for c in code:
        if c == "{":
            name = None
            if col == 0 and not any(b[0] for b in blocks):
                name = _function_name("".join(head))
            blocks.append((name, line))
            head = []
        elif c == "}":
            if blocks:
                name, first = blocks.pop()
                if name:
                    found.append((name, first, line - first + 1))
            head = []
        elif c == ";":
            head = []
        else:
            head.append(c)
        if c == "\n":
            line, col = line + 1, 0
        else:
            col += 1
    return found


def check_functions(files, max_lines):
    failures, total = [], 0
    for path in files:
        for name, first, n in functions(path):
            total += 1
            if n > max_lines:
                failures.append("%s:%d: %s is %d lines long, more than %d" %
                                (path, first, name, n, max_lines))
    summary = "%d functions in %d file(s): %s" % (
        total, len(files), "%d longer than %d lines" % (len(failures), max_lines)
        if failures else "none longer than %d lines" % max_lines)
    return failures, summary


def check_file_lengths(files, max_lines):
    """Files of more than max_lines lines; returns (failures, summary)."""
    failures = []
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            n = sum(1 for _ in f)
        if n > max_lines:
            failures.append("%s: %d lines, more than %d" % (path, n, max_lines))
    return failures, "%d file(s) %s %d lines" % (
        len(files), "over" if failures else "within", max_lines)


# --- self-test -------------------------------------------------------------------------------


def _write(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


def self_test():
    """Made-up trees with known answers. Returns the failures (empty when the checker works)."""
    bad = []

    def expect(what, got, want):
        if got != want:
            bad.append("self-test %s: got %r, want %r" % (what, got, want))

    with tempfile.TemporaryDirectory() as root:
        _write(root, {
            "include/dateline/a.h": '#include "dateline/common.h"\n',
            "include/dateline/b.h": '/* #include "dateline/c.h" */\n#include "dateline/a.h"\n',
            "include/dateline/c.h": "",
            "include/dateline/common.h": "",
            "lib/a.c": '#include "dateline/a.h"\n#include "dateline/c.h"\n',
            "lib/c.c": '#include "dateline/c.h"\nconst char *s = "#include \\"dateline/a.h\\"";\n',
            "server/main.c": '#include "dateline/a.h"\n',
            "indexer/main.c": '#include "dateline/c.h"\n',
        })
        graph = include_graph(root)
        expect("modules", sorted(graph),
               ["a", "b", "c", "common", "indexer/main", "server/main"])
        expect("edges of a", graph["a"], {"c", "common"})
        expect("edges of c (commented and quoted includes)", graph["c"], set())
        expect("no cycle", check_cycles(root)[0], [])
        _write(root, {"lib/a.c": '#include "dateline/b.h"\n',
                      "lib/c.c": '#include "dateline/b.h"\n',
                      "include/dateline/common.h": '#include "dateline/c.h"\n'})
        expect("cycles", check_cycles(root)[0],
               ["include cycle: a -> b -> a", "include cycle: a -> common -> c -> b -> a"])
        _write(root, {"lib/long.c": (
            "/* { not a brace */\n"
            "static int f(int x)\n{\n    const char *s = \"}}\"; char c = '{';\n"
            "    // }\n    return x;\n}\n"
            "struct s {\n    int a;\n};\n"
            "#define BRACE {\n"
            "int\nlonger(void)\n{\n    if (1) {\n        return 2;\n    }\n"
            "    return 1'000;\n}\n"
            "static const int t[] =\n{\n    1,\n};\n"),
            "lib/ns.cc": ("namespace x\n{\nint g(const std::string &s)\n{\n"
                          "    return R\"(}\n)\".size();\n}\n} // namespace x\n")})
        expect("functions", functions(os.path.join(root, "lib/long.c")),
               [("f", 3, 5), ("longer", 14, 6)])
        expect("functions in a namespace", functions(os.path.join(root, "lib/ns.cc")),
               [("g", 4, 4)])
        fails, _ = check_functions([os.path.join(root, "lib/long.c")], 5)
        expect("too long", [f.split(": ", 1)[1] for f in fails],
               ["longer is 6 lines long, more than 5"])
        fails, _ = check_file_lengths([os.path.join(root, "lib/long.c")], 20)
        expect("file too long", [f.split(": ", 1)[1] for f in fails], ["23 lines, more than 20"])
        expect("file short enough", check_file_lengths([os.path.join(root, "lib/long.c")], 23)[0],
               [])
    return bad


# --- main ----------------------------------------------------------------------------------------


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", default=os.environ.get("DL_SOURCE_ROOT") or os.path.dirname(here),
                   help="the source tree (default: the one this script is in)")
    p.add_argument("--max-function-lines", type=int, metavar="N",
                   help="also fail on functions longer than N lines in FILE...")
    p.add_argument("--max-file-lines", type=int, metavar="M",
                   help="also fail on FILE... longer than M lines")
    p.add_argument("--self-test", action="store_true", help="check the checker and exit")
    p.add_argument("files", nargs="*", metavar="FILE")
    args = p.parse_args(argv)
    if args.self_test:
        bad = self_test()
        for line in bad:
            print(line)
        print("structure: self-test %s" % ("failed" if bad else "passed"))
        return 1 if bad else 0
    if args.files and args.max_function_lines is None:
        p.error("FILE... goes with --max-function-lines N")
    if args.max_function_lines is not None and (args.max_function_lines < 1 or not args.files):
        p.error("--max-function-lines needs N >= 1 and at least one FILE")
    failures, summary = check_cycles(args.root)
    summaries = [summary]
    if args.max_function_lines is not None:
        more, summary = check_functions(args.files, args.max_function_lines)
        failures += more
        summaries.append(summary)
    if args.max_file_lines is not None:
        more, summary = check_file_lengths(args.files, args.max_file_lines)
        failures += more
        summaries.append(summary)
    for line in failures:
        print(line)
    print("structure: " + "; ".join(summaries))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
