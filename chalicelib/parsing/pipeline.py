"""The parsing pipeline: bytes -> ParseResult, one stage after another, never raising.

Stages: load (message.py) -> message kind signals (signals.py) -> feedback reports and
complaints (arf.py) -> DSN parts (rfc3464.py) -> MTA detectors in registry order (mta/) ->
merge -> classify (classification) -> RecipientResult. Any exception inside a stage becomes a
defect and the message is reported as UNPARSED (when it looked like a bounce) or NOT_BOUNCE.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from chalicelib.classification.classify import Command, classify, transcript_command
from chalicelib.classification.reasons import Reason
from chalicelib.classification.status import pseudo_status
from chalicelib.parsing import addresses, arf, rfc3464, signals
from chalicelib.parsing.context import MAX_BODY_CHARS, Context, cut_original, paragraph
from chalicelib.parsing.dates import parse_date
from chalicelib.parsing.findings import Finding, find_reply_code, find_status, fold
from chalicelib.parsing.message import ORIGINAL_HEADERS, Mail, Part, clean_header, load
from chalicelib.parsing.model import (
    Action,
    Complaint,
    MessageKind,
    ParseResult,
    RecipientResult,
)
from chalicelib.parsing.mta import registry
from chalicelib.record import replace

_OCTETS = "application/octet-stream"
_DSN_TYPES = {"message/delivery-status", "message/global-delivery-status"}
_NOT_FAILED = {Action.DELIVERED, Action.RELAYED, Action.EXPANDED}
_ANGLE = re.compile(r"<([^<>]{1,300})>")


def parse_message(raw: bytes) -> ParseResult:
    """Parse and classify one inbound message. Never raises."""
    try:
        result = _parse(raw)
        if result.kind is MessageKind.NOT_BOUNCE:
            why = unreadable(raw, result)
            if why is not None:
                # Neither a bounce nor readable mail: listed for staff with the reason, as
                # unparsed mail is, instead of being passed over as "not a bounce".
                return replace(result, kind=MessageKind.UNPARSED, defects=(*result.defects, why))
        return result
    except Exception as exc:  # the contract: hostile input never escapes as an exception
        return ParseResult(kind=MessageKind.UNPARSED, defects=(f"internal:{type(exc).__name__}",))


UNREADABLE = "unreadable:"
_SAMPLE_BYTES = 8_192
# C0 controls that text never carries (tab, LF, CR, and ESC for ISO-2022 are text).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13, 27))


def unreadable(raw: bytes, result: ParseResult) -> str | None:
    """Why a message that is not a bounce cannot be read as mail at all, or None: binary
    content (NUL or other control bytes), no RFC 5322 header fields, or beyond the size the
    parser reads."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        return UNREADABLE + "not-bytes"
    sample = bytes(raw[:_SAMPLE_BYTES])
    if not sample.strip():
        return UNREADABLE + "empty"
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if b"\0" in sample or controls * 20 > len(sample):
        return UNREADABLE + "binary-content"
    if not result.subject and not _HEADER_FIELD.match(sample):
        return UNREADABLE + "no-header-fields"
    if "truncated" in result.defects:
        return UNREADABLE + "too-large"
    return None


# RFC 5322 section 2.2: a message starts with header fields (an mbox "From " line may precede).
_HEADER_FIELD = re.compile(rb"(?:From [^\n]*\n)?[!-9;-~]{1,76}:")


def _texts(mail: Mail) -> tuple[str, str, list[Finding], dict[str, str], str]:
    own: list[str] = []
    dsn: list[Finding] = []
    dsn_text: list[str] = []
    html: list[Part] = []
    original: dict[str, str] = {}
    for part in mail.parts:
        if part.content_type in _DSN_TYPES:
            if not part.inside_original or not dsn:
                found, _ = rfc3464.parse(part.text)
                dsn.extend(found)
                dsn_text.append(part.text[:10_000])
            continue
        if part.inside_original:
            if part.headers and not original:
                original = part.headers
            continue
        if part.content_type == "text/html":
            html.append(part)
        elif part.content_type.startswith("text/") or part.content_type == _OCTETS:
            own.append(part.text)
    if html and not any(t.strip() for t in own):
        # The HTML rendering only when the report has no plain text: Gmail and Office 365
        # repeat the same words (and kilobytes of styling) in their HTML alternative.
        own.extend(_strip_html(p.decoded()) for p in html)
    full = "\n\n".join(own)[:MAX_BODY_CHARS]
    body = cut_original(full)
    if not original and len(body) < len(full):
        original = _inline_headers(full[len(body) :])
    return body, full, dsn, original, "\n\n".join(dsn_text)


