"""The dnspython adapter against our DNS stub on 127.0.0.1: MX, null MX (RFC 7505), the
A/AAAA fallback (RFC 5321 §5.1), NXDOMAIN, timeouts and SERVFAIL (unknown, never invalid),
TTLs, IDN, and the whole re-check end to end with its cache."""

from __future__ import annotations

import time

import dns.resolver

from chalicelib.net.resolver import DnsPythonResolver
from chalicelib.recheck.cache import CachingResolver, MemoryDomainCache
from chalicelib.recheck.model import DomainStatus, Verdict
from chalicelib.recheck.service import RecheckService
from rebound.dnsstub import Behaviour, DnsStub

from .fakes import FakeClock


def resolver(stub: DnsStub, timeout: float = 0.5) -> DnsPythonResolver:
    return DnsPythonResolver([stub.host], stub.port, timeout=timeout, workers=8)


def test_mx_records_are_read_and_ordered(stub: DnsStub) -> None:
    answer = resolver(stub).lookup_one("example.com")
    assert answer.status is DomainStatus.MX
    assert answer.mx_hosts() == ["mx1.example.com", "mx2.example.com"]
    assert answer.ttl == 3600


def test_null_mx_means_no_mail(stub: DnsStub) -> None:
    answer = resolver(stub).lookup_one("nomail.example.org")
    assert answer.status is DomainStatus.NULL_MX
    assert answer.mx == ()


def test_no_mx_falls_back_to_a_and_aaaa(stub: DnsStub) -> None:
    answer = resolver(stub).lookup_one("a-only.example.net")
    assert answer.status is DomainStatus.ADDRESS_FALLBACK
    assert answer.addresses == ("192.0.2.40", "2001:db8::40")
    assert answer.ttl == 300  # the negative TTL of the empty MX answer is the smallest


def test_a_name_with_neither_mx_nor_address_has_no_mail_host(stub: DnsStub) -> None:
    assert resolver(stub).lookup_one("txt-only.example.org").status is DomainStatus.NO_MAIL_HOST


def test_unknown_names_are_nxdomain_with_the_soa_negative_ttl(stub: DnsStub) -> None:
    answer = resolver(stub).lookup_one("nosuch.example.com")
    assert answer.status is DomainStatus.NXDOMAIN
    assert answer.ttl == 300


def test_wildcards_serve_the_benchmark_domains(stub: DnsStub) -> None:
    answers = resolver(stub).lookup([f"d{i:04d}.bench.example.net" for i in range(20)])
    assert {a.status for a in answers.values()} == {DomainStatus.MX}


def test_a_timeout_is_inconclusive(stub: DnsStub) -> None:
    stub.simulate("slow.example.com", Behaviour.TIMEOUT)
    started = time.monotonic()
    answer = resolver(stub, timeout=0.3).lookup_one("slow.example.com")
    assert answer.status is DomainStatus.TIMEOUT
    assert answer.status.inconclusive and not answer.status.rejects_mail
    assert time.monotonic() - started < 2


def test_servfail_is_inconclusive(stub: DnsStub) -> None:
    stub.simulate("example.net", Behaviour.SERVFAIL)
    answer = resolver(stub).lookup_one("example.net")
    assert answer.status is DomainStatus.SERVFAIL
    stub.simulate("example.net", Behaviour.ANSWER)
    assert resolver(stub).lookup_one("example.net").status is DomainStatus.MX


def test_zone_file_hooks_time_out_and_fail(stub: DnsStub) -> None:
    answers = resolver(stub, timeout=0.3).lookup(["timeout.example.net", "servfail.example.net"])
    assert answers["timeout.example.net"].status is DomainStatus.TIMEOUT
    assert answers["servfail.example.net"].status is DomainStatus.SERVFAIL


def test_the_stub_answers_over_tcp_too(stub: DnsStub) -> None:
    client = dns.resolver.Resolver(configure=False)
    client.nameservers, client.port = [stub.host], stub.port
    answer = client.resolve("gmail.com", "MX", tcp=True)
    assert answer.rrset is not None and len(answer.rrset) == 2


def test_end_to_end_each_verdict_against_the_stub(stub: DnsStub) -> None:
    stub.simulate("slow.example.com", Behaviour.TIMEOUT)
    service = RecheckService(CachingResolver(resolver(stub, timeout=0.3)))
    addresses = {
        "ann@example.com": Verdict.VALID,
        "ann@a-only.example.net": Verdict.VALID,
        "ann@exämple.org": Verdict.VALID,
        "ann@nomail.example.org": Verdict.INVALID,
        "ann@nosuch.example.org": Verdict.INVALID,
        "ann@hotmial.com": Verdict.INVALID,
        "ann@slow.example.com": Verdict.UNKNOWN,
        "ann@servfail.example.net": Verdict.UNKNOWN,
        "ann@mailinator.com": Verdict.RISKY,
        "postmaster@example.net": Verdict.RISKY,
        "ann@gmial.com": Verdict.RISKY,
    }
    report = service.check(list(addresses))
    assert {r.address: r.verdict for r in report.results} == addresses
    typo = report.results[-1]
    assert typo.suggestion == "ann@gmail.com"


def test_the_cache_spares_the_stub_across_runs(stub: DnsStub) -> None:
    store, clock = MemoryDomainCache(), FakeClock()
    domains = ["example.com", "example.net", "nosuch.example.net"]
    before = stub.queries
    CachingResolver(resolver(stub), store, clock).lookup(domains)
    asked = stub.queries - before
    assert asked == 3  # one MX question each
    CachingResolver(resolver(stub), store, clock).lookup(domains)
    assert stub.queries - before == asked  # the next run asked nothing


def test_a_cname_is_followed_to_its_mx(stub: DnsStub) -> None:
    answer = resolver(stub).lookup_one("alias.example.com")
    assert answer.status is DomainStatus.MX
    assert answer.mx_hosts() == ["mx1.example.com", "mx2.example.com"]
    assert resolver(stub).lookup_one("dangling.example.com").status is DomainStatus.NXDOMAIN


def test_a_name_dns_cannot_ask_is_an_error_not_an_exception(stub: DnsStub) -> None:
    answer = resolver(stub).lookup_one(".".join(["a" * 63] * 5))  # longer than 255 octets
    assert answer.status is DomainStatus.ERROR


def test_garbage_packets_are_dropped_and_the_stub_keeps_answering(stub: DnsStub) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"\x00\x01garbage", (stub.host, stub.port))
        sock.settimeout(0.2)
        try:
            sock.recvfrom(512)
            answered = True
        except TimeoutError:
            answered = False
    assert not answered
    assert resolver(stub).lookup_one("example.org").status is DomainStatus.MX
