"""RecheckService: re-check up to 1,000 addresses in one call, DNS batched per domain.

Each address is parsed (syntax.py); the distinct domains of those that parse go to the resolver
in one batch (so 1,000 addresses at one domain cost one lookup); lists and typos are looked up
once per domain; a hosted verifier, when configured, is asked once for the addresses DNS found
deliverable; verdicts.py gives each its verdict and words. The answer keeps the order and the
spelling of the addresses asked.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from chalicelib.errors import BadRequest
from chalicelib.recheck.lists import is_disposable, is_role
from chalicelib.recheck.model import (
    MAX_ADDRESSES,
    DomainAnswer,
    HostedAnswer,
    RecheckReport,
    RecheckResult,
    Verdict,
)
from chalicelib.recheck.ports import HostedVerifier, HostedVerifierError, MailDomainResolver
from chalicelib.recheck.syntax import Mailbox, SyntaxProblem, parse_mailbox
from chalicelib.recheck.typos import likely_typo
from chalicelib.recheck.verdicts import judge, judge_syntax_problem

log = logging.getLogger(__name__)


class TooManyAddresses(BadRequest):
    """More than MAX_ADDRESSES in one call (or none at all): the route's 400."""


class RecheckService:
    def __init__(self, resolver: MailDomainResolver, hosted: HostedVerifier | None = None) -> None:
        self._resolver = resolver
        self._hosted = hosted

    def check(self, addresses: Sequence[str]) -> RecheckReport:
        if not addresses:
            raise TooManyAddresses("give at least one address")
        if len(addresses) > MAX_ADDRESSES:
            raise TooManyAddresses(
                f"{len(addresses)} addresses in one re-check; at most {MAX_ADDRESSES}"
            )
        parsed = [parse_mailbox(address) for address in addresses]
        domains = sorted({p.domain for p in parsed if isinstance(p, Mailbox) and not p.literal})
        answers = self._resolver.lookup(domains) if domains else {}
        per_domain = {d: (is_disposable(d), likely_typo(d)) for d in domains}
        hosted = self._hosted_answers(parsed, answers)
        results: list[RecheckResult] = []
        for address, mailbox in zip(addresses, parsed, strict=True):
            if isinstance(mailbox, SyntaxProblem):
                results.append(judge_syntax_problem(address, mailbox))
                continue
            disposable, typo_of = per_domain.get(mailbox.domain, (False, None))
            results.append(
                judge(
                    address,
                    mailbox,
                    None if mailbox.literal else answers[mailbox.domain],
                    disposable=disposable,
                    role=is_role(mailbox.local),
                    typo_of=typo_of,
                    hosted=hosted.get(mailbox.address),
                )
            )
        return RecheckReport(tuple(results))

    def _hosted_answers(
        self,
        parsed: Sequence[Mailbox | SyntaxProblem],
        answers: Mapping[str, DomainAnswer],
    ) -> Mapping[str, HostedAnswer]:
        if self._hosted is None:
            return {}
        deliverable = [
            p.address
            for p in parsed
            if isinstance(p, Mailbox) and not p.literal and answers[p.domain].status.accepts_mail
        ]
        if not deliverable:
            return {}
        try:
            return self._hosted.verify(list(dict.fromkeys(deliverable)))
        except HostedVerifierError as error:
            log.warning("hosted verification failed, DNS alone decides: %s", error)
            return {}


def verdict_counts(report: RecheckReport) -> dict[Verdict, int]:
    counts = dict.fromkeys(Verdict, 0)
    for result in report.results:
        counts[result.verdict] += 1
    return counts
