"""MailDomainResolver over dnspython: what DNS says about a mail domain (the only dnspython
importer in chalicelib).

Per domain: the MX records; a single MX "." of preference 0 is a null MX (RFC 7505: the domain
accepts no mail); with no MX at all, the domain's own A/AAAA are the implicit MX (RFC 5321
§5.1); no MX, A or AAAA is a name with no mail host. NXDOMAIN means the domain does not exist.
A timeout, SERVFAIL or any other failure is an inconclusive answer (unknown, never invalid).

TTLs: the smallest TTL of the records used; for NXDOMAIN and empty answers the negative TTL of
the zone's SOA (RFC 2308 §5), or NEGATIVE_TTL when the answer carries none.

Domains of one batch are looked up concurrently (`workers` threads: lookups wait on the
network, not the CPU). The resolver's own cache is off: CachingResolver decides what is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import dns.exception
import dns.message
import dns.name
import dns.rdatatype
import dns.resolver
from dns.rdtypes.ANY.MX import MX
from dns.rdtypes.ANY.SOA import SOA

from chalicelib.recheck.model import DomainAnswer, DomainStatus, MailExchanger

NEGATIVE_TTL = 300
DEFAULT_TIMEOUT = 3.0
DEFAULT_WORKERS = 16


class _Inconclusive(Exception):
    def __init__(self, status: DomainStatus, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class _NoSuchDomain:
    """NXDOMAIN, with the negative TTL its answer carried."""

    def __init__(self, ttl: int) -> None:
        self.ttl = ttl


class DnsPythonResolver:
    def __init__(
        self,
        nameservers: Sequence[str] | None = None,
        port: int = 53,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        workers: int = DEFAULT_WORKERS,
    ) -> None:
        """`nameservers` None: the system's (resolv.conf; in Lambda, the VPC resolver)."""
        resolver = dns.resolver.Resolver(configure=nameservers is None)
        if nameservers is not None:
            resolver.nameservers = list(nameservers)
            resolver.port = port
        resolver.cache = None
        resolver.timeout = timeout  # per try
        resolver.lifetime = timeout  # per question, retries included
        self._resolver = resolver
        self._workers = workers

    def lookup(self, domains: Sequence[str]) -> Mapping[str, DomainAnswer]:
        unique = list(dict.fromkeys(domains))
        if len(unique) <= 1 or self._workers <= 1:
            return {d: self.lookup_one(d) for d in unique}
        with ThreadPoolExecutor(max_workers=min(self._workers, len(unique))) as pool:
            return dict(zip(unique, pool.map(self.lookup_one, unique), strict=True))

    def lookup_one(self, domain: str) -> DomainAnswer:
        try:
            return self._mail_hosts(domain)
        except _Inconclusive as failure:
            return DomainAnswer(domain, failure.status, detail=failure.detail)
        except dns.exception.DNSException as error:  # a name DNS cannot ask (too long, ...)
            return DomainAnswer(domain, DomainStatus.ERROR, detail=str(error))

    def _mail_hosts(self, domain: str) -> DomainAnswer:
        name = dns.name.from_text(domain)
        mx = self._ask(name, dns.rdatatype.MX)
        if isinstance(mx, _NoSuchDomain):
            return DomainAnswer(domain, DomainStatus.NXDOMAIN, ttl=mx.ttl)
        records: list[MX] = [r for r in mx.rrset or () if isinstance(r, MX)]
        if records:
            ttl = _ttl(mx)
            only = records[0]
            if len(records) == 1 and only.preference == 0 and only.exchange == dns.name.root:
                return DomainAnswer(domain, DomainStatus.NULL_MX, ttl=ttl)
            # A "." beside real MX records breaks RFC 7505 §3; the real ones are used.
            exchangers = tuple(
                MailExchanger(r.preference, r.exchange.to_text(omit_final_dot=True))
                for r in records
                if r.exchange != dns.name.root
            )
            return DomainAnswer(domain, DomainStatus.MX, mx=exchangers, ttl=ttl)
        addresses: list[str] = []
        ttls = [_ttl(mx)]
        for rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            answer = self._ask(name, rdtype)
            if isinstance(answer, _NoSuchDomain):  # vanished between the questions
                return DomainAnswer(domain, DomainStatus.NXDOMAIN, ttl=answer.ttl)
            ttls.append(_ttl(answer))
            addresses += [r.to_text() for r in answer.rrset or ()]
        if addresses:
            return DomainAnswer(
                domain, DomainStatus.ADDRESS_FALLBACK, addresses=tuple(addresses), ttl=min(ttls)
            )
        return DomainAnswer(domain, DomainStatus.NO_MAIL_HOST, ttl=min(ttls))

    def _ask(
        self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType
    ) -> dns.resolver.Answer | _NoSuchDomain:
        """The answer (maybe empty) or NXDOMAIN; raises _Inconclusive for failures."""
        try:
            return self._resolver.resolve(name, rdtype, raise_on_no_answer=False, search=False)
        except dns.resolver.NXDOMAIN as error:
            responses = error.kwargs.get("responses") or {}
            for response in responses.values():
                if isinstance(response, dns.message.Message):
                    return _NoSuchDomain(_negative_ttl(response))
            return _NoSuchDomain(NEGATIVE_TTL)
        except dns.exception.Timeout as error:
            raise _Inconclusive(DomainStatus.TIMEOUT, str(error)) from None
        except dns.resolver.NoNameservers as error:
            status = DomainStatus.SERVFAIL if "SERVFAIL" in str(error) else DomainStatus.ERROR
            raise _Inconclusive(status, str(error)) from None
        except dns.exception.DNSException as error:
            raise _Inconclusive(DomainStatus.ERROR, str(error)) from None


def _ttl(answer: dns.resolver.Answer) -> int:
    """Seconds the answer may be kept: its records' TTL, or for an empty answer the SOA's
    negative TTL (RFC 2308 §5: the smaller of the SOA's TTL and its MINIMUM)."""
    if answer.rrset is not None:
        return int(answer.rrset.ttl)
    return _negative_ttl(answer.response)


def _negative_ttl(response: dns.message.Message) -> int:
    for rrset in response.authority:
        for record in rrset:
            if isinstance(record, SOA):
                return int(min(rrset.ttl, record.minimum))
    return NEGATIVE_TTL
