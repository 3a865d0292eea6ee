"""From the checks to a verdict and a plain explanation: the one place the rules and the words
live (like classification/explanations.py does for bounces).

Order of the rules: bad syntax, a domain that does not exist or accepts no mail (invalid,
certain) before a DNS failure (unknown: never invalid), before what makes a deliverable address
risky (disposable, role, likely typo, address literal), before valid. A hosted verification
service, when one is configured, can only turn a valid or risky address invalid or risky; it
never makes DNS's "no" a "yes".
"""

from __future__ import annotations

from chalicelib.recheck.model import (
    Checks,
    DomainAnswer,
    DomainStatus,
    HostedAnswer,
    HostedStatus,
    RecheckResult,
    Verdict,
)
from chalicelib.recheck.syntax import Mailbox, SyntaxProblem

_FIX = "Check it for typos or ask the member for a current address."
_AGAIN = "Nothing to do yet: re-check it later."

DNS_EXPLANATIONS: dict[DomainStatus, str] = {
    DomainStatus.MX: "The domain exists and names its mail servers (MX).",
    DomainStatus.ADDRESS_FALLBACK: (
        "The domain has no mail server record (MX) but has an address, which mail servers "
        "use instead (RFC 5321)."
    ),
    DomainStatus.NULL_MX: (
        f"The domain says it accepts no email at all (a null MX record, RFC 7505). {_FIX}"
    ),
    DomainStatus.NO_MAIL_HOST: (
        f"The domain exists but has no mail server and no address to deliver to. {_FIX}"
    ),
    DomainStatus.NXDOMAIN: f"The domain of this address does not exist. {_FIX}",
    DomainStatus.TIMEOUT: f"The domain's name servers did not answer in time. {_AGAIN}",
    DomainStatus.SERVFAIL: f"The domain's name servers failed to answer. {_AGAIN}",
    DomainStatus.ERROR: f"The domain's name servers gave an answer we could not use. {_AGAIN}",
}


def judge_syntax_problem(address: str, problem: SyntaxProblem) -> RecheckResult:
    checks = Checks(syntax=False, syntax_problem=problem.problem)
    text = f"This is not a valid email address: {problem.problem}. {_FIX}"
    return RecheckResult(address, Verdict.INVALID, text, None, checks)


def judge(
    address: str,
    mailbox: Mailbox,
    answer: DomainAnswer | None,
    *,
    disposable: bool,
    role: bool,
    typo_of: str | None,
    hosted: HostedAnswer | None = None,
) -> RecheckResult:
    """The verdict for a syntactically valid address. `answer` is None for address literals
    (no DNS to ask)."""
    suggestion = f"{mailbox.local}@{typo_of}" if typo_of else None
    checks = Checks(
        syntax=True,
        domain=mailbox.domain,
        unicode_domain=mailbox.unicode_domain,
        dns=None if answer is None else answer.status,
        mx=() if answer is None else tuple(answer.mx_hosts()),
        fallback_addresses=() if answer is None else answer.addresses,
        disposable=disposable,
        role=role,
        typo_of=typo_of,
        hosted=hosted,
    )
    typo_text = f"Did you mean {suggestion}? " if suggestion else ""
    if answer is None:
        text = (
            "The address names a server by its IP address instead of a domain; mail to it "
            "rarely arrives. Ask the member for an address at a domain."
        )
        return RecheckResult(address, Verdict.RISKY, text, suggestion, checks)
    dns_text = DNS_EXPLANATIONS[answer.status]
    if answer.status.rejects_mail:
        return RecheckResult(address, Verdict.INVALID, typo_text + dns_text, suggestion, checks)
    if answer.status.inconclusive:
        return RecheckResult(address, Verdict.UNKNOWN, typo_text + dns_text, suggestion, checks)
    risks = _risks(disposable=disposable, role=role, typo_of=typo_of)
    if hosted is not None and hosted.status is HostedStatus.UNDELIVERABLE:
        why = f" ({hosted.reason})" if hosted.reason else ""
        text = f"The verification service says this mailbox does not exist{why}. {_FIX}"
        return RecheckResult(address, Verdict.INVALID, typo_text + text, suggestion, checks)
    if hosted is not None and hosted.status is HostedStatus.RISKY:
        why = f" ({hosted.reason})" if hosted.reason else ""
        risks.append(f"The verification service rates it risky{why}.")
    if risks:
        text = " ".join([dns_text, *risks])
        return RecheckResult(address, Verdict.RISKY, text, suggestion, checks)
    return RecheckResult(
        address, Verdict.VALID, f"{dns_text} Mail to this address can be delivered.", None, checks
    )


def _risks(*, disposable: bool, role: bool, typo_of: str | None) -> list[str]:
    risks = []
    if typo_of:
        risks.append(
            f"But the domain looks like a typo of {typo_of}; such look-alike domains often "
            "take mail that never reaches the member. Ask the member to confirm the address."
        )
    if disposable:
        risks.append(
            "It is a disposable (throw-away) address service: mail may reach nobody after a "
            "few hours. Ask the member for a lasting address."
        )
    if role:
        risks.append(
            "It is a role address (such as info@ or office@) read by a team or nobody, not a "
            "person. Prefer a member's own address."
        )
    return risks
