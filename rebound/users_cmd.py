"""`rebound users create|list|disable`: the people who sign in to the page (Cognito).

The user pool is the running local stack's (found through .rebound/aws.json, whose settings
carry REBOUND_COGNITO_USER_POOL_ID) or, with AWS credentials, the one REBOUND_COGNITO_USER_POOL_ID
names. `create` prints the new person's password once unless one is given on stdin
(`--password-stdin`). Usage errors exit 2, AWS failures 1.
"""

from __future__ import annotations

import argparse
import os
import sys

from chalicelib.tenancy.ids import is_tenant_id

EXIT_USAGE = 2
EXIT_FAILURE = 1


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = sub.add_parser("create", help="add a person (their username is their e-mail)")
    create.add_argument("username", help="the person's e-mail address, e.g. ann@example.com")
    who = create.add_mutually_exclusive_group(required=True)
    who.add_argument("--tenant", help="the tenant they work for")
    who.add_argument("--staff", action="store_true", help="customer-service staff (every tenant)")
    create.add_argument("--role", choices=["admin", "viewer"], help="with --tenant")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    sub.add_parser("list", help="everyone in the pool: tenant, role, enabled")
    disable = sub.add_parser("disable", help="stop a person signing in (within a minute)")
    disable.add_argument("username")


def _usage(message: str) -> int:
    print(f"rebound users: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _create_problem(args: argparse.Namespace) -> str:
    """What is wrong with `users create`'s arguments, or ""."""
    if args.staff and args.role:
        return "--staff takes no --role"
    if not args.staff and not args.role:
        return "people of a tenant need --role admin or --role viewer"
    if args.tenant and not is_tenant_id(args.tenant):
        return f"tenant id {args.tenant!r} must match [a-z0-9][a-z0-9-]{{0,62}}"
    if "@" not in args.username:
        return "the username is the person's e-mail address"
    return ""


def run(args: argparse.Namespace, name: str) -> int:
    problem = _create_problem(args) if args.action == "create" else ""
    if problem:
        return _usage(problem)
    from rebound.local.state import use_running_stack

    use_running_stack()
    pool_id = os.environ.get("REBOUND_COGNITO_USER_POOL_ID", "")
    region = os.environ.get("REBOUND_COGNITO_REGION") or os.environ.get("AWS_REGION", "us-east-1")
    if not pool_id:
        return _usage("no user pool: start `rebound local`, or set REBOUND_COGNITO_USER_POOL_ID")
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        if args.action == "list":
            _list(region, pool_id)
        elif args.action == "disable":
            from rebound import people

            people.disable_person(region, pool_id, args.username)
            print(
                f"disabled {args.username}: no new sign-ins; the API refuses them within a minute"
            )
        else:
            _create(args, region, pool_id)
    except (BotoCoreError, ClientError) as error:
        print(f"rebound users: {error}", file=sys.stderr)
        return EXIT_FAILURE
    return 0


def _list(region: str, pool_id: str) -> None:
    from rebound import people

    print(f"{'username':<34} {'tenant':<16} {'role':<8} {'enabled':<8} status")
    for p in people.list_people(region, pool_id):
        enabled = "yes" if p.enabled else "no"
        print(f"{p.username:<34} {p.tenant or '-':<16} {p.role:<8} {enabled:<8} {p.status}")


def _create(args: argparse.Namespace, region: str, pool_id: str) -> None:
    from chalicelib.tenancy.access import Role
    from rebound import people

    role = Role.STAFF if args.staff else Role(args.role)
    given = sys.stdin.readline().strip() if args.password_stdin else ""
    password = given or people.demo_password()
    people.create_person(
        region, pool_id, args.username, role=role, tenant=args.tenant, password=password
    )
    where = "staff" if args.staff else f"{args.role} of {args.tenant}"
    print(f"created {args.username} ({where})", file=sys.stderr)
    if not given:
        print(f"password (shown once): {password}")
