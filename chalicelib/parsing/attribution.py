"""Which failure a verified return-path tag's recipient may be charged with, decided from the
parse result alone (pure: no storage, no clock).

The tag names the recipient the MMS sent to; the bounce names the addresses that failed. They
agree when the bounce names the tag's recipient. When the bounce names exactly one failed address
that is not the tag's, the mail was forwarded or aliased on the way (the report names the final
mailbox) and that one failure is the tag recipient's. When it names several and none is the tag's,
or names none, nothing says which failure (if any) is the recipient's: counting one would charge
a member with someone else's diagnostic, so the message goes to the staff quarantine with the
reason instead.
"""

from __future__ import annotations

from chalicelib.parsing.model import Action, ParseResult, RecipientResult
from chalicelib.record import record


@record(frozen=True)
class TagAttribution:
    """The failure to count for the tag's recipient, or why none may be counted."""

    failure: RecipientResult | None  # None: quarantine
    problem: str = ""  # why the message is quarantined (empty when a failure is found)
    named: bool = False  # the bounce itself names the tag's recipient


def _canonical(address: str) -> str:
    return address.strip().strip("<>").strip().lower()


def attribute(result: ParseResult, tag_recipient: str) -> TagAttribution:
    """The failure the tag's recipient is charged with: the one the bounce names for it, or the
    bounce's only failure; otherwise a quarantine reason."""
    failed = [r for r in result.recipients if r.action is Action.FAILED]
    wanted = _canonical(tag_recipient)
    for failure in failed:
        if _canonical(failure.address) == wanted or (
            failure.original_address is not None and _canonical(failure.original_address) == wanted
        ):
            return TagAttribution(failure, named=True)
    distinct = {_canonical(r.address) for r in failed}
    if len(distinct) == 1:
        return TagAttribution(failed[0])
    if not distinct:
        return TagAttribution(None, "the bounce names no failed address")
    return TagAttribution(
        None,
        f"the bounce names {len(distinct)} failed addresses and not the tag's recipient",
    )
