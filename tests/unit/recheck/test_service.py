"""RecheckService over a fake resolver: each verdict with its words, the answer contract,
DNS batched per domain, the 1,000-address limit, and the hosted verifier's part."""

from __future__ import annotations

import json

import pytest

from chalicelib.recheck.model import (
    DomainAnswer,
    DomainStatus,
    HostedAnswer,
    HostedStatus,
    Verdict,
)
from chalicelib.recheck.service import RecheckService, TooManyAddresses, verdict_counts

from .fakes import FakeHosted, FakeResolver, mx

ANSWERS = {
    "example.com": mx("example.com"),
    "example.net": mx("example.net"),
    "gmail.com": mx("gmail.com"),
    "gmial.com": mx("gmial.com"),
    "mailinator.com": mx("mailinator.com"),
    "xn--exmple-cua.org": mx("xn--exmple-cua.org"),
    "nomail.example.org": DomainAnswer("nomail.example.org", DomainStatus.NULL_MX, ttl=3600),
    "a-only.example.net": DomainAnswer(
        "a-only.example.net", DomainStatus.ADDRESS_FALLBACK, addresses=("192.0.2.40",), ttl=60
    ),
    "txt-only.example.org": DomainAnswer("txt-only.example.org", DomainStatus.NO_MAIL_HOST),
    "slow.example.net": DomainAnswer("slow.example.net", DomainStatus.TIMEOUT),
    "broken.example.net": DomainAnswer("broken.example.net", DomainStatus.SERVFAIL),
}


def check_one(address: str, service: RecheckService | None = None) -> dict[str, object]:
    service = service or RecheckService(FakeResolver(ANSWERS))
    (result,) = service.check([address]).as_json()["results"]
    assert isinstance(result, dict)
    return result


@pytest.mark.parametrize(
    ("address", "verdict", "dns", "words"),
    [
        ("ann@example.com", "valid", "mx", "can be delivered"),
        ("ann@a-only.example.net", "valid", "a_fallback", "RFC 5321"),
        ("ann@example..com", "invalid", None, "not a valid email address"),
        ("ann@nosuch.example.com", "invalid", "nxdomain", "does not exist"),
        ("ann@nomail.example.org", "invalid", "null_mx", "accepts no email"),
        ("ann@txt-only.example.org", "invalid", "no_mail_host", "no mail server"),
        ("ann@slow.example.net", "unknown", "timeout", "did not answer in time"),
        ("ann@broken.example.net", "unknown", "servfail", "failed to answer"),
        ("ann@mailinator.com", "risky", "mx", "disposable"),
        ("info@example.com", "risky", "mx", "role address"),
        ("ann@gmial.com", "risky", "mx", "typo of gmail.com"),
        ("ann@[192.0.2.1]", "risky", None, "IP address"),
    ],
)
def test_each_verdict_with_a_plain_explanation(
    address: str, verdict: str, dns: str | None, words: str
) -> None:
    result = check_one(address)
    assert result["verdict"] == verdict
    assert words in str(result["explanation"])
    assert result["checks"]["dns"] == dns  # type: ignore[index]


def test_the_answer_is_exactly_the_contract() -> None:
    service = RecheckService(FakeResolver(ANSWERS))
    body = json.loads(json.dumps(service.check(["ann@gmial.com", "bad"]).as_json()))
    assert list(body) == ["results"]
    typo, bad = body["results"]
    assert list(typo) == ["address", "verdict", "explanation", "suggestion", "checks"]
    assert typo["suggestion"] == "ann@gmail.com"
    assert typo["checks"]["typo_of"] == "gmail.com"
    assert typo["checks"]["mx"] == ["mx1.gmial.com"]
    assert bad["suggestion"] is None and bad["verdict"] == "invalid"
    assert bad["checks"]["syntax"] == "invalid"
    assert set(typo["checks"]) == set(bad["checks"])
    assert all(r["verdict"] in {"valid", "invalid", "risky", "unknown"} for r in body["results"])


