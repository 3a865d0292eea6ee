"""What ships to Lambda: runtime dependencies only, in sync with pyproject.toml."""

from __future__ import annotations

from rebound.requirements import ROOT, render

NEVER_IN_LAMBDA = ("chalice", "moto", "pytest", "aws-cdk-lib", "hypothesis", "aiosmtpd")


def test_requirements_txt_is_generated_from_pyproject() -> None:
    assert (ROOT / "requirements.txt").read_text() == render(), "run `make requirements`"


def test_requirements_hold_runtime_dependencies_only() -> None:
    names = [
        line.split("==")[0].lower()
        for line in render().splitlines()
        if line and not line.startswith("#")
    ]
    assert names
    assert not [n for n in names if n.startswith(NEVER_IN_LAMBDA)]
