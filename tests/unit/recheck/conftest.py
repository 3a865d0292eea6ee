"""The DNS stub of rebound/dnsstub.py, on 127.0.0.1, for the tests that resolve for real."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rebound.dnsstub import Behaviour, DnsStub


@pytest.fixture(scope="module")
def dns_stub() -> Iterator[DnsStub]:
    with DnsStub.start() as stub:
        yield stub


@pytest.fixture
def stub(dns_stub: DnsStub) -> Iterator[DnsStub]:
    """The module's stub, with the hooks a test set removed afterwards."""
    before = dict(dns_stub.zones.behaviours)
    yield dns_stub
    for name in list(dns_stub.zones.behaviours):
        if name not in before:
            dns_stub.simulate(name.to_text(), Behaviour.ANSWER)
