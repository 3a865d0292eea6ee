"""`make bench`: run every benchmark module in turn (or those named on the command line).

Options (words starting with `-`) go to every benchmark chosen, so name the one they are
for: `python -m rebound.bench recheck --json`."""

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
    names = [a for a in argv if not a.startswith("-")]
    options = [a for a in argv if a.startswith("-")]
    chosen = [m for m in BENCHMARKS if not names or m.rsplit(".", 1)[-1] in names]
    status = 0
    for name in chosen:
        print(f"== {name}", flush=True)
        status |= importlib.import_module(name).main(options)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
