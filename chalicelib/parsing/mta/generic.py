"""The fallback detector: failed recipients in free text when no MTA module claimed the mail.

Quirks it covers, common to many small MTAs: an address at the start of a line followed by the
error (`<user@host>: 550 ...`, `user@host ... User unknown`), an address inside an SMTP error
line (`550 5.1.1 <user@host>: Recipient address rejected`), and an address under a heading like
"The following addresses had permanent fatal errors". Addresses only count when the text around
them reads like a failure, which keeps signatures and quoted headers out.
"""

from __future__ import annotations

import re

from chalicelib.parsing import addresses
from chalicelib.parsing.context import Context, finding_from_text, is_header_line
from chalicelib.parsing.findings import Finding

NAME = "generic"

ERRORISH = re.compile(
    r"\b[45]\d\d\b|\b[45]\.\d{1,3}\.\d{1,3}\b|unknown|not exist|n't exist|no such|reject|refused"
    r"|denied|fail|undeliver|could not|couldn't|unable|invalid|full|quota|disabled|blocked"
    r"|error|not found|expired|timed out|unavailable|does not|permanent|problem|not deliver"
    r"|no longer|not accept|inactive|suspend|over ?quota|exceed|not allowed|prohibited|spam"
    r"|unrout|bad (?:address|destination|recipient)|said:|said\)|policy|deferred|delay|retry"
    r"|cannot|can't|doesn't|not valid|non-?existent|reason:|giving up|rcpt to|not listed",
)
_HEADING = re.compile(
    r"(?:following|these|this) (?:recipients?|addresses|address|user)|recipients? (?:failed|"
    r"could not)|could not be delivered to|undeliverable to|failed recipient|delivery to the"
    r"|permanent fatal|fatal errors|could not reach|not be reached|unknown user|failed to deliver",
)
# Addresses right after these words are senders or aliases, not failed recipients.
_NOT_RECIPIENT_BEFORE = re.compile(
    r"(?:mail from:?|from:|generated from|expanded from|sender|\bid|return-path:?|by"
    r"|contact|send mail to|write to|questions to)\s*<?\s*$",
    re.IGNORECASE,
)
_CONTACT_BEFORE = re.compile(r"(?:contact|send mail to|write to|questions to)\s*<?\s*$", re.I)
_LEADING = re.compile(r"^[\s>*\-\"'(]*<?([^\s<>\"'()]+@[^\s<>\"'(),:;]+)>?")
MAX_RECIPIENTS = 200


def _diagnostic_after(lines: list[str], i: int, rest: str) -> str:
    parts = [rest]
    taken = 0
    j = i + 1
    while j < len(lines) and taken < 6:
        line = lines[j]
        if not line.strip():
            if taken == 0 and not rest.strip(" :.<>-"):
                j += 1
                continue
            break
        lead = _LEADING.match(line)
        if lead and addresses.normalise(lead.group(1)):
            break
        parts.append(line.strip())
        taken += 1
        j += 1
    return " ".join(p for p in parts if p)


def scan(body: str, exclude: frozenset[str] = frozenset()) -> list[Finding]:
    """Addresses with failure words around them, in order of appearance."""
    lines = body.split("\n")
    found: dict[str, Finding | None] = dict.fromkeys(exclude)
    heading = _HEADING.search(body.lower())
    heading_line = body.count("\n", 0, heading.start()) if heading else len(lines)
    previous = ""
    for i, line in enumerate(lines[:3000]):
        if not line.strip():
            continue
        if "@" not in line or is_header_line(line):
            previous = line
            continue
        for match in addresses.ADDRESS.finditer(line):
            address = addresses.normalise(match.group(1))
            if address is None or not addresses.is_candidate(address):
                continue
            if address in found:
                earlier = found[address]
                if earlier is not None and not (earlier.reply_code or earlier.status):
                    # Listed first, explained later (a transcript line with the reply).
                    later = finding_from_text(address, line)
                    if later.reply_code or later.status:
                        found[address] = later
                continue
            before_address = line[max(0, match.start() - 40) : match.start()]
            if _NOT_RECIPIENT_BEFORE.search(before_address):
                if _CONTACT_BEFORE.search(before_address):
                    found[address] = None  # a help-desk address, wherever it appears again
                continue
            leading = _LEADING.match(line)
            starts_line = leading is not None and addresses.normalise(leading.group(1)) == address
            rest = line[match.end() :].lstrip(">").strip()
            before = line[: match.start()]
            diag = _diagnostic_after(lines, i, rest)
            context = before + " " + diag
            if ERRORISH.search(context.lower()) or (starts_line and i >= heading_line):
                full = (
                    (before.strip(" <-*") + " " + diag) if ERRORISH.search(before.lower()) else diag
                )
                found[address] = finding_from_text(address, full)
            elif starts_line and ERRORISH.search(previous.lower()) and "@" not in previous:
                # The error first, then the address (KDDI/au, Lotus Notes).
                found[address] = finding_from_text(address, previous + " " + diag)
            if len(found) >= MAX_RECIPIENTS:
                break
        previous = line
    return [f for f in found.values() if f is not None]


def detect(ctx: Context) -> list[Finding] | None:
    return scan(ctx.body, ctx.senders)
