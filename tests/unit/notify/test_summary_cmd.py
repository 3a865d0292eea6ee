"""`rebound summary` argument checks (the command itself runs against the local stack)."""

from __future__ import annotations

import argparse
from datetime import timedelta

import pytest

from rebound import summary_cmd


@pytest.mark.parametrize(
    ("text", "expected"),
    [("24h", timedelta(hours=24)), ("7d", timedelta(days=7)), ("90d", timedelta(days=90))],
)
def test_periods_read_as_hours_or_days(text: str, expected: timedelta) -> None:
    assert summary_cmd.parse_period(text) == expected


@pytest.mark.parametrize("text", ["0d", "91d", "7w", "d", "-1d", "1.5d"])
def test_bad_periods_are_refused_with_a_usage_error(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    summary_cmd.configure(parser, "summary")
    args = parser.parse_args(["--tenant", "riverside", f"--period={text}"])
    assert summary_cmd.run(args, "summary") == summary_cmd.EXIT_USAGE
    assert "must look like 24h or 7d" in capsys.readouterr().err
