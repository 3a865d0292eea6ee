"""The cursor key lives in the table: created once by whichever process pages first, read by
every other, and no function needs the tag-signing keys' secret for it (only ingest and the API
may read that secret: tests/infra/test_iam.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import cursors, wiring
from chalicelib.ports import CounterOrder, CounterScan
from chalicelib.storage.tenants import CURSOR_KEY_STATE, StateRepository, cursor_secret
from rebound.samples import sample_event
from tests.integration.helpers import run_concurrently


def test_the_first_process_creates_the_key_and_the_others_read_it(aws: Any) -> None:
    assert StateRepository().get_state(CURSOR_KEY_STATE) is None
    secrets: list[bytes] = []
    assert run_concurrently(lambda _: secrets.append(cursor_secret()), 8) == []
    assert len(secrets) == 8 and len(set(secrets)) == 1
    assert len(secrets[0]) >= 32
    assert StateRepository().get_state(CURSOR_KEY_STATE) == secrets[0].decode()


@pytest.fixture
def no_readable_tag_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As the summary, aggregate, alerts and re-check functions run in AWS: the variable is set
    but their role may not read the secret (here it does not even exist)."""
    with monkeypatch.context() as m:
        m.setenv(
            "REBOUND_TAG_KEYS_SECRET_ARN",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:absent-AbCdEf",
        )
        wiring.reset()
        yield
    wiring.reset()  # the next test builds its services from its own environment


def test_paging_works_without_reading_the_tag_keys_secret(
    aws: Any, no_readable_tag_keys: None
) -> None:
    repo = wiring.counters()
    for n in range(3):
        repo.record_bounce(sample_event(message_id=f"m{n}", address=f"m{n}@example.com"))
    first = list(
        repo.scan_counters(
            CounterScan("riverside", CounterOrder.ADDRESS, descending=False), page_size=2
        )
    )
    assert [c.address for c, _ in first][:2] == ["m0@example.com", "m1@example.com"]
    resumed = CounterScan("riverside", CounterOrder.ADDRESS, descending=False, cursor=first[0][1]())
    assert [c.address for c, _ in repo.scan_counters(resumed)] == [
        "m1@example.com",
        "m2@example.com",
    ]
    # A cursor issued by one process verifies in another (the same stored secret).
    cursors.bind_key_source(cursor_secret)
    assert next(c.address for c, _ in repo.scan_counters(resumed)) == "m1@example.com"
