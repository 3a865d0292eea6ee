"""Mass-delete rules without AWS: request validation, the circuit breaker, plan entries and
chunk packing, and the workflow definition (what moto's interpreter runs, and the state
transitions it costs per address)."""

from __future__ import annotations

import itertools
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
    CHUNK_RECORD_BUDGET,
    MAX_ENTRIES_PER_CHUNK,
    chunk_entries,
    map_item,
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
    assert entry["records"] == records_of(COUNTER) == 6
    assert entry["partition"] == "T#riverside#A#ann@example.net"
    assert entry["counter_key"] == {"pk": {"S": "T#riverside"}, "sk": {"S": "A#ann@example.net"}}
    assert entry["marker_key"]["pk"] == {"S": "T#riverside#MD#md-1"}
    assert entry["job_key"] == {"pk": {"S": "T#riverside#MD"}, "sk": {"S": "J#md-1"}}
    assert entry["archive_prefix"].startswith("archives/riverside/md-1/")
    assert "@" not in entry["archive_prefix"]
    # Every key starts with the tenant.
    for key in ("counter_key", "suppression_key", "marker_key", "job_key"):
        assert entry[key]["pk"]["S"].startswith("T#riverside")


def _entries(counters: list[Any]) -> list[dict[str, Any]]:
    return [
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


def test_chunks_stay_within_their_budget_and_items_carry_no_address() -> None:
    counters = [
        replace(COUNTER, address=f"a{n}@example.net", bounce_count=1 + (n % 40) * 10)
        for n in range(2000)
    ]
    entries = _entries(counters)
    chunks = list(chunk_entries(entries))
    assert sum(len(c["entries"]) for c in chunks) == 2000
    for chunk in chunks:
        assert sum(e["records"] for e in chunk["entries"]) <= CHUNK_RECORD_BUDGET
        assert len(chunk["entries"]) <= MAX_ENTRIES_PER_CHUNK
    # What Step Functions sees of a chunk (execution input and history): no address.
    item = map_item("riverside", "md-1", entries[0]["job_key"], 3)
    assert item["key"] == "plans/riverside/md-1/c000003.json"
    assert "@" not in json.dumps(item)


def test_an_address_larger_than_the_budget_is_a_chunk_of_its_own() -> None:
    big = replace(COUNTER, address="big@example.net", bounce_count=6000)
    small = replace(COUNTER, address="small@example.net", bounce_count=1)
    chunks = list(chunk_entries(_entries([small, big, small])))
    assert [len(c["entries"]) for c in chunks] == [1, 1, 1]


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


def test_definition_uses_only_what_moto_runs() -> None:
    definition = mass_delete.definition()
    text = json.dumps(definition)
    states = _states(definition)
    resources = {s["Resource"] for s in states if s["Type"] == "Task"}
    assert resources == {
        "arn:aws:states:::dynamodb:updateItem",
        "arn:aws:states:::lambda:invoke",
    }
    for state in states:
        if state.get("Resource") == "arn:aws:states:::lambda:invoke":
            assert state["Parameters"]["FunctionName"] == "${WorkerFunctionArn}"
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
    for state in states:  # every task retries what is transient
        if state["Type"] == "Task":
            assert state["Retry"], state["Resource"]


def _follows(states: dict[str, Any], path: tuple[str, ...]) -> None:
    """Each state of `path` leads to the next one (Next, a Choice, or a Map's own Next)."""
    for here, there in itertools.pairwise(path):
        state = states[here]
        successors = {state.get("Next"), state.get("Default")}
        successors |= {c["Next"] for c in state.get("Choices", [])}
        assert there in successors, (here, there)
    assert states[path[-1]]["Type"] in {"Succeed", "Choice", "Task"}


def test_transitions_per_address_from_the_definition() -> None:
    definition = mass_delete.definition()
    parent = definition["States"]
    child = parent["Chunks"]["ItemProcessor"]["States"]
    _follows(parent, mass_delete.PARENT_PATH)
    _follows(child, mass_delete.CHILD_PATH)
    _follows(child, (*mass_delete.CHILD_EXTRA_RUN, mass_delete.CHILD_PATH[0]))
    assert parent[mass_delete.PARENT_PATH[-1]]["Type"] == "Succeed"
    assert child[mass_delete.CHILD_PATH[-1]]["Type"] == "Succeed"
    assert parent["Chunks"]["ItemProcessor"]["StartAt"] == mass_delete.CHILD_PATH[0]
    assert definition["StartAt"] == mass_delete.PARENT_PATH[0]
    # Per chunk 3 transitions, whatever its size: even a chunk of one address stays under 5.
    assert mass_delete.transitions_per_job(1) - mass_delete.transitions_per_job(0) == 3
    # 1,000,000 records as one bounce per address (3 records each: the most addresses).
    addresses = 1_000_000 // 3
    chunks = -(-addresses // MAX_ENTRIES_PER_CHUNK)
    assert mass_delete.transitions_per_job(chunks) / addresses < 0.02
    # ... and as 1,000-record addresses (the largest): 10 to a chunk.
    addresses = 1_000_000 // 1001
    chunks = -(-addresses // (CHUNK_RECORD_BUDGET // 1001))
    assert mass_delete.transitions_per_job(chunks) / addresses < 0.5
    # A two-address job, the smallest that shares the fixed 5 of the parent: 4 per address.
    assert mass_delete.transitions_per_job(1) / 2 <= 5


def test_a_marker_holds_the_keys_of_the_largest_address() -> None:
    from chalicelib.massdelete.plan import MAX_RECORDS_PER_ADDRESS, is_oversized

    address = "a" * 64 + "@" + "example.net"
    key = {
        "pk": {"S": f"T#{'t' * 40}#A#{address}"},
        "sk": {"S": "H#2026-11-20T09:00:00Z#" + "m" * 100},
    }
    keys = json.dumps([key] * MAX_RECORDS_PER_ADDRESS, separators=(",", ":"))
    assert len(keys.encode()) < 400 * 1024  # DynamoDB's item limit
    assert not is_oversized(replace(COUNTER, bounce_count=500))  # 1000 records + counter
    assert is_oversized(replace(COUNTER, bounce_count=501))


def test_rendering_fills_every_placeholder() -> None:
    text = mass_delete.rendered_definition("t", "b", "arn:aws:lambda:us-east-1:1:function:w")
    assert "${" not in text
    json.loads(text)
