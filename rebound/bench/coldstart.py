"""Cold start: how long `import app` takes in a fresh interpreter (what every Lambda of this
app pays on its first invocation before any handler code runs), next to `import boto3` (the
floor every Python Lambda that talks to AWS pays), medians of fresh processes, in the same run.
Target: import app at most 1.5x import boto3.

    python -m rebound.bench coldstart [--json] [--runs=5]

Also prints the slowest top-level imports of `import app` (python -X importtime).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
_TIMED = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    env.setdefault("POWERTOOLS_SERVICE_NAME", "rebound")
    env.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Rebound")
    env["PYTHONDONTWRITEBYTECODE"] = "0"
    return env


def import_ms(module: str) -> float:
    """Milliseconds to import `module` in a fresh interpreter (start-up itself not counted)."""
    out = subprocess.run(  # noqa: S603 - this interpreter, our own fixed code
        [sys.executable, "-c", _TIMED.format(module=module)],
        cwd=REPO_ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1]) * 1000


def slowest_imports(module: str, top: int = 12) -> list[tuple[str, float]]:
    """Top-level packages by cumulative import time under `import module`."""
    out = subprocess.run(  # noqa: S603 - this interpreter, our own fixed code
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=REPO_ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, float] = {}
    for match in _LINE.finditer(out.stderr):
        cumulative, indent, name = int(match.group(2)), len(match.group(3)), match.group(4)
        if indent <= 1:
            found[name] = max(found.get(name, 0.0), cumulative / 1000)
    return sorted(found.items(), key=lambda kv: -kv[1])[:top]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m rebound.bench coldstart")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    import_ms("app")  # compile the bytecode once, as a deployed package ships it
    samples: dict[str, list[float]] = {"boto3": [], "app": []}
    for _ in range(args.runs):  # alternated, so machine noise hits both alike
        for module, into in samples.items():
            into.append(import_ms(module))
    app_ms = statistics.median(samples["app"])
    boto3_ms = statistics.median(samples["boto3"])
    print(f"import boto3: median {boto3_ms:.0f} ms of {args.runs} ({samples['boto3']})")
    print(f"import app:   median {app_ms:.0f} ms of {args.runs}")
    print(f"ratio app / boto3: {app_ms / boto3_ms:.2f} (target <= 1.5)")
    print("slowest top-level imports under `import app` (cumulative ms):")
    for name, ms in slowest_imports("app"):
        print(f"  {name:40} {ms:7.1f}")
    figures = {"import_app_ms": round(app_ms, 1), "import_boto3_ms": round(boto3_ms, 1)}
    print(json.dumps(figures) if args.json else figures)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
