"""The fallback detector: failed recipients in free text when no MTA module claimed the mail.

Quirks it covers, common to many small MTAs: an address at the start of a line followed by the
error (`<user@host>: 550 ...`, `user@host ... User unknown`), an address inside an SMTP error
line (`550 5.1.1 <user@host>: Recipient address rejected`), and an address under a heading like
"The following addresses had permanent fatal errors". Addresses only count when the text around
them reads like a failure, which keeps signatures and quoted headers out.
"""

from __future__ import annotations

import re

from chalicelib.classification.matcher import Matcher
from chalicelib.parsing import addresses
from chalicelib.parsing.context import Context, finding_from_text, is_header_line
from chalicelib.parsing.findings import Finding

NAME = "generic"

# Tested on every address line: a Matcher (the plain words with `in`, only the code patterns
# as a regex), where one alternation of sixty words scanned each text sixty times. The reply
# and status codes are one pattern that starts with the class digit ("\b" written as a check
# after it, as findings.STATUS does): the regex engine then skips every position without a 4 or
# a 5.
ERRORISH = Matcher(
    (
        r"[45](?<!\w[45])(?:\d\d|\.\d{1,3}\.\d{1,3})\b|unknown|not exist|n't exist|no such|reject"
        r"|refused|denied|fail|undeliver|could not|couldn't|unable|invalid|full|quota"
        r"|disabled|blocked|error|not found|expired|timed out|unavailable|does not|permanent"
        r"|problem|not deliver|no longer|not accept|inactive|suspend|over ?quota|exceed"
        r"|not allowed|prohibited|spam|unrout|bad (?:address|destination|recipient)|said:"
        r"|said\)|policy|deferred|delay|retry|cannot|can't|doesn't|not valid|non-?existent"
        r"|reason:|giving up|rcpt to|not listed|did not (?:exactly )?match",
    )
)
# Every alternative starts with a letter, none with a group: the regex engine then skips the
# positions whose character starts no alternative instead of trying each one there.
_HEADING = re.compile(
    r"following (?:recipients?|addresses|address|user)|these (?:recipients?|addresses|address"
    r"|user)|this (?:recipients?|addresses|address|user)|recipients? (?:failed|could not)"
    r"|could not be delivered to|undeliverable to|failed recipient|delivery to the"
    r"|permanent fatal|fatal errors|could not reach|not be reached|unknown user|failed to deliver",
)
# Addresses right after these words are senders or aliases, not failed recipients. (The
# lookahead, the words' first letters, rejects most positions before the case-blind
# alternatives are tried one by one.)
# A help desk named after "contact" (and up to four words: "contact your email admin (...)").
_CONTACT_WORDS = r"contact(?: \w+){0,4}:?|send mail to|write to|questions to"
_NOT_RECIPIENT_BEFORE = re.compile(
    r"(?=[bcefgimqrsw])(?:mail from:?|from:|generated from|expanded from|forwarded from|sender"
    rf"|\bid|return-path:?|by|{_CONTACT_WORDS}"
    r"|form of (?:e-?mail )?address.{0,20} is|e\.g\.,?|for example,?|such as)\s*[<(]?\s*$",
    re.IGNORECASE,
)
_CONTACT_BEFORE = re.compile(rf"(?:{_CONTACT_WORDS})\s*[<(]?\s*$", re.I)
# Between two failed recipients on one line only list punctuation stands ("a@x, b@y: ...");
# any other words make the later address part of the earlier one's diagnostic (an alias it was
# forwarded from, an alternate contact).
_LIST_SEPARATOR = re.compile(r"[\s,;<>]*(?:and\s*)?<?\s*")
_LEADING = re.compile(r"^[\s>*\-\"'(]*<?([^\s<>\"'()]+@[^\s<>\"'(),:;]+)>?")
MAX_RECIPIENTS = 200
MAX_LINE_CHARS = 2_000
MAX_TRIES = 20


def _diagnostic_after(body: str, pos: int, rest: str) -> str:
    """`rest` of the address's line and up to six following lines, to the next blank line or
    the next line that starts with an address; blank lines right after a bare address line are
    skipped (the reason is often one paragraph down)."""
    parts = [rest]
    taken = 0
    length = len(body)
    skip_blank = not rest.strip(" :.<>-")
    while pos < length and taken < 6:
        end = body.find("\n", pos)
        if end < 0:
            end = length
        line = body[pos:end]
        pos = end + 1
        if not line.strip():
            if taken == 0 and skip_blank:
                continue
            break
        lead = _LEADING.match(line)
        if lead and addresses.normalise(lead.group(1)):
            break
        parts.append(line.strip())
        taken += 1
    return " ".join(p for p in parts if p)


