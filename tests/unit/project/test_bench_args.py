"""`python -m rebound.bench NAME [WORDS] [--options]`: a word that names no benchmark (the
parser's corpus folder) reaches the chosen benchmark with the options."""

from __future__ import annotations

import pytest

from rebound.bench import __main__ as bench
from rebound.bench import parse


def test_a_folder_reaches_the_chosen_benchmark(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(parse, "main", lambda argv: seen.append(argv) or 0)
    assert bench.main(["parse", "tests/data/mail", "--against=HEAD", "--json"]) == 0
    assert seen == [["tests/data/mail", "--against=HEAD", "--json"]]
    assert parse.corpus_dir(seen[0]).name == "mail"
