"""What every MTA family module declares, as data, and the shared reading it drives.

A family is recognised by cheap substring checks on lower-cased text computed once per message
(`Context.lowered`): header names only that MTA writes, its sender and subject wordings, or
markers in its report text. Once recognised, the failed recipients are read from the text that
follows the family's `start` markers (by the shared free-text scan, `generic.scan`), the family's
own boilerplate is removed from each diagnostic, and its own wordings (`phrases`) become the
reason when they occur. A module that needs more (Gmail's two-paragraph errors, qmail's
"Giving up" lines) writes its own `detect` on top of these helpers.
"""

from __future__ import annotations

import re

from chalicelib.classification.matcher import Matcher
from chalicelib.classification.reasons import Reason
from chalicelib.parsing import addresses
from chalicelib.parsing.context import Context, finding_from_text
from chalicelib.parsing.findings import Finding, find_reply_code, find_status, fold
from chalicelib.parsing.mta import generic
from chalicelib.record import record


@record(frozen=True)
class Family:
    """One MTA family's fingerprints and wordings. Every string is lower-case."""

    name: str
    headers: tuple[str, ...] = ()  # header names only this MTA writes
    mailers: tuple[str, ...] = ()  # substrings of its X-Mailer / X-Original-Mailer header
    senders: tuple[str, ...] = ()  # substrings of the From header
    subjects: tuple[str, ...] = ()  # substrings of the Subject; with senders, both must match
    markers: tuple[str, ...] = ()  # substrings of the report text that identify it alone
    start: tuple[str, ...] = ()  # the failed recipients are listed after this line
    boilerplate: tuple[str, ...] = ()  # regexes removed from every diagnostic
    reply_after: tuple[str, ...] = ()  # the remote server's reply follows this line
    phrases: tuple[tuple[Reason, str], ...] = ()  # the MTA's own wordings -> reason

    def recognises(self, ctx: Context) -> bool:
        # Plain loops: this runs for every family on every message.
        low = ctx.lowered
        names = low.header_names
        for header in self.headers:
            if header in names:
                return True
        for mailer in self.mailers:
            if mailer in low.mailer:
                return True
        body = low.body
        for marker in self.markers:
            if marker in body:
                return True
        sender = low.sender
        for fragment in self.senders:
            if fragment in sender:
                if not self.subjects:
                    return True
                subject = low.subject
                return any(wording in subject for wording in self.subjects)
        return False

    def section(self, body: str) -> str:
        """The report text from the line of the first `start` marker on (the whole text
        without one)."""
        if not self.start:
            return body
        low = body.lower()
        found = [i for i in (low.find(s) for s in self.start) if i >= 0]
        if not found:
            return body
        # From the start of the marker's line: some MTAs name the address before the words.
        return body[body.rfind("\n", 0, min(found)) + 1 :]

    def tidy(self, finding: Finding) -> Finding:
        """Boilerplate removed from the diagnostic, and the MTA's own reason when it says one."""
        diagnostic = finding.diagnostic
        if self.boilerplate and diagnostic:
            cleaned = fold(_compiled(self.boilerplate).sub(" ", diagnostic))
            if cleaned != diagnostic:
                diagnostic = cleaned
                finding = finding.with_(
                    diagnostic=cleaned,
                    status=finding.status or find_status(cleaned),
                    reply_code=finding.reply_code or find_reply_code(cleaned),
                )
        hint = self.reason_in(diagnostic)
        if hint is not None and finding.reason_hint is None:
            finding = finding.with_(reason_hint=hint.value)
        return finding

    def reason_in(self, text: str) -> Reason | None:
        if not self.phrases or not text:
            return None
        low = text.lower()
        for reason, matcher in _matchers(self.phrases):
            if matcher.search(low):
                return reason
        return None

    def read(self, ctx: Context) -> list[Finding]:
        """Failed recipients in the family's report section, tidied. When the report names
        nobody ("Delivery report unavailable", a V5 Sendmail transcript with only the host),
        the returned original's single recipient is the one that failed."""
        section = self.section(ctx.body)
        found = generic.scan(section, ctx.senders)
        if not found and not ctx.dsn:
            found = _original_recipient(ctx, section)
        if self.reply_after and len(found) == 1:
            found = [self._with_reply(found[0], ctx.body)]
        return [self.tidy(f) for f in found]

    def _with_reply(self, finding: Finding, body: str) -> Finding:
        """The remote server's reply, quoted by the report below its own words, added."""
        for marker in self.reply_after:
            reply = fold(after(body, marker).strip().split("\n\n", 1)[0])
            if reply:
                return finding.with_(
                    diagnostic=fold(finding.diagnostic + " " + reply),
                    status=finding.status or find_status(reply),
                    reply_code=finding.reply_code or find_reply_code(reply),
                )
        return finding

    def detect(self, ctx: Context) -> list[Finding] | None:
        """The standard detector: None when not this family, else what `read` finds."""
        if not self.recognises(ctx):
            return None
        return self.read(ctx)


def _original_recipient(ctx: Context, section: str) -> list[Finding]:
    to = [
        a
        for a in addresses.find_all(ctx.original_headers.get("to", ""))
        if addresses.is_candidate(a) and a not in ctx.senders
    ]
    if len(to) != 1:
        return []
    return [finding_from_text(to[0], _first_error(section))]


def _first_error(text: str) -> str:
    """The first paragraph of the report that reads like an error, bounded."""
    for block in text.split("\n\n")[:40]:
        if generic.ERRORISH.search(block.lower()):
            return block[:800]
    return ""


_CACHE: dict[tuple[str, ...], re.Pattern[str]] = {}
_PHRASE_CACHE: dict[tuple[tuple[Reason, str], ...], list[tuple[Reason, Matcher]]] = {}


def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str]:
    found = _CACHE.get(patterns)
    if found is None:
        found = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
        _CACHE[patterns] = found
    return found


def _matchers(
    phrases: tuple[tuple[Reason, str], ...],
) -> list[tuple[Reason, Matcher]]:
    found = _PHRASE_CACHE.get(phrases)
    if found is None:
        found = [(reason, Matcher((pattern,))) for reason, pattern in phrases]
        _PHRASE_CACHE[phrases] = found
    return found


def after(text: str, marker: str, limit: int = 2_000) -> str:
    """The text after the first case-insensitive `marker` ("" when absent), bounded."""
    at = text.lower().find(marker)
    return text[at + len(marker) : at + len(marker) + limit] if at >= 0 else ""
