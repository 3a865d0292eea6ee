"""Report queries: validate the caller's parameters, read one page, shape it for JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.bounces import AddressCounter, InboundRecord
from chalicelib.errors import BadRequest
from chalicelib.ports import BounceStore
from chalicelib.tenancy.ids import SYSTEM_SCOPE
from chalicelib.timefmt import iso

MAX_LIMIT = 500
DEFAULT_LIMIT = 100


def _limit(params: Mapping[str, str]) -> int:
    text = params.get("limit", str(DEFAULT_LIMIT))
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}, got {text!r}")
    return int(text)


def _check_params(params: Mapping[str, str], allowed: set[str]) -> None:
    unknown = sorted(set(params) - allowed)
    if unknown:
        names, known = ", ".join(unknown), ", ".join(sorted(allowed))
        raise BadRequest(f"unknown query parameter(s) {names}; allowed: {known}")


class ReportService:
    def __init__(self, store: BounceStore) -> None:
        self._store = store

    def bounces(self, tenant: str, params: Mapping[str, str]) -> dict[str, Any]:
        _check_params(params, {"limit", "cursor"})
        page = self._store.list_bounces(tenant, _limit(params), params.get("cursor") or None)
        return {"items": [counter_json(c) for c in page.items], "next_cursor": page.next_cursor}

    def inbound(self, disposition: str, params: Mapping[str, str]) -> dict[str, Any]:
        _check_params(params, {"limit", "cursor"})
        page = self._store.list_inbound(
            SYSTEM_SCOPE, disposition, _limit(params), params.get("cursor") or None
        )
        return {"items": [inbound_json(r) for r in page.items], "next_cursor": page.next_cursor}


def counter_json(c: AddressCounter) -> dict[str, Any]:
    return {
        "address": c.address,
        "count": c.bounce_count,
        "first_bounce_at": iso(c.first_bounce_at),
        "last_bounce_at": iso(c.last_bounce_at),
        "status": c.status,
        "reply_code": c.reply_code,
        "reason": str(c.reason),
        "category": str(c.category),
        "hard": c.hard,
        "blacklisted": c.blacklisted,
        "diagnostic": c.diagnostic,
        "explanation": c.explanation,
        "remote_mta": c.remote_mta,
        "source": c.source,
        "send_id": c.send_id,
        "state": str(c.state),
        "summary": f"last bounced {c.last_bounce_at:%Y-%m-%d}, {c.bounce_count} "
        + ("time" if c.bounce_count == 1 else "times"),
    }


def inbound_json(r: InboundRecord) -> dict[str, Any]:
    return {
        "message_id": r.message_id,
        "s3_key": r.s3_key,
        "received_at": iso(r.received_at),
        "disposition": str(r.disposition),
        "kind": r.kind,
        "tenant": r.tenant or None,
        "problem": r.problem,
        "subject": r.subject,
        "from": r.sender,
        "recipients": list(r.recipients),
        "mta": r.mta,
        "defects": list(r.defects),
    }
