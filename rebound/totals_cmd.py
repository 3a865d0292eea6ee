"""`rebound totals`: recount a tenant's address totals and rewrite them (storage/totals.py).

    rebound totals --tenant riverside
    rebound totals --all

The stats view and the digests read one totals item per tenant, kept up to date off the
counting path. This recounts it from the counters (COUNT queries: they read every counter, so
run it when the tenant is quiet) and rewrites it: the backfill of a tenant that had addresses
before the totals existed (until then its readers recount on every view), and the repair of
any drift (a mass-delete run killed outright, a forget stopped half-way). Prints one line per
tenant, what was kept and what was recounted.

Reads the running local stack (found through .rebound/aws.json, as `rebound keys` does) or,
when AWS_ENDPOINT_URL is set or no local stack runs, whatever AWS the environment points at.
Arguments that cannot work exit 2 with a message saying what to change; AWS failures exit 1.
"""

from __future__ import annotations

import argparse
import sys

# Annotations only (see rebound.parse_cmd).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from chalicelib.ports import AddressTotals

EXIT_USAGE = 2
EXIT_FAILURE = 1


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--tenant", help="the tenant whose totals to recount, e.g. riverside")
    who.add_argument("--all", action="store_true", help="every tenant, one after the other")


def run(args: argparse.Namespace, name: str) -> int:
    from rebound.local.state import use_running_stack

    endpoint = use_running_stack()
    target = f"the AWS endpoint {endpoint}" if endpoint else "AWS (no local stack is running)"
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.exceptions import PynamoDBException

    from chalicelib import wiring

    try:
        tenants = list(wiring.tenants().list_tenants()) if args.all else [args.tenant]
        if not args.all and wiring.tenants().get_tenant(args.tenant) is None:
            print(f"rebound totals: error: no tenant {args.tenant!r} in {target}", file=sys.stderr)
            return EXIT_USAGE
        for tenant in tenants:
            before, recounted = wiring.counters().reconcile_totals(tenant)
            kept = "none kept" if before is None else f"kept {_line(before)}"
            print(f"{tenant}: {kept}; recounted {_line(recounted)}")
    except (BotoCoreError, ClientError, PynamoDBException) as error:
        print(f"rebound totals: cannot reach {target}: {error}", file=sys.stderr)
        return EXIT_FAILURE
    return 0


def _line(totals: AddressTotals) -> str:
    categories = " ".join(f"{c}={n}" for c, n in totals.categories)
    return f"addresses={totals.addresses} suppressed={totals.suppressed} {categories}".strip()