def test_a_typo_at_a_domain_that_does_not_exist_is_invalid_with_the_suggestion() -> None:
    result = check_one("ann@hotmial.com")
    assert result["verdict"] == "invalid"
    assert result["suggestion"] == "ann@hotmail.com"
    assert str(result["explanation"]).startswith("Did you mean ann@hotmail.com?")


def test_a_timeout_is_never_invalid_even_for_a_typo() -> None:
    slow = {"gmial.com": DomainAnswer("gmial.com", DomainStatus.TIMEOUT)}
    result = check_one("ann@gmial.com", RecheckService(FakeResolver(slow)))
    assert result["verdict"] == "unknown"
    assert result["suggestion"] == "ann@gmail.com"


def test_idn_address_is_checked_at_its_a_label_domain() -> None:
    result = check_one("ann@exämple.org")
    assert result["verdict"] == "valid"
    assert result["address"] == "ann@exämple.org"  # as asked
    checks = result["checks"]
    assert checks["domain"] == "xn--exmple-cua.org"  # type: ignore[index]
    assert checks["unicode_domain"] == "exämple.org"  # type: ignore[index]


def test_dns_is_asked_once_per_domain_in_one_batch() -> None:
    resolver = FakeResolver(ANSWERS)
    addresses = [f"member{i}@example.com" for i in range(500)]
    addresses += [f"member{i}@EXAMPLE.NET" for i in range(499)] + ["x@[192.0.2.1]"]
    report = RecheckService(resolver).check(addresses)
    assert resolver.batches == [["example.com", "example.net"]]
    assert verdict_counts(report) == {
        Verdict.VALID: 999,
        Verdict.INVALID: 0,
        Verdict.RISKY: 1,
        Verdict.UNKNOWN: 0,
    }
    assert [r.address for r in report.results] == addresses  # order and spelling kept


def test_at_most_1000_addresses_and_at_least_one() -> None:
    service = RecheckService(FakeResolver(ANSWERS))
    service.check(["ann@example.com"] * 1000)
    with pytest.raises(TooManyAddresses, match="at most 1000"):
        service.check(["ann@example.com"] * 1001)
    with pytest.raises(TooManyAddresses):
        service.check([])


def test_bad_syntax_never_reaches_dns() -> None:
    resolver = FakeResolver(ANSWERS)
    RecheckService(resolver).check(["not an address", "@example.com"])
    assert resolver.batches == []


def test_hosted_verifier_is_asked_only_for_deliverable_addresses() -> None:
    hosted = FakeHosted(
        {
            "gone@example.com": HostedAnswer(HostedStatus.UNDELIVERABLE, "mailbox unknown"),
            "catchall@example.net": HostedAnswer(HostedStatus.RISKY, "accepts all"),
            "ann@example.com": HostedAnswer(HostedStatus.DELIVERABLE),
        }
    )
    service = RecheckService(FakeResolver(ANSWERS), hosted)
    asked = ["gone@example.com", "catchall@example.net", "ann@example.com"]
    report = service.check([*asked, "ann@nosuch.example.com", "bad"]).as_json()["results"]
    assert hosted.asked == [asked]
    gone, catchall, ann, nosuch, _ = report
    assert gone["verdict"] == "invalid" and "mailbox unknown" in gone["explanation"]
    assert gone["checks"]["hosted"] == {"status": "undeliverable", "reason": "mailbox unknown"}
    assert catchall["verdict"] == "risky" and "accepts all" in catchall["explanation"]
    assert ann["verdict"] == "valid"
    assert nosuch["checks"]["hosted"] is None


def test_a_failing_hosted_verifier_leaves_dns_to_decide() -> None:
    hosted = FakeHosted({}, fail=True)
    result = check_one("ann@example.com", RecheckService(FakeResolver(ANSWERS), hosted))
    assert result["verdict"] == "valid"
    assert result["checks"]["hosted"] is None  # type: ignore[index]
