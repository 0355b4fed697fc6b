#!/usr/bin/env python3
"""Compares two report.json files of the same scan made on different systems (Linux and
Windows): they must be equal once what legitimately differs is set aside, namely the clock
(started_at, finished_at, duration), the host, the command line, the audit's scope lines (which
hold absolute paths) and the path separator (\\ on Windows, / elsewhere).

    scripts/compare-reports.py LINUX/report.json WINDOWS/report.json

Exit 0 when equal; 1 with the differing paths listed otherwise.
"""
import json
import sys


def normalised(path):
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    scan = report["scan"]
    for volatile in ("started_at", "finished_at", "duration_seconds", "host", "command_line"):
        scan[volatile] = None
    scan["audit"]["id"] = None
    scan["audit"]["scope"] = None
    changes = report.get("changes")
    if changes:
        changes["since_started_at"] = None
    return slashes(report)


def slashes(value):
    if isinstance(value, str):
        return value.replace("\\", "/")
    if isinstance(value, list):
        return [slashes(v) for v in value]
    if isinstance(value, dict):
        return {k: slashes(v) for k, v in value.items()}
    return value


def differences(a, b, where="$"):
    if type(a) is not type(b):
        yield f"{where}: {a!r:.80} | {b!r:.80}"
    elif isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            yield from differences(a.get(key), b.get(key), f"{where}.{key}")
    elif isinstance(a, list):
        if len(a) != len(b):
            yield f"{where}: {len(a)} items | {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, f"{where}[{i}]")
    elif a != b:
        yield f"{where}: {a!r:.80} | {b!r:.80}"


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    found = list(differences(normalised(sys.argv[1]), normalised(sys.argv[2])))
    for line in found[:50]:
        print(line)
    if found:
        print(f"compare-reports: {len(found)} difference(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
