"""A DNS server of our own on 127.0.0.1 for the local stack and the tests: nothing leaves the
machine when an address is re-checked.

It answers from one zone file (default rebound/data/dns-stub.zone, master-file format with
absolute names) as if authoritative for everything: a name in the file gets its records (a
CNAME is followed inside the file, as an authoritative server does), a name between the
file's names (an empty non-terminal such as `bench.example.net`) or a name without the asked
type gets an empty answer, a name matched by a wildcard (`*.bench.example.net`) gets the
wildcard's records, and every other name is NXDOMAIN.
Negative answers carry the root SOA so that resolvers see a negative TTL (RFC 2308).

Hooks for failures: `;@timeout NAME` and `;@servfail NAME` lines in the zone file, and
`simulate(name, Behaviour)` at run time, make a name and everything below it time out (no
answer at all) or answer SERVFAIL.

UDP and TCP on the same random port (TCP for answers that do not fit 512 octets). Run it alone
with `python -m rebound.dnsstub [--zone FILE] [--port N]`.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import socketserver
import sys
import threading
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.node
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

HOST = "127.0.0.1"
DEFAULT_ZONE_FILE = Path(__file__).resolve().parent / "data" / "dns-stub.zone"
_UDP_LIMIT = 512
_MAX_CNAMES = 8


class Behaviour(StrEnum):
    ANSWER = "answer"
    TIMEOUT = "timeout"
    SERVFAIL = "servfail"


class Zones:
    """The zone file's records, and the answer to one question."""

    def __init__(self, text: str) -> None:
        self.zone = dns.zone.from_text(
            text, origin=dns.name.root, relativize=False, check_origin=False
        )
        self.behaviours: dict[dns.name.Name, Behaviour] = {}
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] in {";@timeout", ";@servfail"}:
                self.behaviours[dns.name.from_text(parts[1])] = Behaviour(parts[0][2:])
        # Every ancestor of a name in the file exists (empty non-terminals answer NODATA).
        self.existing: set[dns.name.Name] = set()
        for name in self.zone.nodes:
            self.existing.update(_ancestors(name))
        soa = self.zone.get_rdataset(dns.name.root, dns.rdatatype.SOA)
        self.soa = None if soa is None else dns.rrset.from_rdata_list(dns.name.root, soa.ttl, soa)
        self.lock = threading.Lock()
        self.queries = 0

    @classmethod
    def from_file(cls, path: Path) -> Zones:
        return cls(path.read_text(encoding="utf-8"))

    def behaviour(self, name: dns.name.Name) -> Behaviour:
        with self.lock:
            self.queries += 1
            for ancestor in _ancestors(name):
                if ancestor in self.behaviours:
                    return self.behaviours[ancestor]
        return Behaviour.ANSWER

    def respond(self, query: dns.message.Message) -> dns.message.Message | None:
        """The response, or None for a question that must time out."""
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if len(query.question) != 1:
            response.set_rcode(dns.rcode.FORMERR)
            return response
        question = query.question[0]
        behaviour = self.behaviour(question.name)
        if behaviour is Behaviour.TIMEOUT:
            return None
        if behaviour is Behaviour.SERVFAIL:
            response.flags &= ~dns.flags.AA
            response.set_rcode(dns.rcode.SERVFAIL)
            return response
        name = question.name
        for _ in range(_MAX_CNAMES):
            node = self._node(name)
            if node is None:
                response.set_rcode(dns.rcode.NXDOMAIN)
                break
            found = node.get_rdataset(dns.rdataclass.IN, question.rdtype)
            if found is not None:
                response.answer.append(dns.rrset.from_rdata_list(name, found.ttl, list(found)))
                break
            alias = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
            if alias is None:
                break  # the name exists without this type: an empty answer
            # As an authoritative server does, follow the alias inside our data.
            response.answer.append(dns.rrset.from_rdata_list(name, alias.ttl, list(alias)))
            name = alias[0].target
        negative = not response.answer or response.answer[-1].rdtype != question.rdtype
        if negative and self.soa is not None:  # NXDOMAIN or no data: the SOA for its TTL
            response.authority.append(self.soa)
        return response

    def _node(self, name: dns.name.Name) -> Any:
        node = self.zone.get_node(name)
        if node is not None:
            return node
        if name in self.existing:
            return dns.node.Node()  # an empty non-terminal: exists, no records
        for ancestor in _ancestors(name)[1:]:
            if ancestor in self.existing:
                wildcard = self.zone.get_node(dns.name.Name((b"*", *ancestor.labels)))
                if wildcard is not None:
                    return wildcard
                return None  # RFC 4592: the closest encloser has no wildcard
        return None


