"""The hosted verifier's HTTP JSON adapter against a fake service on 127.0.0.1: the request
it sends, batching, the answers it keeps, and every failure as HostedVerifierError."""

from __future__ import annotations

import pytest

from chalicelib.net.hosted import HttpJsonVerifier
from chalicelib.recheck.model import HostedStatus
from chalicelib.recheck.ports import HostedVerifierError

from .fakes import FakeVerificationService


def test_verifies_in_batches_with_the_key_and_keeps_only_what_was_asked(
    verification_service: tuple[FakeVerificationService, str],
) -> None:
    service, url = verification_service
    verifier = HttpJsonVerifier(url, "secret-key", batch_size=2)
    asked = ["ann@example.com", "gone@example.net", "maybe@example.org", "odd@example.com"]
    answers = verifier.verify(asked)
    assert [body["addresses"] for _, body in service.requests] == [asked[:2], asked[2:]]
    headers = service.requests[0][0]
    assert headers["Authorization"] == "Bearer secret-key"
    assert headers["Content-Type"] == "application/json"
    assert {a: r.status for a, r in answers.items()} == {
        "ann@example.com": HostedStatus.DELIVERABLE,
        "gone@example.net": HostedStatus.UNDELIVERABLE,
        "maybe@example.org": HostedStatus.RISKY,
        "odd@example.com": HostedStatus.UNKNOWN,  # a word we do not know
    }
    assert "stranger@example.org" not in answers
    assert answers["gone@example.net"].reason == "r"


@pytest.mark.parametrize("mode", ["500", "not-json", "no-results"])
def test_a_broken_service_raises_hosted_verifier_error(
    verification_service: tuple[FakeVerificationService, str], mode: str
) -> None:
    service, url = verification_service
    service.mode = mode
    with pytest.raises(HostedVerifierError):
        HttpJsonVerifier(url, "k").verify(["ann@example.com"])


def test_an_unreachable_service_raises_hosted_verifier_error(
    verification_service: tuple[FakeVerificationService, str],
) -> None:
    _, url = verification_service
    dead = url.rsplit(":", 1)[0] + ":1/verify"
    with pytest.raises(HostedVerifierError, match="unreachable"):
        HttpJsonVerifier(dead, "k", timeout=1).verify(["ann@example.com"])


def test_only_https_except_to_loopback() -> None:
    with pytest.raises(ValueError, match="https"):
        HttpJsonVerifier("http://verify.example.com/v1", "k")
    HttpJsonVerifier("https://verify.example.com/v1", "k")
