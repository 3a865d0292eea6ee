"""`rebound return-path`: prints one signed return path that ingest's verifier accepts, with no
AWS at all; bad arguments exit 2 with a message."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chalicelib.config import settings
from chalicelib.tenancy.ids import Source
from chalicelib.tenancy.tags import find_tags, parse_keys, verify_tag
from rebound.cli import main


@pytest.fixture(autouse=True)
def no_running_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A stack running in the checkout must not leak its settings into these tests.
    monkeypatch.setenv("REBOUND_STATE_FILE", str(tmp_path / "local.json"))
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


def test_prints_a_return_path_that_verifies(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["return-path", "--tenant", "riverside", "--source", "survey"]
    argv += ["--send-id", "s-42", "--recipient", "Ann@Example.NET", "--days", "10"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.endswith("\n") and out.count("\n") == 1
    address = out.strip()
    s = settings()
    assert re.fullmatch(
        rf"{s.inbound_local_part}\+[a-z0-9-]+@{re.escape(s.inbound_domain)}", address
    )
    (tag,) = find_tags(address.encode(), s.inbound_local_part, s.inbound_domain)
    today = datetime.now(UTC).date()
    verification = verify_tag(parse_keys(s.tag_keys), tag, today)
    assert verification.claims is not None
    assert verification.claims.tenant == "riverside"
    assert verification.claims.source is Source.SURVEY
    assert verification.claims.send_id == "s-42"
    assert verification.claims.recipient == "ann@example.net"
    assert verification.claims.expires_on == today + timedelta(days=10)
    assert not verify_tag(parse_keys(s.tag_keys), tag, today + timedelta(days=11)).ok


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--tenant", "Not_A_Tenant"], "tenant id"),
        (["--recipient", "nobody"], "not an email address"),
        (["--send-id", "x" * 65], "send id"),
        (["--days", "0"], "--days"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = {"--tenant": "riverside", "--source": "broadcast", "--send-id": "s1"}
    base["--recipient"] = "ann@example.net"
    for flag, value in zip(extra[::2], extra[1::2], strict=True):
        base[flag] = value
    argv = ["return-path", *[part for pair in base.items() for part in pair]]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err


def test_unknown_source_is_an_argparse_error() -> None:
    argv = ["return-path", "--tenant", "riverside", "--source", "fax"]
    argv += ["--send-id", "s1", "--recipient", "ann@example.net"]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
