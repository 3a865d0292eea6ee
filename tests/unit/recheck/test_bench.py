"""`python -m rebound.bench recheck --json`: 10,000 addresses over 1,000 domains against the
stub, every domain asked of DNS once, and one JSON line last."""

from __future__ import annotations

import json

import pytest

from rebound.bench import __main__ as bench
from rebound.bench import recheck


def test_the_workload_is_10000_addresses_over_1000_domains() -> None:
    batch = recheck.addresses()
    assert len(batch) == 10_000
    assert len({a.rsplit("@", 1)[1] for a in batch}) == 1_000


def test_prints_one_json_line_last(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["recheck", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "== rebound.bench.recheck"
    figures = json.loads(lines[-1])
    assert figures["addresses"] == 10_000 and figures["domains"] == 1_000
    assert figures["dns_domains_asked"] == 1_000
    assert figures["rechecks_per_second"] > 0
    assert figures["verdicts"]["unknown"] == 0  # the stub answered every question
