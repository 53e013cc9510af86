#!/usr/bin/env python3
"""The house's size rules: source files over 800 lines and functions over 80 lines.

Usage: scripts/sizes.py [paths...]   (default: crates/). Prints offenders, largest first, and
exits 1 if there are any. Functions are found as rustfmt lays them out: a line starting (after
indentation) with `fn`/`pub fn`/`async fn`…, ending at the first `}` line with the same indentation.
"""
import pathlib
import re
import sys

FILE_MAX, FN_MAX = 800, 80
FN = re.compile(r"^(\s*)(pub(\([a-z]+\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)")


def scan(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    files, fns = [], []
    if len(lines) > FILE_MAX:
        files.append((len(lines), str(path)))
    for i, line in enumerate(lines):
        m = FN.match(line)
        if not m or line.rstrip().endswith(";"):
            continue
        indent = m.group(1)
        for j in range(i + 1, len(lines)):
            if lines[j] == indent + "}":
                n = j - i + 1
                if n > FN_MAX:
                    fns.append((n, f"{path}:{i + 1} {m.group(7)}"))
                break
    return files, fns


def main():
    roots = [pathlib.Path(p) for p in (sys.argv[1:] or ["crates"])]
    files, fns = [], []
    for root in roots:
        for p in sorted(root.rglob("*.rs") if root.is_dir() else [root]):
            if "/target/" in str(p):
                continue
            a, b = scan(p)
            files += a
            fns += b
    for n, where in sorted(files, reverse=True):
        print(f"file {n:5} {where}")
    for n, where in sorted(fns, reverse=True):
        print(f"fn   {n:5} {where}")
    print(f"{len(files)} files over {FILE_MAX} lines, {len(fns)} functions over {FN_MAX} lines")
    return 1 if files or fns else 0


if __name__ == "__main__":
    sys.exit(main())
