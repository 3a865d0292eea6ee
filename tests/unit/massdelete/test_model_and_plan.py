"""Mass-delete rules without AWS: request validation, the circuit breaker, plan entries and
chunk packing within the Step Functions history budget, and the workflow definition's limits
(what moto's interpreter and the issue allow)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.api.codec import decode_body
from chalicelib.api.models import MassDeleteBody
from chalicelib.errors import BadRequest
from chalicelib.massdelete.model import MAX_ADDRESSES, Policy, circuit_breaker, parse_request
from chalicelib.massdelete.plan import (
    CHILD_EVENT_BUDGET,
    chunk_entries,
    estimated_events,
    new_job_id,
    plan_entry,
    records_of,
)
from chalicelib.storage.jobs import JobRepository
from infra.constructs import mass_delete
from rebound.samples import sample_counter

T = datetime(2026, 11, 20, 9, tzinfo=UTC)
COUNTER = sample_counter(
    bounce_count=3,
    first_bounce_at=T,
    last_bounce_at=T,
    last_received_at=T,
    diagnostic="",
    explanation="",
    remote_mta="",
    version=7,
)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "JSON object"),
        ({}, "exactly one"),
        ({"filter": {"hard": True}, "addresses": ["a@example.net"]}, "exactly one"),
        ({"filter": {}}, "min_count"),
        ({"filter": {"colour": "red"}}, "unknown field 'colour' in filter"),
        ({"filter": {"category": "purple"}}, "filter.category: invalid enum value 'purple'"),
        ({"filter": {"category": [1]}}, r"filter.category\[0\]: expected `str`, got `int`"),
        ({"filter": {"q": None}}, "filter.q: expected `str`, got `null`"),
        ({"addresses": []}, "addresses: expected `array` of length >= 1"),
        ({"addresses": ["not an address"]}, "not an email address"),
        ({"addresses": ["a@example.net"] * (MAX_ADDRESSES + 1)}, "length <= 10000"),
        ({"addresses": ["a@example.net"], "dry_run": "yes"}, "dry_run: expected `bool`"),
        ({"addresses": ["a@example.net"], "force": True}, "unknown field 'force'"),
    ],
)
def test_bad_requests_say_what_to_fix(body: Any, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        parse_request(sent(body))


def sent(body: Any) -> MassDeleteBody:
    """A body as the API receives it: JSON bytes through the API's decoder."""
    return decode_body(json.dumps(body).encode(), MassDeleteBody)


def test_addresses_are_normalised_and_deduplicated() -> None:
    request = parse_request(
        sent(
            {
                "addresses": ["Ann@Example.NET ", "ann@example.net", "bob@example.org"],
                "dry_run": True,
            }
        )
    )
    assert request.selection.addresses == ("ann@example.net", "bob@example.org")
    assert request.dry_run is True
    assert request.remove_emails is False


def test_filter_selection_round_trips() -> None:
    request = parse_request(sent({"filter": {"category": ["hard"], "domain": "example.net"}}))
    assert request.selection.to_json() == {
        "filter": {"category": ["hard"], "domain": "example.net"}
    }


def test_circuit_breaker_by_share_or_absolute_cap() -> None:
    assert circuit_breaker(100, Policy(max_share=0.2), 1000) == ""
    assert "21%" in circuit_breaker(210, Policy(max_share=0.2), 1000)
    # Contact count unknown: the absolute cap decides.
    assert circuit_breaker(5000, Policy(max_addresses=5000), None) == ""
    assert "more than the 5000" in circuit_breaker(5001, Policy(max_addresses=5000), None)


def test_policy_updates_are_validated() -> None:
    assert Policy.from_json({"max_addresses": 10}).max_addresses == 10
    with pytest.raises(BadRequest, match="max_share"):
        Policy.from_json({"max_share": 2})
    with pytest.raises(BadRequest, match="unknown policy"):
        Policy.from_json({"maximum": 2})


