"""`make bench`: run every benchmark module in turn (or those named on the command line)."""

from __future__ import annotations

import importlib
import sys

# Each module has main(argv) -> int and prints its own figures.
BENCHMARKS = ["rebound.bench.parse", "rebound.bench.report", "rebound.bench.massdelete"]


def main(argv: list[str]) -> int:
    chosen = [m for m in BENCHMARKS if not argv or m.rsplit(".", 1)[-1] in argv]
    status = 0
    for name in chosen:
        print(f"== {name}", flush=True)
        status |= importlib.import_module(name).main([])
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
