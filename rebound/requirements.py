"""Print requirements.txt from pyproject.toml's runtime dependencies (`make requirements`).

requirements.txt is what Chalice zips into every Lambda, so it must hold runtime dependencies
only; a test checks it matches pyproject.toml.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = (
    "# Runtime dependencies only: Chalice zips this file's packages into every Lambda.\n"
    "# Generated from pyproject.toml [project.dependencies] by `make requirements`; "
    "do not edit by hand.\n"
)


def render() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return HEADER + "".join(f"{dep}\n" for dep in project["dependencies"])


if __name__ == "__main__":
    sys.stdout.write(render())
