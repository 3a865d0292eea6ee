"""Signed return paths: round trip, rotation, forgery, expiry, case folding, discovery."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.tenancy.ids import Source
from chalicelib.tenancy.tags import (
    TagProblem,
    find_tags,
    make_return_path,
    make_tag,
    parse_keys,
    verify_tag,
)

KEYS = parse_keys("k2:second-signing-secret-123,k1:first-signing-secret-1234")
TODAY = date(2026, 11, 26)


def _tag(**overrides: object) -> str:
    args: dict[str, object] = {
        "tenant": "riverside",
        "source": Source.EVENT,
        "send_id": "send-42",
        "recipient": "Ann.Smith@Example.NET",
        "expires_on": date(2027, 6, 1),
    }
    args.update(overrides)
    return make_tag(KEYS, **args)  # type: ignore[arg-type]


def test_round_trip_recovers_every_claim() -> None:
    result = verify_tag(KEYS, _tag(), TODAY)
    assert result.ok
    assert result.claims is not None
    assert result.claims.tenant == "riverside"
    assert result.claims.source is Source.EVENT
    assert result.claims.send_id == "send-42"
    assert result.claims.recipient == "ann.smith@example.net"
    assert result.claims.expires_on == date(2027, 6, 1)


def test_tag_survives_an_mta_that_upper_or_lower_cases_the_local_part() -> None:
    tag = _tag()
    assert verify_tag(KEYS, tag.upper(), TODAY).ok
    assert tag == tag.lower()


def test_old_key_still_verifies_after_rotation_and_new_key_signs() -> None:
    old_keys = parse_keys("k1:first-signing-secret-1234")
    old_tag = make_tag(
        old_keys,
        tenant="riverside",
        source=Source.BROADCAST,
        send_id="s1",
        recipient="bob@example.org",
        expires_on=date(2027, 1, 1),
    )
    assert verify_tag(KEYS, old_tag, TODAY).ok
    assert _tag().startswith("k2-")


def test_forged_payload_is_refused() -> None:
    kid, payload, mac = _tag().split("-")
    other = _tag(tenant="hillside").split("-")[1]
    assert verify_tag(KEYS, f"{kid}-{other}-{mac}", TODAY).problem is TagProblem.BAD_SIGNATURE
    assert verify_tag(KEYS, f"{kid}-{payload}-{'a' * 16}", TODAY).problem is (
        TagProblem.BAD_SIGNATURE
    )


def test_signature_from_a_key_we_do_not_hold_is_refused() -> None:
    stranger = parse_keys("k2:somebody-elses-secret-000")
    forged = make_tag(
        stranger,
        tenant="riverside",
        source=Source.SURVEY,
        send_id="x",
        recipient="a@example.com",
        expires_on=date(2027, 1, 1),
    )
    assert verify_tag(KEYS, forged, TODAY).problem is TagProblem.BAD_SIGNATURE
    assert verify_tag(KEYS, "zz" + forged[2:], TODAY).problem is TagProblem.UNKNOWN_KEY


def test_expired_tag_is_refused_even_with_a_good_signature() -> None:
    result = verify_tag(KEYS, _tag(expires_on=date(2026, 11, 25)), TODAY)
    assert result.problem is TagProblem.EXPIRED
    assert not result.ok


@pytest.mark.parametrize(
    "junk", ["", "k2", "k2-!!-??", "k2-abc-def-ghi", "k2-0189-aaaaaaaaaaaaaaaa"]
)
def test_malformed_tags_never_raise(junk: str) -> None:
    assert not verify_tag(KEYS, junk, TODAY).ok


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tenant": "Bad Tenant"},
        {"send_id": ""},
        {"send_id": "x" * 65},
        {"recipient": "not-an-address"},
    ],
)
def test_make_tag_rejects_bad_arguments(kwargs: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"."):
        _tag(**kwargs)


def test_bad_key_configuration_is_refused() -> None:
    for spec in ["", "nokey", "k1:short", "K-1:long-enough-secret-here"]:
        with pytest.raises(ValueError, match=r"."):
            parse_keys(spec)


def test_find_tags_reads_the_return_path_wherever_the_bounce_mentions_it() -> None:
    path = make_return_path(
        KEYS,
        local_part="groupmessaging",
        domain="bounces.example.com",
        tenant="riverside",
        source=Source.BROADCAST,
        send_id="s9",
        recipient="ann@example.net",
        expires_on=date(2027, 1, 1),
    )
    raw = f"To: {path.upper()}\r\nSubject: x\r\n\r\nReturn-Path: <{path}>\r\n".encode()
    tags = find_tags(raw, "groupmessaging", "bounces.example.com")
    assert tags == (path.split("+")[1].split("@")[0],)
    assert find_tags(raw, "groupmessaging", "bounces.example.org") == ()


def test_keys_from_the_deployed_secret_json() -> None:
    single = parse_keys('{"kid": "k1", "secret": "first-signing-secret-1234"}')
    assert [k.kid for k in single] == ["k1"]
    rotated = parse_keys(
        '[{"kid": "k2", "secret": "second-signing-secret-123"},'
        ' {"kid": "k1", "secret": "first-signing-secret-1234"}]'
    )
    assert rotated == KEYS
    with pytest.raises(ValueError, match="JSON"):
        parse_keys('{"kid": "k1"}')