def _previous_line(body: str, line_start: int) -> str:
    """The nearest non-blank line before the one starting at `line_start` ("" at the top)."""
    end = line_start - 1
    for _ in range(50):
        if end <= 0:
            return ""
        start = body.rfind("\n", 0, end) + 1
        line = body[start:end]
        if line.strip():
            return line
        end = start - 1
    return ""


def scan(body: str, exclude: frozenset[str] = frozenset()) -> list[Finding]:  # noqa: C901, PLR0912, PLR0915 - a single-pass line scanner (speed)
    """Addresses with failure words around them, in order of appearance.

    Walks only the lines that contain an "@" (found with `str.find`), so a long report costs
    little more than a short one."""
    found: dict[str, Finding | None] = dict.fromkeys(exclude)
    heading_start = -1  # where a "the following addresses failed" heading starts, when needed
    explained: dict[str, int] = {}  # the line each address was last re-read on
    tries: dict[str, int] = {}  # how often each address was judged (bounded for hostile text)
    length = len(body)
    at = body.find("@")
    while at >= 0 and len(found) < MAX_RECIPIENTS + len(exclude):
        line_start = body.rfind("\n", 0, at) + 1
        line_end = body.find("\n", at)
        if line_end < 0:
            line_end = length
        at = body.find("@", line_end)
        # Bounded: a hostile kilometre-long line of addresses must cost no more than a short one.
        line = body[line_start : min(line_end, line_start + MAX_LINE_CHARS)]
        if is_header_line(line):
            continue
        previous: str | None = None
        judged: set[str] = set()  # each address once per line
        recipient_end = -1  # where the last failed recipient named on this line ends
        for match in addresses.ADDRESS.finditer(line):
            address = addresses.matched(match)
            if address is None or address in judged or not addresses.is_candidate(address):
                continue
            judged.add(address)
            if (
                recipient_end >= 0
                and address not in found
                and _LIST_SEPARATOR.fullmatch(line, recipient_end, match.start()) is None
            ):
                continue  # inside the diagnostic of the recipient before it
            if found.get(address) is not None:
                recipient_end = match.end()
            tries[address] = tries.get(address, 0) + 1
            if tries[address] > MAX_TRIES:
                continue
            if address in found:
                earlier = found[address]
                if (
                    earlier is not None
                    and not (earlier.reply_code or earlier.status)
                    and line_start != explained.get(address)
                ):
                    explained[address] = line_start
                    # Listed first, explained later (a transcript line with the reply).
                    later = finding_from_text(address, line)
                    if later.reply_code or later.status:
                        found[address] = later
                continue
            before_address = line[max(0, match.start() - 40) : match.start()]
            # Those words need a word before the address (most addresses start their line).
            if before_address.strip(" \t<") and _NOT_RECIPIENT_BEFORE.search(before_address):
                if _CONTACT_BEFORE.search(before_address):
                    found[address] = None  # a help-desk address, wherever it appears again
                continue
            leading = _LEADING.match(line)
            # The same text as the match normalises to the same address (`matched`): no search.
            starts_line = leading is not None and (
                leading[1] == match[1] or addresses.normalise(leading[1]) == address
            )
            rest = line[match.end() :].lstrip(">").strip()
            before = line[: match.start()]
            diag = _diagnostic_after(body, line_end + 1, rest)
            context = before + " " + diag
            errorish = ERRORISH.search(context.lower())
            if not errorish and starts_line and heading_start < 0:
                # Searched once, and only when the words around the address do not decide.
                heading = _HEADING.search(body.lower())
                heading_start = body.rfind("\n", 0, heading.start()) + 1 if heading else length + 1
            if errorish or (starts_line and line_start >= heading_start):
                # Only letters and digits make a failure word or code: most addresses start their
                # line, and the words before them are searched only when there are some.
                words_before = before.strip(" <-*")
                full = (
                    (words_before + " " + diag)
                    if words_before and ERRORISH.search(before.lower())
                    else diag
                )
                found[address] = finding_from_text(address, full)
                recipient_end = match.end()
                continue
            if not starts_line:
                continue
            if previous is None:
                previous = _previous_line(body, line_start)
            if ERRORISH.search(previous.lower()) and "@" not in previous:
                # The error first, then the address (KDDI/au, Lotus Notes).
                found[address] = finding_from_text(address, previous + " " + diag)
                recipient_end = match.end()
    return [f for f in found.values() if f is not None]


def detect(ctx: Context) -> list[Finding] | None:
    return scan(ctx.body, ctx.senders)