def _ancestors(name: dns.name.Name) -> list[dns.name.Name]:
    """name, its parent, ... up to (not including) the root."""
    names = []
    while name != dns.name.root:
        names.append(name)
        name = name.parent()
    return names


class _Udp(socketserver.BaseRequestHandler):
    server: _UdpServer

    def handle(self) -> None:
        data, sock = self.request
        answer = _answer(self.server.zones, data, limit=_UDP_LIMIT)
        if answer is not None:
            sock.sendto(answer, self.client_address)


class _Tcp(socketserver.BaseRequestHandler):
    server: _TcpServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(5)
        with contextlib.suppress(OSError):
            while True:
                size = _read(sock, 2)
                if size is None:
                    return
                data = _read(sock, int.from_bytes(size, "big"))
                if data is None:
                    return
                answer = _answer(self.server.zones, data, limit=65535)
                if answer is not None:
                    sock.sendall(len(answer).to_bytes(2, "big") + answer)


def _read(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _answer(zones: Zones, data: bytes, limit: int) -> bytes | None:
    try:
        query = dns.message.from_wire(data)
    except Exception:  # hostile or broken packets are dropped, never crash the stub
        return None
    try:
        response = zones.respond(query)
    except Exception:  # a bug in the stub is a SERVFAIL to the client, as a server would say
        response = dns.message.make_response(query)
        response.set_rcode(dns.rcode.SERVFAIL)
    if response is None:
        return None
    try:
        wire: bytes = response.to_wire(max_size=limit)
    except dns.exception.TooBig:
        response.answer.clear()
        response.authority.clear()
        response.flags |= dns.flags.TC
        wire = response.to_wire()
    return wire


class _UdpServer(socketserver.ThreadingUDPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], zones: Zones) -> None:
        super().__init__(address, _Udp)
        self.zones = zones


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], zones: Zones) -> None:
        super().__init__(address, _Tcp)
        self.zones = zones


class DnsStub:
    """The running stub: `host`, `port` (UDP and TCP), `simulate()`, `stop()`."""

    def __init__(self, zones: Zones, host: str = HOST, port: int = 0) -> None:
        self.zones = zones
        self.host = host
        self._udp, self._tcp = _bind_pair(zones, host, port)
        self.port: int = self._udp.server_address[1]
        self._threads = [
            threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},  # stop() returns at once, not after 0.5 s
                name=f"dnsstub-{kind}",
                daemon=True,
            )
            for kind, server in (("udp", self._udp), ("tcp", self._tcp))
        ]

    @classmethod
    def start(cls, zone_file: Path = DEFAULT_ZONE_FILE, host: str = HOST, port: int = 0) -> DnsStub:
        stub = cls(Zones.from_file(zone_file), host, port)
        for thread in stub._threads:
            thread.start()
        return stub

    @property
    def queries(self) -> int:
        """Questions received so far (each try of a resolver counts)."""
        return self.zones.queries

    def simulate(self, name: str, behaviour: Behaviour) -> None:
        """Make `name` and the names below it time out, fail, or answer again (ANSWER)."""
        key = dns.name.from_text(name)
        with self.zones.lock:
            if behaviour is Behaviour.ANSWER:
                self.zones.behaviours.pop(key, None)
            else:
                self.zones.behaviours[key] = behaviour

    def stop(self) -> None:
        for server in (self._udp, self._tcp):
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> DnsStub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _bind_pair(zones: Zones, host: str, port: int) -> tuple[_UdpServer, _TcpServer]:
    """UDP on `port` (0: a free one), then TCP on the same number; retried when another
    program holds that TCP port."""
    for _ in range(20):
        udp = _UdpServer((host, port), zones)
        try:
            return udp, _TcpServer((host, udp.server_address[1]), zones)
        except OSError:
            udp.server_close()
            if port:
                raise
    raise OSError("no port free for both UDP and TCP")


@contextlib.contextmanager
def running(zone_file: Path = DEFAULT_ZONE_FILE, port: int = 0) -> Iterator[DnsStub]:
    stub = DnsStub.start(zone_file, port=port)
    try:
        yield stub
    finally:
        stub.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rebound.dnsstub", description=__doc__)
    parser.add_argument("--zone", type=Path, default=DEFAULT_ZONE_FILE, help="zone file")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    args = parser.parse_args(argv)
    with running(args.zone, args.port) as stub:
        print(f"DNS stub on {stub.host}:{stub.port} (UDP and TCP); Ctrl-C stops it", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
