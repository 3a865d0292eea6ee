"""`rebound return-path` and `rebound keys create|list|revoke`: the tenancy commands.

- return-path prints a signed VERP return path, `groupmessaging+<tag>@<inbound domain>`, with
  the signing keys from configuration; it needs no AWS (unless the keys live in Secrets
  Manager).
- keys create mints an API key in the table of the running local stack (found through
  .rebound/aws.json) or, when AWS_ENDPOINT_URL is set or no local stack runs, of whatever AWS
  the environment points at; the token is printed once and never stored. Machine keys are for
  the sending system (`--mms`) and scripts; people sign in (`rebound users`).
- keys list shows every key (label, role, created by, created, last used, revoked); keys
  revoke SCOPE KEY_ID revokes one (the record stays, for the audit trail).

Arguments that cannot work exit 2 with a message saying what to change; AWS failures exit 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta

from chalicelib.tenancy.ids import Source, is_tenant_id

EXIT_USAGE = 2
EXIT_FAILURE = 1


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    if name == "return-path":
        _configure_return_path(parser)
    else:
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        _configure_keys_create(sub.add_parser("create", help="mint an API key (shown once)"))
        sub.add_parser("list", help="every key: label, role, created by, last used")
        revoke = sub.add_parser("revoke", help="revoke a key (see `keys list` for its scope/id)")
        revoke.add_argument("scope", help="the key's scope: a tenant id, _staff or _mms")
        revoke.add_argument("key_id", help="the key's id (12 characters)")


def _configure_return_path(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tenant", required=True, help="tenant id, e.g. riverside")
    parser.add_argument(
        "--source", required=True, choices=[s.value for s in Source], help="what sent the mail"
    )
    parser.add_argument("--send-id", required=True, help="the send's id in the MMS (1-64 chars)")
    parser.add_argument("--recipient", required=True, help="the address the mail was sent to")
    parser.add_argument(
        "--days",
        type=int,
        help="days the tag stays valid (default REBOUND_TAG_TTL_DAYS, 400)",
    )


def _configure_keys_create(parser: argparse.ArgumentParser) -> None:
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--tenant", help="the tenant the key belongs to")
    who.add_argument("--staff", action="store_true", help="a staff key (reads every tenant)")
    who.add_argument(
        "--mms",
        action="store_true",
        help="the sending system's key: reads every tenant, reports sends and contact counts",
    )
    parser.add_argument(
        "--role", choices=["viewer", "admin"], help="tenant keys: viewer (reads) or admin"
    )
    parser.add_argument("--label", default="", help="a note stored with the key (who has it)")
    parser.add_argument(
        "--create-tenant",
        action="store_true",
        help="create the tenant first if it does not exist",
    )


def _usage(name: str, message: str) -> int:
    print(f"rebound {name}: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace, name: str) -> int:
    if name == "return-path":
        return _return_path(args)
    if args.action == "list":
        return _keys_list()
    if args.action == "revoke":
        return _keys_revoke(args.scope, args.key_id)
    return _keys_create(args)


def _keys_list() -> int:
    from rebound.local.state import use_running_stack

    use_running_stack()
    from chalicelib.tenancy.ids import MMS_SCOPE, STAFF_SCOPE
    from chalicelib.wiring import tenants

    store = tenants()
    print(f"{'scope':<14} {'key id':<13} {'role':<7} {'label':<22} {'created by':<24} last used")
    for scope in [*store.list_tenants(), STAFF_SCOPE, MMS_SCOPE]:
        for key in store.list_keys(scope):
            state = " (revoked)" if key.revoked else ""
            print(
                f"{key.scope:<14} {key.key_id:<13} {key.role:<7} {key.label or '-':<22} "
                f"{key.created_by or '-':<24} {key.last_used_at or 'never'}{state}"
            )
    return 0


def _keys_revoke(scope: str, key_id: str) -> int:
    from rebound.local.state import use_running_stack

    use_running_stack()
    from chalicelib.wiring import tenants

    if not tenants().revoke_key(scope, key_id):
        return _usage("keys revoke", f"no key {key_id!r} in scope {scope!r} (see `keys list`)")
    print(f"revoked key {key_id} of {scope}; requests with it now get 401")
    return 0


def _return_path(args: argparse.Namespace) -> int:
    from rebound.local.state import use_running_stack

    # The running stack's inbound domain and local part, when it runs and none is set here.
    use_running_stack(endpoint=False)
    from chalicelib.config import settings
    from chalicelib.tenancy.tags import make_return_path, parse_keys

    s = settings()
    days = s.tag_ttl_days if args.days is None else args.days
    if days < 1:
        return _usage("return-path", f"--days must be at least 1 (got {days})")
    try:
        if s.tag_keys_secret_arn:
            from chalicelib.wiring import signing_keys

            keys = signing_keys()
        else:
            keys = parse_keys(s.tag_keys)
    except ValueError as error:
        return _usage("return-path", f"REBOUND_TAG_KEYS: {error}")
    try:
        expires_on = (datetime.now(UTC) + timedelta(days=days)).date()
        address = make_return_path(
            keys,
            local_part=s.inbound_local_part,
            domain=s.inbound_domain,
            tenant=args.tenant,
            source=Source(args.source),
            send_id=args.send_id,
            recipient=args.recipient,
            expires_on=expires_on,
        )
    except (ValueError, OverflowError) as error:
        return _usage("return-path", str(error))
    print(address)
    return 0


def _keys_create(args: argparse.Namespace) -> int:
    everywhere = args.staff or args.mms
    if everywhere and (args.role or args.create_tenant):
        return _usage("keys create", "--staff and --mms take neither --role nor --create-tenant")
    if not everywhere:
        if not args.role:
            return _usage("keys create", "tenant keys need --role viewer or --role admin")
        if not is_tenant_id(args.tenant):
            return _usage(
                "keys create", f"tenant id {args.tenant!r} must match [a-z0-9][a-z0-9-]{{0,62}}"
            )
    from rebound.local.state import use_running_stack

    endpoint = use_running_stack()
    target = f"the AWS endpoint {endpoint}" if endpoint else "AWS (no local stack is running)"
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.exceptions import PynamoDBException

    from chalicelib.tenancy.access import Role
    from chalicelib.tenancy.service import UnknownTenant, create_key, ensure_tenant
    from chalicelib.wiring import tenants

    store = tenants()
    try:
        if args.create_tenant and store.get_tenant(args.tenant) is None:
            ensure_tenant(store, args.tenant)
            print(f"created tenant {args.tenant}", file=sys.stderr)
        role = Role.STAFF if args.staff else Role.MMS if args.mms else Role(args.role)
        creator = os.environ.get("USER", "") + " (rebound keys create)"
        token = create_key(store, None if everywhere else args.tenant, role, args.label, creator)
    except UnknownTenant:
        return _usage(
            "keys create",
            f"no tenant {args.tenant!r} in {target}; add --create-tenant to create it",
        )
    except (BotoCoreError, ClientError, PynamoDBException) as error:
        print(f"rebound keys create: cannot reach {target}: {error}", file=sys.stderr)
        return EXIT_FAILURE
    scope = "staff" if args.staff else "sending-system" if args.mms else f"{args.tenant} {role}"
    print(f"created a {scope} key in {target}; it is shown only this once:", file=sys.stderr)
    print(token)
    return 0