# The quoted original's lines, searched over the text at once (a regex match per line cost
# 9 us on a quoted original): one that looks like a header field, the fields kept
# (ORIGINAL_HEADERS, ASCII case-blind) and the blank line that ends them, the last two from
# newlines (a literal the regex engine scans for; a line-start anchor is tried at every character).
_INLINE_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,40}:", re.MULTILINE)
_INLINE_ORIGINAL = re.compile(r"\n(?ai:(" + "|".join(ORIGINAL_HEADERS) + r")):[ \t]*(.*)")
_BLANK_LINE = re.compile(r"\n[^\S\n]*+(?=\n|\Z)")
_INLINE_LINES = 200  # the marker line and the 199 after it


def _inline_headers(text: str) -> dict[str, str]:
    """The returned original's headers when they are quoted as text after the report (Gmail's
    "----- Original message -----", qmail's "--- Below this line is a copy"): the fields from
    the first field-like line after the marker line to the next blank line, within 200 lines."""
    start = text.find("\n") + 1
    first = _INLINE_FIELD.search(text, start) if start else None
    if first is None or text.count("\n", 0, first.start()) >= _INLINE_LINES:
        return {}
    blank = _BLANK_LINE.search(text, first.end())
    if blank is not None and text.count("\n", 0, blank.start()) < _INLINE_LINES:
        end = blank.start()
    else:  # no blank line within the lines read: they end with the last one read
        end = len("\n".join(text.split("\n", _INLINE_LINES)[:_INLINE_LINES]))
    out: dict[str, str] = {}
    # From the newline before the first field line (the search is from newlines).
    for name, value in _INLINE_ORIGINAL.findall(text, first.start() - 1, end):
        key = name.lower()
        if key not in out:
            out[key] = clean_header(value)
    return out


