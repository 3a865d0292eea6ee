"""`rebound summary`: print a tenant's digest (or the staff-wide one) now, or send it.

    rebound summary --tenant riverside [--period 7d] [--html] [--send]
    rebound summary --staff [--period 1d] [--send]

Reads the running local stack (found through .rebound/aws.json, as `rebound keys` does) or,
when AWS_ENDPOINT_URL is set or no local stack runs, whatever AWS the environment points at.
Printing changes nothing. --send mails it through SES to the tenant's notification recipients
(staff addresses when it has none), outside the schedule: no period is marked as sent, so the
scheduled digest still goes out. The local stack writes what it sends to its outbox.

Arguments that cannot work exit 2 with a message saying what to change; AWS failures exit 1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from datetime import UTC, datetime, timedelta

EXIT_USAGE = 2
EXIT_FAILURE = 1
_PERIOD_RE = re.compile(r"^(\d{1,3})([hd])$")
MAX_PERIOD = timedelta(days=90)


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--tenant", help="the tenant whose digest to build, e.g. riverside")
    who.add_argument("--staff", action="store_true", help="the staff-wide digest (all tenants)")
    parser.add_argument(
        "--period", default="", help="how far back, e.g. 24h or 7d (default: the tenant's cadence)"
    )
    parser.add_argument("--html", action="store_true", help="print the HTML part, not the text")
    parser.add_argument("--send", action="store_true", help="send it now instead of printing")


def _usage(message: str) -> int:
    print(f"rebound summary: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def parse_period(text: str) -> timedelta | None:
    match = _PERIOD_RE.fullmatch(text.strip().lower())
    if not match:
        return None
    n, unit = int(match.group(1)), match.group(2)
    period = timedelta(hours=n) if unit == "h" else timedelta(days=n)
    return period if timedelta(0) < period <= MAX_PERIOD else None


def _use_stack_report_url() -> None:
    """Links in the digest open the running stack's report page (its API URL is in
    local.json, not among the settings aws.json shares), unless REBOUND_REPORT_URL is set."""
    from rebound.local.state import running_stack, state_file_path

    path = state_file_path()
    if "REBOUND_REPORT_URL" in os.environ or running_stack(path) is None:
        return
    try:
        api_url = json.loads(path.read_text())["api_url"]
    except (OSError, ValueError, KeyError):
        return
    os.environ["REBOUND_REPORT_URL"] = f"{api_url.rstrip('/')}/"


def run(args: argparse.Namespace, name: str) -> int:
    period = None
    if args.period:
        period = parse_period(args.period)
        if period is None:
            return _usage(f"--period {args.period!r} must look like 24h or 7d (at most 90d)")
    from rebound.local.state import use_running_stack

    endpoint = use_running_stack()
    _use_stack_report_url()
    target = f"the AWS endpoint {endpoint}" if endpoint else "AWS (no local stack is running)"
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.exceptions import PynamoDBException

    from chalicelib import wiring
    from chalicelib.config import settings
    from chalicelib.notify.model import Cadence

    service = wiring.digest_service()
    now = datetime.now(UTC)
    try:
        if args.staff:
            since = now - (period or timedelta(days=1))
            mail, _ = service.staff_digest(since, now)
            recipients = settings().staff_addresses
            scope = "_staff"
        else:
            if wiring.tenants().get_tenant(args.tenant) is None:
                return _usage(f"no tenant {args.tenant!r} in {target}")
            tenant_settings = service.settings_for(args.tenant)
            default = timedelta(days=7 if tenant_settings.cadence is Cadence.WEEKLY else 1)
            since = now - (period or default)
            mail, _, _ = service.tenant_digest(tenant_settings, since, now)
            recipients = tenant_settings.recipients or settings().staff_addresses
            scope = args.tenant
        if not args.send:
            print(mail.html if args.html else f"Subject: {mail.subject}\n\n{mail.text}", end="")
            return 0
        if not recipients:
            return _usage(
                "nobody to send to: set the tenant's notification recipients "
                "(PUT /v1/tenants/{tenant}/notification-settings) or REBOUND_STAFF_ADDRESSES"
            )
        message_id = service.send_now(mail, recipients, scope)
    except (BotoCoreError, ClientError, PynamoDBException) as error:
        print(f"rebound summary: cannot reach {target}: {error}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"sent {mail.subject!r} to {', '.join(recipients)} (SES message id {message_id})")
    return 0
