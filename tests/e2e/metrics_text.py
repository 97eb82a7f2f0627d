"""metrics_text - read Prometheus' text exposition format back, for the e2e tests (stdlib)."""

import re

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')


def parse(text):
    """{(name, frozenset of (label, value)): float} for every sample line; a line that is
    neither a comment nor a sample raises ValueError."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError("not a sample line: %r" % line)
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def value(samples, name, **labels):
    """The sample's value, or 0 when it is not there (counters start absent)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def series(samples, name):
    """[(labels dict, value)] of every sample of `name`."""
    return [(dict(k[1]), v) for k, v in samples.items() if k[0] == name]