def test_plan_entry_carries_every_key_the_workflow_needs() -> None:
    keys = JobRepository().address_keys("riverside", "md-1", COUNTER.address)
    entry = plan_entry(
        "riverside", "md-1", COUNTER, keys, remove=True, actor="riverside/k", removed_since="t"
    )
    assert entry["version"] == "7"
    assert entry["records"] == records_of(COUNTER) == 7
    assert entry["partition"] == "T#riverside#A#ann@example.net"
    assert entry["counter_key"] == {"pk": {"S": "T#riverside"}, "sk": {"S": "A#ann@example.net"}}
    assert entry["marker_key"]["pk"] == {"S": "T#riverside#MD#md-1"}
    assert entry["job_key"] == {"pk": {"S": "T#riverside#MD"}, "sk": {"S": "J#md-1"}}
    assert entry["archive_prefix"].startswith("archives/riverside/md-1/")
    assert "@" not in entry["archive_prefix"]
    # Every key starts with the tenant.
    for key in ("counter_key", "suppression_key", "marker_key", "job_key"):
        assert entry[key]["pk"]["S"].startswith("T#riverside")


def test_chunks_stay_within_the_history_budget() -> None:
    counters = [
        replace(COUNTER, address=f"a{n}@example.net", bounce_count=1 + (n % 40) * 10)
        for n in range(2000)
    ]
    entries = [
        plan_entry(
            "riverside",
            "md-1",
            c,
            JobRepository().address_keys("riverside", "md-1", c.address),
            remove=False,
            actor="a",
            removed_since="t",
        )
        for c in counters
    ]
    chunks = list(chunk_entries(entries))
    assert sum(len(c["entries"]) for c in chunks) == 2000
    for chunk in chunks:
        assert sum(estimated_events(e) for e in chunk["entries"]) <= CHILD_EVENT_BUDGET
        assert chunk["job_key"] == entries[0]["job_key"]
    # 1,000,000 records in ~1-record-per-bounce addresses fit the 25,000 events of the parent
    # because the parent only sees the Distributed Map (children have their own histories).
    assert CHILD_EVENT_BUDGET < 25_000


def test_job_ids_are_valid_execution_names() -> None:
    job_id = new_job_id(T)
    assert job_id.startswith("md-20261120090000-")
    assert len(f"{job_id}-run99") <= 80


def _states(definition: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for state in definition["States"].values():
        found.append(state)
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            found.extend(_states(processor))
    return found


def test_definition_uses_only_what_moto_runs_and_the_issue_allows() -> None:
    definition = mass_delete.definition()
    text = json.dumps(definition)
    states = _states(definition)
    resources = {s["Resource"] for s in states if s["Type"] == "Task"}
    assert all(r.startswith("arn:aws:states:::") for r in resources)
    assert not any("lambda" in r for r in resources)
    assert "JSONata" not in text
    assert "QueryLanguage" not in text
    for state in states:
        assert "ItemBatcher" not in state
        assert "ItemSelector" not in state
        assert (
            state.get("ItemProcessor", {})
            .get("ProcessorConfig", {})
            .get("ExecutionType", "STANDARD")
            == "STANDARD"
        )
    maps = [s for s in states if s["Type"] == "Map"]
    assert any("ItemReader" in m for m in maps)  # the Distributed Map over the plan
    # Every DynamoDB and S3 task retries throttling.
    for state in states:
        resource = state.get("Resource", "")
        if "dynamodb" in resource or ":s3:" in resource:
            assert state["Retry"], state["Resource"]


def test_plan_and_workflow_agree_on_the_largest_address() -> None:
    from chalicelib.massdelete.plan import MAX_RECORDS_PER_ADDRESS, is_oversized

    assert mass_delete.MAX_KEYS == MAX_RECORDS_PER_ADDRESS
    assert not is_oversized(replace(COUNTER, bounce_count=500))  # 1000 records + counter
    assert is_oversized(replace(COUNTER, bounce_count=501))


def test_rendering_fills_every_placeholder() -> None:
    text = mass_delete.rendered_definition("t", "b", "e")
    assert "${" not in text
    json.loads(text)
