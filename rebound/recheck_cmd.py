"""`rebound recheck ADDRESS... --tenant T`: re-check addresses by DNS and print the answer.

Prints the re-check contract, `{"results": [{"address", "verdict", "explanation", "suggestion",
"checks": {...}}]}`, as one JSON document. For now it calls RecheckService in this process
(the API route comes with the API's refactoring); the DNS it asks is, in this order, `--dns
HOST:PORT`, the running local stack's stub (`dns_port` in .rebound/local.json), or with
`--dns system` the system's resolver. Without either it refuses rather than ask the internet
by surprise. Addresses come from the arguments, or one a line from standard input with `-`.

A hosted verification service is asked only with `--hosted URL` (its key in the environment
variable REBOUND_HOSTED_VERIFIER_KEY; the shape is in chalicelib/net/hosted.py). Off by default.

Exit status: 0 when every address was re-checked (whatever the verdicts), 2 for bad usage
(no address, more than 1,000, no DNS to ask).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rebound.local.state import running_stack, state_file_path

LOCAL_HOST = "127.0.0.1"
HOSTED_KEY_VARIABLE = "REBOUND_HOSTED_VERIFIER_KEY"


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("addresses", nargs="+", metavar="ADDRESS", help="addresses; - reads stdin")
    parser.add_argument("--tenant", required=True, help="the tenant asking (for the audit trail)")
    parser.add_argument(
        "--dns",
        help="HOST:PORT of the DNS server to ask, or 'system' (default: the local stack's stub)",
    )
    parser.add_argument(
        "--timeout", type=float, default=3.0, help="seconds per DNS question (default 3)"
    )
    parser.add_argument("--state-file", help="the local stack's local.json (default .rebound/)")
    parser.add_argument(
        "--hosted",
        metavar="URL",
        help=f"also ask this hosted verification service (key in {HOSTED_KEY_VARIABLE})",
    )


def run(args: argparse.Namespace, name: str) -> int:
    from chalicelib.tenancy.ids import is_tenant_id

    if not is_tenant_id(args.tenant):
        print(f"rebound recheck: {args.tenant!r} is not a tenant id", file=sys.stderr)
        return 2
    addresses = _addresses(args.addresses)
    try:
        nameservers, port = _dns(args.dns, state_file_path(args.state_file))
    except ValueError as error:
        print(f"rebound recheck: {error}", file=sys.stderr)
        return 2

    from chalicelib.net.hosted import HttpJsonVerifier
    from chalicelib.net.resolver import DnsPythonResolver
    from chalicelib.recheck.cache import CachingResolver
    from chalicelib.recheck.service import RecheckService, TooManyAddresses

    hosted = None
    if args.hosted:
        key = os.environ.get(HOSTED_KEY_VARIABLE, "")
        if not key:
            print(f"rebound recheck: --hosted needs {HOSTED_KEY_VARIABLE}", file=sys.stderr)
            return 2
        try:
            hosted = HttpJsonVerifier(args.hosted, key)
        except ValueError as error:
            print(f"rebound recheck: --hosted: {error}", file=sys.stderr)
            return 2
    resolver = DnsPythonResolver(nameservers, port, timeout=args.timeout)
    service = RecheckService(CachingResolver(resolver), hosted)
    try:
        report = service.check(addresses)
    except TooManyAddresses as error:
        print(f"rebound recheck: {error}", file=sys.stderr)
        return 2
    json.dump(report.as_json(), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def _addresses(given: list[str]) -> list[str]:
    addresses: list[str] = []
    for item in given:
        if item == "-":
            addresses += [line.strip() for line in sys.stdin if line.strip()]
        else:
            addresses.append(item)
    return addresses


def _dns(option: str | None, state_file: Path) -> tuple[list[str] | None, int]:
    """(nameservers, port); nameservers None means the system's resolver."""
    if option == "system":
        return None, 53
    if option:
        host, colon, port = option.rpartition(":")
        if not colon or not host or not port.isdigit():
            raise ValueError(f"--dns {option!r}: give HOST:PORT (e.g. 127.0.0.1:5353) or system")
        return [host.strip("[]")], int(port)
    if running_stack(state_file) is not None:
        try:
            state = json.loads(state_file.read_text())
        except (OSError, ValueError):
            state = {}
        if isinstance(state.get("dns_port"), int):
            return [state.get("smtp_host") or LOCAL_HOST], state["dns_port"]
    raise ValueError(
        f"no local stack with a DNS stub found ({state_file}); start one with `make run`, "
        "or give --dns HOST:PORT or --dns system"
    )
