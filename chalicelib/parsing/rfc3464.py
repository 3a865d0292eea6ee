"""RFC 3464 / RFC 6533 delivery status notifications: the `message/delivery-status` part.

Owns reading the per-message and per-recipient field blocks (RFC 3464 section 2.1) into
`Finding`s. Tolerates what real MTAs write: blocks not separated by blank lines, missing
Final-Recipient (Original-Recipient used instead), `X-Actual-Recipient`, unknown address
types, folded Diagnostic-Code lines, and Action values in any case.
"""

from __future__ import annotations

import re

from chalicelib.parsing import addresses
from chalicelib.parsing.findings import Finding, find_reply_code, find_status, fold
from chalicelib.parsing.model import Action

# One line of DSN text, searched from its newline (the text is read with "\n" before it):
# a field's name and value, a blank line (all groups empty), or a continuation line's words
# (stripped, as `str.strip` would: `\s` is the same Unicode set). Lines of no kind do not match.
# One search over the text instead of a split and a match per line (2x on the corpus's DSNs).
_LINE = re.compile(
    r"\n(?:([A-Za-z][A-Za-z0-9-]{1,40})[ \t]*:[ \t]*(.*)"
    r"|[^\S\n]*+(?=\n|\Z)"
    r"|[ \t][^\S\n]*+(.*\S))"
)
_ACTIONS = {a.value: a for a in Action}
# Non-standard Action words: Postfix's address verification (`sendmail -bv`) reports
# "deliverable" / "undeliverable".
_ACTION_ALIASES = {
    "failure": Action.FAILED,
    "fail": Action.FAILED,
    "undeliverable": Action.FAILED,
    "delay": Action.DELAYED,
    "deliverable": Action.DELIVERED,
}
_TYPE_PREFIX = re.compile(r"^\s*[\w.-]+\s*;\s*")


# A second one of these in a block starts the next recipient's block.
_BLOCK_STARTS = frozenset({"final-recipient", "original-recipient", "action"})
_MAX_LINES = 4000


def field_blocks(text: str) -> list[dict[str, str]]:
    """Split DSN text into field blocks; a repeated recipient field starts a new block."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last: str | None = None
    end = len(text) + 1
    if text.count("\n") >= _MAX_LINES:  # only the first lines are read
        end = len("\n".join(text.split("\n", _MAX_LINES)[:_MAX_LINES])) + 1
    for name, value, continued in _LINE.findall("\n" + text, 0, end):
        if name:
            key = name.lower()
            repeated = key in current and key in _BLOCK_STARTS
            if repeated or (
                key == "final-recipient" and "action" in current and "status" in current
            ):
                blocks.append(current)
                current = {}
            current[key] = value.strip()
            last = key
        elif continued:
            if last is not None:
                current[last] = current[last] + " " + continued
        elif current:  # a blank line
            blocks.append(current)
            current, last = {}, None
    if current:
        blocks.append(current)
    return blocks


def _action(value: str) -> Action:
    word = value.strip().lower().split(" ", 1)[0].strip("();,.")
    return _ACTIONS.get(word) or _ACTION_ALIASES.get(word) or Action.FAILED


def _mta_name(value: str) -> str | None:
    value = _TYPE_PREFIX.sub("", value).strip().strip("[]<>")
    return value.split()[0][:255] if value else None


def parse(text: str) -> tuple[list[Finding], dict[str, str]]:
    """Findings for every recipient block, plus the per-message fields."""
    blocks = field_blocks(text)
    per_message: dict[str, str] = {}
    findings: list[Finding] = []
    for block in blocks:
        raw_final = block.get("final-recipient") or block.get("x-actual-recipient") or ""
        raw_original = block.get("original-recipient", "")
        final = addresses.normalise(raw_final) if raw_final else None
        original = addresses.normalise(raw_original) if raw_original else None
        if final is None and original is None:
            if not findings:
                per_message.update(block)
            continue
        address = final or original or ""
        if not addresses.is_candidate(address) and original and addresses.is_candidate(original):
            address = original
        diag_raw = block.get("diagnostic-code", "")
        diagnostic = fold(_TYPE_PREFIX.sub("", diag_raw, count=1) if diag_raw else "")
        status = find_status(block.get("status", "")) or None
        reply = find_reply_code(diagnostic[:8]) if diagnostic else None
        remote = block.get("remote-mta", "")
        findings.append(
            Finding(
                address=address,
                action=_action(block.get("action", "failed")),
                status=status,
                reply_code=reply,
                remote_mta=_mta_name(remote) if remote else None,
                diagnostic=diagnostic,
                original_address=original if original and original != address else None,
            )
        )
    return findings, per_message
