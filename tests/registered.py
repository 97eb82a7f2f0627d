#!/usr/bin/env python3
"""registered.py DIR NAME... - git's rule for the unit tests (t/meson.build): every DIR/test_*.c
is one of the NAMEs (unit_tests in tests/meson.build). Prints one line per file that is not and
exits 1. tests/meson.build runs it at configure time (error()) and as the 'registered' test,
which catches a file added to a build directory that was configured before it existed."""
import glob
import os
import sys

folder, names = sys.argv[1], set(sys.argv[2:])
bad = []
for path in sorted(glob.glob(os.path.join(folder, "test_*.c"))):
    name = os.path.basename(path)[len("test_"):-len(".c")]
    if name not in names:
        bad.append("tests/%s is not registered: add '%s' to unit_tests in tests/meson.build"
                   % (os.path.basename(path), name))
print("\n".join(bad))
sys.exit(1 if bad else 0)
