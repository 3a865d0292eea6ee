"""`rebound recheck`: prints the contract for the addresses, asking the DNS stub given with
--dns or found in a running local stack's local.json; usage errors exit 2."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from rebound.cli import main
from rebound.dnsstub import DnsStub
from rebound.local.state import LocalState, write_state

from .fakes import FakeVerificationService


@pytest.fixture(autouse=True)
def no_running_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REBOUND_STATE_FILE", str(tmp_path / "local.json"))


def test_rechecks_against_the_dns_given(stub: DnsStub, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["recheck", "ann@example.com", "ann@gmial.com", "ann@nomail.example.org"]
    assert main([*argv, "--tenant", "riverside", "--dns", f"{stub.host}:{stub.port}"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert [r["verdict"] for r in body["results"]] == ["valid", "risky", "invalid"]
    assert body["results"][1]["suggestion"] == "ann@gmail.com"


def test_finds_the_local_stacks_stub_and_reads_stdin(
    stub: DnsStub,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # aws.json names this process, which runs: the stack counts as running.
    state = LocalState("http://127.0.0.1:1", "127.0.0.1", 1, "g@example.com", "/o")
    write_state(tmp_path / "local.json", replace(state, dns_port=stub.port), "http://127.0.0.1:2")
    assert json.loads((tmp_path / "local.json").read_text())["dns_port"] == stub.port
    monkeypatch.setattr("sys.stdin", io.StringIO("bob@example.net\n\nann@nosuch.example.org\n"))
    assert main(["recheck", "-", "--tenant", "riverside"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert [r["verdict"] for r in body["results"]] == ["valid", "invalid"]


def test_without_a_stack_or_dns_it_refuses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recheck", "ann@example.com", "--tenant", "riverside"]) == 2
    assert "--dns" in capsys.readouterr().err


def test_more_than_1000_addresses_is_a_usage_error(
    stub: DnsStub, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["recheck", *(["ann@example.com"] * 1001), "--tenant", "riverside"]
    assert main([*argv, "--dns", f"{stub.host}:{stub.port}"]) == 2
    assert "at most 1000" in capsys.readouterr().err


def test_a_bad_dns_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recheck", "a@example.com", "--tenant", "t", "--dns", "nowhere"]) == 2
    assert "HOST:PORT" in capsys.readouterr().err


def test_a_bad_tenant_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recheck", "a@example.com", "--tenant", "Not A Tenant"]) == 2
    assert "not a tenant id" in capsys.readouterr().err


def test_asks_a_hosted_service_only_when_given_one(
    stub: DnsStub,
    verification_service: tuple[FakeVerificationService, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service, url = verification_service
    argv = ["recheck", "gone@example.com", "ann@nosuch.example.org", "--tenant", "riverside"]
    argv += ["--dns", f"{stub.host}:{stub.port}"]
    assert main(argv) == 0
    assert service.requests == []  # off by default
    capsys.readouterr()
    assert main([*argv, "--hosted", url]) == 2  # no key
    assert "REBOUND_HOSTED_VERIFIER_KEY" in capsys.readouterr().err
    monkeypatch.setenv("REBOUND_HOSTED_VERIFIER_KEY", "k")
    assert main([*argv, "--hosted", url]) == 0
    body = json.loads(capsys.readouterr().out)
    assert [r["verdict"] for r in body["results"]] == ["invalid", "invalid"]
    assert body["results"][0]["checks"]["hosted"]["status"] == "undeliverable"
    assert [b["addresses"] for _, b in service.requests] == [["gone@example.com"]]
