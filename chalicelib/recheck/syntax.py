"""Mailbox syntax: is a string an address mail can be sent to, by RFC 5321 §4.1.2 (the SMTP
Mailbox) with RFC 5322 §3.2.3's atext; and the domain in the A-label form DNS is asked for.

Accepted: a dot-atom local part (`ann.lee+news`) or a quoted one (`"ann lee"`), an `@`, and
a domain name or an address literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`). Internationalised
domains (`anné@exämple.org`) are turned into A-labels with IDNA 2008 and UTS #46 (the `idna`
package); one that cannot be gives a plain problem, never an exception. Not accepted: display
names and angle brackets, comments, the obsolete forms of RFC 5322 §4, and non-ASCII local
parts (those need SMTPUTF8, RFC 6531).

Lengths: a local part of at most 64 octets (RFC 5321 §4.5.3.1.1), a domain of at most 253
and labels of at most 63, and a whole address of at most 254 (the 256-octet path of
§4.5.3.1.3 less its angle brackets; RFC 3696 erratum 1690).

Pure: standard library and `idna` only; never raises on input.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

import idna

MAX_LOCAL = 64
MAX_ADDRESS = 254
MAX_DOMAIN = 253
MAX_LABEL = 63
# UTS 46 drops ignorable code points, so a written address may be longer than its A-label
# form, but no real one is four times longer. The bound keeps regex and IDNA work on hostile
# input small.
_MAX_INPUT = 4 * MAX_ADDRESS

_ATEXT = r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]"
_DOT_ATOM = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
# RFC 5321 Quoted-string: qtextSMTP (%d32-33 / %d35-91 / %d93-126) or a quoted-pairSMTP.
_QUOTED = re.compile(r'"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"')
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")


@dataclass(frozen=True, slots=True)
class Mailbox:
    """An address that passed: its parts, and the domain as DNS is asked for it."""

    local: str
    domain: str  # A-labels, lowercase; for a literal, the bracketed literal as written
    unicode_domain: str | None = None  # the domain as written, when it was internationalised
    literal: bool = False

    @property
    def address(self) -> str:
        return f"{self.local}@{self.domain}"


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """Why a string is not a mailbox, in words a person can act on."""

    problem: str


def parse_mailbox(text: str) -> Mailbox | SyntaxProblem:  # noqa: C901, PLR0911 - one return per RFC 5321/5322 rule broken
    address = text.strip()
    if not address:
        return SyntaxProblem("the address is empty")
    if len(address) > _MAX_INPUT:  # before any regex or IDNA work on hostile input
        return SyntaxProblem(f"the address is longer than {MAX_ADDRESS} characters")
    if "<" in address or ">" in address:
        return SyntaxProblem("it has a name or angle brackets around it; give the bare address")
    local, at, domain = address.rpartition("@")
    if not at:
        return SyntaxProblem("there is no @ in the address")
    if not local:
        return SyntaxProblem("there is nothing before the @")
    if not domain:
        return SyntaxProblem("there is nothing after the @")
    problem = _local_problem(local)
    if problem:
        return SyntaxProblem(problem)
    if domain.startswith("["):
        return _literal(local, domain)
    parsed = _domain(domain)
    if isinstance(parsed, SyntaxProblem):
        return parsed
    ascii_domain, unicode_domain = parsed
    if len(local.encode()) + 1 + len(ascii_domain) > MAX_ADDRESS:
        return SyntaxProblem(f"the address is longer than {MAX_ADDRESS} characters")
    return Mailbox(local, ascii_domain, unicode_domain)


def _local_problem(local: str) -> str:  # noqa: PLR0911 - one return per RFC 5321/5322 rule broken
    if not local.isascii():
        return (
            "the part before the @ has characters outside ASCII, which needs SMTPUTF8 "
            "(RFC 6531) at every server on the way"
        )
    if len(local) > MAX_LOCAL:
        return f"the part before the @ is longer than {MAX_LOCAL} characters"
    if local.startswith('"'):
        if _QUOTED.fullmatch(local):
            return ""
        return "the quoted part before the @ is not closed or has a character it may not have"
    if _DOT_ATOM.fullmatch(local):
        return ""
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return "the part before the @ starts or ends with a dot, or has two dots in a row"
    return "the part before the @ has a space or a character that needs quoting"


def _literal(local: str, domain: str) -> Mailbox | SyntaxProblem:
    if not domain.endswith("]"):
        return SyntaxProblem("the address literal after the @ is not closed with ]")
    inner = domain[1:-1]
    try:
        if inner[:5].lower() == "ipv6:":
            ipaddress.IPv6Address(inner[5:])
        else:
            ipaddress.IPv4Address(inner)
    except ValueError:
        return SyntaxProblem("the address literal after the @ is not an IPv4 or IPv6 address")
    return Mailbox(local, domain, literal=True)


def _domain(domain: str) -> tuple[str, str | None] | SyntaxProblem:
    unicode_domain: str | None = None
    if domain.isascii():
        ascii_domain = domain.lower()
    else:
        try:
            ascii_domain = idna.encode(domain, uts46=True, transitional=False).decode("ascii")
        except (idna.IDNAError, UnicodeError) as error:
            return SyntaxProblem(
                f"the domain {_shorten(repr(domain))} is not a valid internationalised domain"
                f" name ({_shorten(str(error))})"
            )
        unicode_domain = domain
    problem = _ascii_domain_problem(ascii_domain)
    if problem:
        return SyntaxProblem(problem)
    return ascii_domain, unicode_domain


def _ascii_domain_problem(domain: str) -> str:  # noqa: PLR0911 - one return per RFC 5321/5322 rule broken
    if len(domain) > MAX_DOMAIN:
        return f"the domain is longer than {MAX_DOMAIN} characters"
    labels = domain.split(".")
    if len(labels) < 2:
        return "the domain has no dot: mail on the internet needs a full domain name"
    for label in labels:
        if not label:
            return "the domain starts or ends with a dot, or has two dots in a row"
        if len(label) > MAX_LABEL:
            return f"a part of the domain is longer than {MAX_LABEL} characters"
        if not _LABEL.fullmatch(label):
            return f"the domain part {label!r} may only have letters, digits and inner hyphens"
        if label.startswith("xn--"):
            try:
                idna.decode(label)
            except (idna.IDNAError, UnicodeError):
                return f"the domain part {label!r} is not a valid internationalised label"
    if labels[-1].isdigit():
        return "the domain ends in a number: an IP address must be written as [192.0.2.1]"
    return ""


def _shorten(text: str, limit: int = 80) -> str:
    """Hostile input is quoted back, but never at length."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
