"""`make bench`: run every benchmark module in turn (or those named on the command line).

Options (words starting with `-`) and any other word that names no benchmark (a folder, for
`parse`) go to every benchmark chosen, so name the one they are for: `python -m rebound.bench
recheck --json`, `python -m rebound.bench parse tests/data/mail --against=HEAD`."""

from __future__ import annotations

import importlib
import sys

# Each module has main(argv) -> int and prints its own figures.
BENCHMARKS = [
    "rebound.bench.parse",
    "rebound.bench.ingest",
    "rebound.bench.report",
    "rebound.bench.massdelete",
    "rebound.bench.recheck",
    "rebound.bench.models",
    "rebound.bench.coldstart",
]


def main(argv: list[str]) -> int:
    known = {m.rsplit(".", 1)[-1] for m in BENCHMARKS}
    names = [a for a in argv if a in known]
    options = [a for a in argv if a not in known]
    chosen = [m for m in BENCHMARKS if not names or m.rsplit(".", 1)[-1] in names]
    status = 0
    for name in chosen:
        print(f"== {name}", flush=True)
        status |= importlib.import_module(name).main(options)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