_TAG = re.compile(r"<[^>]{0,2000}>")
_ENTITY = {"&nbsp;": " ", "&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"'}


def _strip_html(text: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>", "\n", text)
    text = _TAG.sub(" ", text)
    for entity, char in _ENTITY.items():
        text = text.replace(entity, char)
    return text


def _date(mail: Mail) -> datetime | None:
    value = mail.header("date")
    return parse_date(value) if value else None


def _enrich(finding: Finding, text_findings: dict[str, Finding], body: str) -> Finding:
    """Fill a DSN finding's gaps from what the human-readable text says about the address."""
    other = text_findings.get(finding.address)
    changes: dict[str, object] = {}
    if other is not None:
        if not finding.diagnostic or len(finding.diagnostic) < 12:
            changes["diagnostic"] = other.diagnostic or finding.diagnostic
        if not finding.reply_code and other.reply_code:
            changes["reply_code"] = other.reply_code
        if not finding.status and other.status:
            changes["status"] = other.status
        if other.reason_hint and not finding.reason_hint:
            changes["reason_hint"] = other.reason_hint
    elif not finding.diagnostic:
        at = body.lower().find(finding.address)
        if at >= 0:
            changes["diagnostic"] = fold(paragraph(body, at))
    if not finding.reply_code and finding.diagnostic:
        code = find_reply_code(finding.diagnostic)
        if code:
            changes["reply_code"] = code
    return finding.with_(**changes) if changes else finding


_WIDE_CONTEXT_CHARS = 1_200


def _wide_context(body: str, address: str) -> str:
    """The report's words around one address, for when its own diagnostic says too little
    (Gmail, Mimecast and others put the server's reply paragraphs below the address)."""
    lowered = body.lower()
    at = lowered.find(address)
    start = max(0, at - 200) if at >= 0 else 0
    return body[start : start + _WIDE_CONTEXT_CHARS]


def _results(
    findings: list[Finding], command: Command = None, body: str = ""
) -> tuple[RecipientResult, ...]:
    out: list[RecipientResult] = []
    seen: set[str] = set()
    for f in findings:
        if f.address in seen:
            continue
        seen.add(f.address)
        status = _preferred_status(f.status, f.diagnostic)
        hint = Reason(f.reason_hint) if f.reason_hint else None
        if f.action in _NOT_FAILED and hint is None:
            hint = Reason.EXPANDED if f.action is Action.EXPANDED else Reason.DELIVERED
        temporary = f.action is Action.DELAYED or (status or f.reply_code or "").startswith("4")
        verdict = classify(status, f.reply_code, f.diagnostic, hint, command)
        reply_code = f.reply_code
        if verdict.reason is Reason.UNDEFINED and body:
            wide = fold(_wide_context(body, f.address))
            status = status or _preferred_status(None, wide)
            reply_code = reply_code or find_reply_code(wide)
            temporary = temporary or (status or reply_code or "").startswith("4")
            verdict = classify(status, reply_code, wide, hint, command)
        if temporary and verdict.reason is Reason.HOST_UNKNOWN:
            # A temporary DNS failure is a network problem, not a missing domain.
            verdict = classify(
                status, f.reply_code, f.diagnostic, Reason.NETWORK_ERROR, decided=True
            )
        if (
            f.action is Action.FAILED
            and status in _GAVE_UP
            and verdict.reason is Reason.NETWORK_ERROR
        ):
            # "No answer from host" (4.4.1) or "delivery time expired" (4.4.7) reported as a
            # final failure: the queue lifetime ran out while the host kept timing out.
            verdict = classify(status, reply_code, f.diagnostic, Reason.EXPIRED, decided=True)
        if f.action is Action.DELAYED and verdict.reason is Reason.UNDEFINED:
            verdict = classify(status, f.reply_code, f.diagnostic, Reason.EXPIRED, decided=True)
        if not status or (status.endswith(".0.0") and not f.diagnostic):
            status = pseudo_status(verdict.reason, temporary) or status
        out.append(
            RecipientResult(
                address=f.address,
                original_address=f.original_address,
                action=f.action,
                status=status,
                reply_code=reply_code,
                remote_mta=f.remote_mta,
                diagnostic=f.diagnostic,
                reason=verdict.reason,
                category=verdict.category,
                hard=verdict.hard,
                blacklisted=verdict.blacklisted,
                explanation=verdict.explanation,
            )
        )
    return tuple(out)


def _transcript_reader(body: str) -> Callable[[], str | None]:
    """The report's SMTP command, read once and only for a failure whose verdict depends on it
    (reading it lower-cases the whole report; most failures are decided by their own words)."""
    read: list[str | None] = []

    def command() -> str | None:
        if not read:
            read.append(transcript_command(body))
        return read[0]

    return command


_GAVE_UP = frozenset({"4.4.1", "4.4.7"})
# "\b" before the reply code written as a check after its first digit (see findings.STATUS).
_CODE_AFTER_REPLY = re.compile(r"[245](?<!\w[245])\d\d[ -]+'?([245]\.\d{1,3}\.\d{1,3})\b")


def _preferred_status(status: str | None, diagnostic: str) -> str | None:
    """The DSN Status field, unless the server's own words carry a more specific code (MTAs
    often write a generic x.0.0 or their own guess in the Status field)."""
    if not diagnostic:
        return status
    match = _CODE_AFTER_REPLY.search(diagnostic)
    in_text = find_status(match.group(1)) if match else find_status(diagnostic)
    if in_text is None or in_text.endswith(".0.0"):
        return status or in_text
    if status is None or status[0] == in_text[0]:
        return in_text
    return status


# Searched in "\n" + the text (a match starts where its line does): the newline is a literal
# the regex engine scans for, where a line-start anchor is tried at every character, and the
# lookahead passes over lines starting with neither name's letter (5x on the report texts).
_INLINE_DSN = re.compile(r"\n(?=[FOfo])(?i:(?:final|original)-recipient:)")


def _failed_recipients_header(mail: Mail, body: str) -> list[Finding]:
    """Exim and Google name the failed recipients in X-Failed-Recipients."""
    out: list[Finding] = []
    for address in addresses.find_all(mail.header("x-failed-recipients")):
        if addresses.is_candidate(address):
            out.append(Finding(address=address, diagnostic=fold(body[:600])))
    return out


def _complete(finding: Finding) -> bool:
    """A DSN recipient block with its own code, reply and words: the report's text can add
    nothing to it, so the family's text reading is skipped (only its phrase table applies)."""
    return bool(finding.status and finding.reply_code and len(finding.diagnostic) >= 12)


def _kind(recipients: tuple[RecipientResult, ...], bouncy: bool) -> MessageKind:
    actions = {r.action for r in recipients}
    if Action.FAILED in actions:
        return MessageKind.BOUNCE
    if Action.DELAYED in actions:
        return MessageKind.DELAY
    if actions:
        return MessageKind.DELIVERY_NOTICE
    return MessageKind.UNPARSED if bouncy else MessageKind.NOT_BOUNCE


def _parse(raw: bytes, nested: bool = False) -> ParseResult:  # noqa: C901, PLR0911, PLR0912 - the pipeline: each return is one verdict
    mail = load(raw)
    body, full, dsn, original, dsn_text = _texts(mail)

    def result(
        kind: MessageKind,
        recipients: tuple[RecipientResult, ...] = (),
        mta: str | None = None,
        complaint: Complaint | None = None,
    ) -> ParseResult:
        return ParseResult(
            kind=kind,
            recipients=recipients,
            mta=mta,
            message_id=_message_id(mail.header("message-id")),
            subject=mail.header("subject")[:500],
            date=_date(mail),
            original_message_id=_message_id(original.get("message-id", "")),
            original_headers=tuple(
                [(k, original[k][:500]) for k in ("from", "to", "subject", "date") if k in original]
            ),
            defects=tuple(mail.defects),
            complaint=complaint,
        )

    feedback = arf.parse(mail)
    if feedback is not None:
        # A complaint or other feedback, never a bounce: its recipients are reported as
        # delivered with the feedback reason.
        kind = MessageKind.FEEDBACK if feedback.complaint is None else MessageKind.COMPLAINT
        return result(kind, _results(feedback.findings), "arf", feedback.complaint)
    receipt = signals.report_type(mail) == "disposition-notification" or bool(
        signals.READ_RECEIPT_SUBJECT.search(mail.header("subject"))
    )
    if receipt and not dsn and not signals.MDN_REJECTION.search(body[:2000].lower()):
        return result(MessageKind.READ_RECEIPT)
    inline = None if dsn else _INLINE_DSN.search("\n" + body)
    if inline is not None:
        # Some gateways (PMDF, MessagingServer) put the DSN fields into the text part.
        dsn = rfc3464.parse(body[inline.start() :])[0]
    # Without delivery-status fields the report's words are read for two signals: lower once.
    head = "" if dsn else signals.report_head(body)
    bouncy = bool(dsn) or signals.looks_like_bounce(mail, head)
    if not bouncy:
        if signals.is_auto_reply(mail):
            return result(MessageKind.AUTO_REPLY)
        if signals.is_challenge(mail, body):
            return result(MessageKind.CHALLENGE)
    ctx = Context(
        mail=mail,
        body=body,
        full_text=full,
        dsn=dsn,
        original_headers=original,
        dsn_text=dsn_text,
    )
    complete = bool(dsn) and all(_complete(f) for f in dsn)
    module, text_findings = registry.run(ctx, read=not complete)
    if not bouncy and (module is None or module.NAME == "generic" or not text_findings):
        # Only an MTA family's own fingerprint (fml's X-MLServer, a Sieve rejection) makes a
        # report of a message that none of the bounce signals flagged.
        return result(MessageKind.NOT_BOUNCE)
    mta = str(module.NAME) if module is not None else None
    if dsn:
        by_address = {f.address: f for f in text_findings}
        findings = [_enrich(f, by_address, body) for f in dsn if addresses.is_candidate(f.address)]
        family = registry.family_of(module)
        if family is not None:
            findings = [family.tidy(f) for f in findings]
        mta = mta if mta and mta != "generic" else "rfc3464"
    else:
        findings = [f for f in text_findings if addresses.is_candidate(f.address)]
        if findings and signals.is_delay_warning(head):
            findings = [f.with_(action=Action.DELAYED) for f in findings]
    if not findings:
        findings = _failed_recipients_header(mail, body)
    recipients = _results(findings, _transcript_reader(body), body)
    kind = _kind(recipients, bouncy)
    if kind is MessageKind.UNPARSED and not nested:
        inner = _forwarded_bounce(full)
        if inner is not None:
            # Someone forwarded the bounce to us: its own report names the recipients.
            return result(inner.kind, inner.recipients, inner.mta)
    if kind is MessageKind.UNPARSED and signals.is_challenge(mail, body):
        kind = MessageKind.CHALLENGE
    elif kind is MessageKind.BOUNCE and _is_challenge(mail, recipients):
        return result(MessageKind.CHALLENGE, (), mta)
    return result(kind, recipients, mta)


# A bounce pasted into the text of another message ("Begin forwarded message", an mbox copy).
_EMBEDDED_BOUNCE = re.compile(
    r"^>?[ \t]*(?:From MAILER-DAEMON[ \t]|Return-Path: <>[ \t]*$)", re.IGNORECASE | re.MULTILINE
)


def _forwarded_bounce(text: str) -> ParseResult | None:
    """The bounce a person or a mail system forwarded in the text, parsed once (never deeper)."""
    match = _EMBEDDED_BOUNCE.search(text)
    if match is None:
        return None
    inner = _parse(text[match.start() :].encode("utf-8", "replace"), nested=True)
    return inner if inner.kind is MessageKind.BOUNCE else None


def _is_challenge(mail: Mail, recipients: tuple[RecipientResult, ...]) -> bool:
    """A challenge-response request dressed as a bounce: sent by a challenge service, or every
    failure only asks us to confirm ourselves."""
    if signals.CHALLENGE_SENDER.search(mail.header("from").lower()):
        return True
    failed = False
    for r in recipients:
        if r.action is Action.FAILED:
            if not signals.CHALLENGE_REPLY.search(r.diagnostic.lower()):
                return False
            failed = True
    return failed


def _message_id(value: str) -> str | None:
    if not value:
        return None
    match = _ANGLE.search(value)
    return (match.group(1) if match else value.strip())[:300] or None
