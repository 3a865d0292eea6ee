"""Address re-checks on the single table: the nightly run's candidates (every suppressed
address, then every address marked good before a cut-off), its checkpoints, what it found (a
history entry in the address's partition, the latest verdict, the changes the digest lists, and
a renewed suppression for an address marked good whose domain no longer takes mail), and the
DNS answers kept across runs for their TTL.

Implements chalicelib.recheck's CandidateSource, CheckpointStore, RecheckRecorder and
DomainAnswerStore. Every write is a put keyed by (night, address), so recording a page twice
(the function died before its checkpoint) changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib import cursors
from chalicelib.bounces import AddressState, SuppressionReason
from chalicelib.errors import CursorError
from chalicelib.recheck.model import DomainAnswer, DomainStatus, RecheckChange, Verdict
from chalicelib.recheck.nightly import (
    Candidate,
    CandidateKind,
    CandidatePage,
    Checked,
    Checkpoint,
)
from chalicelib.recheck.ports import CachedAnswer
from chalicelib.storage import keys
from chalicelib.storage.core import decode_cursor, encode_cursor
from chalicelib.storage.items import (
    AddressCounterItem,
    DnsAnswerItem,
    RecheckChangeItem,
    RecheckCheckpointItem,
    RecheckHistoryItem,
    RecheckLatestItem,
    SuppressionItem,
)
from chalicelib.timefmt import iso, parse_iso

RUN_TTL = timedelta(days=30)
CHANGE_TTL = timedelta(days=120)
# A domain that no longer takes mail: the address is suppressed again, with this reason.
NO_MAIL_ANY_MORE = frozenset({DomainStatus.NXDOMAIN, DomainStatus.NULL_MX})
_PHASES = ("suppressed", "marked_good")
MAX_CHANGES_READ = 2000


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


class RecheckRepository:
    """The nightly re-check's storage (see the module docstring)."""

    def __init__(self, clock: type[datetime] = datetime) -> None:
        self._clock = clock

    # -- candidates -------------------------------------------------------------------------

    def page(
        self, tenant: str, marked_good_before: datetime, cursor: str | None, limit: int
    ) -> CandidatePage:
        phase, start = self._position(cursor)
        if phase == "suppressed":
            found, last_key = self._suppressed(tenant, start, limit)
        else:
            found, last_key = self._marked_good(tenant, marked_good_before, start, limit)
        resume = encode_cursor(last_key)
        if resume is not None:
            next_cursor: str | None = cursors.encode({"phase": phase, "key": resume})
        elif phase == "suppressed":
            next_cursor = cursors.encode({"phase": "marked_good", "key": None})
        else:
            next_cursor = None
        previous = self._latest(tenant, [address for address, _ in found])
        items = tuple(Candidate(address, kind, previous.get(address)) for address, kind in found)
        return CandidatePage(items, next_cursor)

    @staticmethod
    def _suppressed(
        tenant: str, start: str | None, limit: int
    ) -> tuple[list[tuple[str, CandidateKind]], dict[str, Any] | None]:
        pk = keys.suppression_pk(tenant)
        results = SuppressionItem.query(
            pk, limit=limit, last_evaluated_key=decode_cursor(start, pk, {"pk", "sk"})
        )
        found = [(i.address, CandidateKind.SUPPRESSED) for i in results]
        return found, results.last_evaluated_key

    @staticmethod
    def _marked_good(
        tenant: str, before: datetime, start: str | None, limit: int
    ) -> tuple[list[tuple[str, CandidateKind]], dict[str, Any] | None]:
        pk = keys.facet_pk(tenant, "S", str(AddressState.REACTIVATED))
        fields = {"pk", "sk", "state_pk", "bounce_count"}
        results = AddressCounterItem.by_state.query(
            pk, limit=limit, last_evaluated_key=decode_cursor(start, pk, fields, "state_pk")
        )
        cut_off = iso(before)
        # Marked good before the cut-off (or before marking was dated: revisit those too).
        found = [
            (i.address, CandidateKind.MARKED_GOOD)
            for i in results
            if i.reactivated_at is None or i.reactivated_at < cut_off
        ]
        return found, results.last_evaluated_key

    @staticmethod
    def _position(cursor: str | None) -> tuple[str, str | None]:
        if not cursor:
            return "suppressed", None
        position = cursors.decode(cursor)
        phase, key = position.get("phase"), position.get("key")
        if phase not in _PHASES or not (key is None or isinstance(key, str)):
            raise CursorError("re-check cursor is not one this run wrote; start the night again")
        return str(phase), key

    def _latest(self, tenant: str, addresses: Sequence[str]) -> dict[str, Verdict]:
        if not addresses:
            return {}
        pk = keys.recheck_pk(tenant)
        wanted = [(pk, keys.recheck_latest_sk(a)) for a in dict.fromkeys(addresses)]
        return {i.address: Verdict(i.verdict) for i in RecheckLatestItem.batch_get(wanted)}

    # -- checkpoints ------------------------------------------------------------------------

    def load(self, tenant: str, run_id: str) -> Checkpoint | None:
        try:
            i = RecheckCheckpointItem.get(
                keys.recheck_pk(tenant), keys.recheck_run_sk(run_id), consistent_read=True
            )
        except DoesNotExist:
            return None
        return Checkpoint(
            tenant, run_id, i.cursor, int(i.pages), int(i.checked), int(i.changed), i.done
        )

    def save(self, checkpoint: Checkpoint) -> None:
        RecheckCheckpointItem(
            keys.recheck_pk(checkpoint.tenant),
            keys.recheck_run_sk(checkpoint.run_id),
            cursor=checkpoint.cursor,
            pages=checkpoint.pages,
            checked=checkpoint.checked,
            changed=checkpoint.changed,
            done=checkpoint.done,
            expires_at=_epoch(self._clock.now(UTC) + RUN_TTL),
        ).save()

    # -- results ----------------------------------------------------------------------------

    def record(self, tenant: str, run_id: str, checked: Sequence[Checked]) -> None:
        now = self._clock.now(UTC)
        at = iso(now)
        with RecheckHistoryItem.batch_write() as batch:
            for c in checked:
                address, result = c.candidate.address, c.result
                batch.save(
                    RecheckHistoryItem(
                        keys.address_pk(tenant, address),
                        keys.recheck_history_sk(run_id),
                        verdict=str(result.verdict),
                        explanation=result.explanation,
                        suggestion=result.suggestion,
                        run_id=run_id,
                        checked_at=at,
                    )
                )
                if result.verdict is not Verdict.UNKNOWN:
                    batch.save(
                        RecheckLatestItem(
                            keys.recheck_pk(tenant),
                            keys.recheck_latest_sk(address),
                            address=address,
                            verdict=str(result.verdict),
                            run_id=run_id,
                            checked_at=at,
                        )
                    )
                if c.changed:
                    batch.save(
                        RecheckChangeItem(
                            keys.recheck_pk(tenant),
                            keys.recheck_change_sk(run_id, address),
                            address=address,
                            verdict=str(result.verdict),
                            previous=None
                            if c.candidate.previous is None
                            else str(c.candidate.previous),
                            explanation=result.explanation,
                            checked_at=at,
                            expires_at=_epoch(now + CHANGE_TTL),
                        )
                    )
                if c.candidate.kind is CandidateKind.MARKED_GOOD and (
                    result.checks.dns in NO_MAIL_ANY_MORE
                ):
                    batch.save(
                        SuppressionItem(
                            keys.suppression_pk(tenant),
                            address,
                            address=address,
                            reason=str(SuppressionReason.NO_MAIL_DOMAIN),
                            since=at,
                            actor="rebound re-check",
                        )
                    )

    def changes(self, tenant: str, since: datetime) -> list[RecheckChange]:
        """Changed verdicts of the nights since `since` (newest night last), bounded."""
        first_night = since.astimezone(UTC).date().isoformat()
        items = RecheckChangeItem.query(
            keys.recheck_pk(tenant),
            RecheckChangeItem.sk >= keys.recheck_change_sk(first_night, ""),
            limit=MAX_CHANGES_READ,
        )
        out = []
        for i in items:
            if not i.sk.startswith(keys.RECHECK_CHANGE_PREFIX):
                break  # past the C# items: the sort keys that follow are not changes
            at = parse_iso(i.checked_at)
            if at > since:
                previous = None if i.previous is None else Verdict(i.previous)
                out.append(
                    RecheckChange(i.address, Verdict(i.verdict), previous, i.explanation, at)
                )
        return out

    def latest_verdicts(self, tenant: str, addresses: Sequence[str]) -> Mapping[str, str]:
        return {a: str(v) for a, v in self._latest(tenant, addresses).items()}

    # -- DNS answers across runs ------------------------------------------------------------

    def get_many(self, domains: Sequence[str], now: float) -> Mapping[str, CachedAnswer]:
        wanted = [(keys.dns_pk(d), keys.DNS_SK) for d in dict.fromkeys(domains)]
        found: dict[str, CachedAnswer] = {}
        for item in DnsAnswerItem.batch_get(wanted):
            if float(item.cached_until) <= now:
                continue
            answer = DomainAnswer.from_item(json.loads(item.answer))
            found[answer.domain] = CachedAnswer(answer, float(item.cached_until))
        return found

    def put_many(self, entries: Sequence[CachedAnswer]) -> None:
        with DnsAnswerItem.batch_write() as batch:
            for entry in entries:
                batch.save(
                    DnsAnswerItem(
                        keys.dns_pk(entry.answer.domain),
                        keys.DNS_SK,
                        answer=json.dumps(entry.answer.as_item(), separators=(",", ":")),
                        cached_until=int(entry.expires_at),
                        expires_at=int(entry.expires_at) + 3600,
                    )
                )


def _text(verdict: Verdict | None) -> str | None:
    return None if verdict is None else str(verdict)
