"""`rebound mass-delete`: plan, approve, follow (with a progress bar), cancel, re-run, undo and
list mass deletes against any Rebound API, local or deployed. Talks HTTP only (no AWS).

Defaults come from .rebound/local.json, written by `rebound local` ({"api_url", "tenants":
[{"id", "api_key", "admin_api_key"}], "staff_api_key"}); --api, --key and --tenant (or the
environment: REBOUND_API_URL, REBOUND_API_KEY) point it at a deployed API instead.

    rebound mass-delete create --filter category=hard --filter domain=example.net --remove-emails
    rebound mass-delete create --addresses-file bad.txt --dry-run
    rebound mass-delete approve md-...   (--staff to approve with the staff key)
    rebound mass-delete follow md-...
    rebound mass-delete undo md-...

Exit codes: 0 done, 1 the API refused or the job failed, 2 wrong arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from rebound.api_http import ApiError, call_api

EXIT_FAILURE = 1
EXIT_USAGE = 2
STATE_FILE = Path(os.environ.get("REBOUND_STATE_FILE", ".rebound/local.json"))
TERMINAL = {"succeeded", "failed", "cancelled", "undone", "planned"}
BAR_WIDTH = 30


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--api", help="API base URL (default: local.json's api_url)")
    parser.add_argument("--key", help="API key (default: the tenant's admin key in local.json)")
    parser.add_argument("--tenant", help="tenant id (default: the first tenant in local.json)")
    parser.add_argument("--staff", action="store_true", help="use local.json's staff key")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = sub.add_parser("create", help="plan a mass delete (answers with the job)")
    create.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a report filter, e.g. category=hard, domain=example.net, min_count=3",
    )
    create.add_argument("--address", action="append", default=[], help="an address to delete")
    create.add_argument("--addresses-file", type=Path, help="addresses, one per line")
    create.add_argument("--remove-emails", action="store_true", help="also suppress them")
    create.add_argument("--dry-run", action="store_true", help="plan and preview only")
    create.add_argument("--note", default="", help="why (kept in the audit trail)")
    for action, text in (
        ("approve", "approve and start a planned job"),
        ("status", "show a job"),
        ("follow", "show a progress bar until the job ends"),
        ("cancel", "cancel a job (a running one stops between addresses)"),
        ("rerun", "run a failed job again (it resumes)"),
        ("undo", "restore what a job deleted"),
    ):
        one = sub.add_parser(action, help=text)
        one.add_argument("job", help="job id (md-...)")
        if action in ("approve", "rerun"):
            one.add_argument("--follow", action="store_true", help="then follow it")
    sub.add_parser("list", help="list the tenant's jobs, newest first")
    sub.add_parser("audit", help="the tenant's audit trail, newest first")


class Api:
    def __init__(self, base: str, key: str, tenant: str) -> None:
        self.base, self.key, self.tenant = base.rstrip("/"), key, tenant

    def call(self, method: str, path: str = "", body: Any = None) -> Any:
        return call_api(
            self.base, self.key, method, f"/v1/tenants/{self.tenant}/mass-deletes{path}", body
        )


def _api(args: argparse.Namespace) -> Api:
    local: dict[str, Any] = {}
    if STATE_FILE.is_file():
        local = json.loads(STATE_FILE.read_text())
    tenants = local.get("tenants") or [{}]
    tenant = args.tenant or tenants[0].get("id")
    entry = next((t for t in tenants if t.get("id") == tenant), {})
    base = args.api or os.environ.get("REBOUND_API_URL") or local.get("api_url")
    key = (
        args.key
        or os.environ.get("REBOUND_API_KEY")
        or (local.get("staff_api_key") if args.staff else entry.get("admin_api_key"))
    )
    if not (base and key and tenant):
        raise SystemExit(
            "no API to talk to: start `rebound local` (writes .rebound/local.json) or pass "
            "--api URL --key KEY --tenant ID"
        )
    return Api(str(base), str(key), str(tenant))


def _create_body(args: argparse.Namespace) -> dict[str, Any]:
    addresses = list(args.address)
    if args.addresses_file:
        addresses += [
            line.strip() for line in args.addresses_file.read_text().splitlines() if line.strip()
        ]
    if bool(addresses) == bool(args.filter):
        raise SystemExit("give --filter NAME=VALUE ... or addresses (--address/--addresses-file)")
    body: dict[str, Any] = {"remove_emails": args.remove_emails, "dry_run": args.dry_run}
    if args.note:
        body["note"] = args.note
    if addresses:
        body["addresses"] = addresses
    else:
        selection: dict[str, str] = {}
        for item in args.filter:
            name, sep, value = item.partition("=")
            if not sep:
                raise SystemExit(f"--filter expects NAME=VALUE, got {item!r}")
            selection[name.strip()] = value.strip()
        body["filter"] = selection
    return body


def progress_line(job: dict[str, Any]) -> str:
    """One line: bar, addresses done of selected, records deleted, skipped, state."""
    total = max(int(job["selected"]["addresses"]), 1)
    p = job["progress"]
    done = min(int(p["addresses"]), total)
    filled = BAR_WIDTH * done // total
    bar = "#" * filled + "-" * (BAR_WIDTH - filled)
    return (
        f"[{bar}] {done}/{job['selected']['addresses']} addresses, {p['deleted']} records "
        f"deleted, {p['removed']} removed, {p['skipped']} skipped - {job['state']}"
    )


def follow(api: Api, job_id: str, out: TextIO, interval: float = 1.0) -> dict[str, Any]:
    job: dict[str, Any] = api.call("GET", f"/{job_id}")
    while True:
        out.write("\r" + progress_line(job))
        out.flush()
        if job["state"] in TERMINAL:
            out.write("\n")
            return job
        time.sleep(interval)
        job = api.call("GET", f"/{job_id}")


def _summary(job: dict[str, Any]) -> str:
    sample = ", ".join(job["sample"][:5])
    lines = [
        f"{job['id']}  {job['state']}{'  (dry run)' if job['dry_run'] else ''}",
        f"  selected: {job['selected']['addresses']} addresses, "
        f"{job['selected']['records']} records" + (f"  e.g. {sample}" if sample else ""),
    ]
    if job.get("staff_approval_required"):
        lines.append(f"  staff approval required: {job['staff_approval_required']}")
    if job.get("error"):
        lines.append(f"  error: {job['error']}")
    return "\n".join(lines)


def run(args: argparse.Namespace, name: str, out: TextIO = sys.stdout) -> int:
    api = _api(args)
    try:
        return _run(api, args, out)
    except ApiError as error:
        print(f"rebound mass-delete: {error}", file=sys.stderr)
        return EXIT_FAILURE


def _run(api: Api, args: argparse.Namespace, out: TextIO) -> int:  # noqa: C901, PLR0911 - one branch per subcommand
    action = args.action
    if action == "create":
        job = api.call("POST", "", _create_body(args))
        print(_summary(job), file=out)
        return 0
    if action == "list":
        for job in api.call("GET")["items"]:
            print(_summary(job), file=out)
        return 0
    if action == "audit":
        for line in api.call("GET", "/audit")["items"]:
            print(json.dumps(line, sort_keys=True), file=out)
        return 0
    if action == "status":
        job = api.call("GET", f"/{args.job}")
        print(_summary(job), file=out)
        print(progress_line(job), file=out)
        return 0
    if action == "follow":
        job = follow(api, args.job, out)
        return 0 if job["state"] == "succeeded" else EXIT_FAILURE
    if action == "undo":
        while True:
            result = api.call("POST", f"/{args.job}/undo")
            undo = result["undo"]
            print(
                f"restored {undo['addresses_restored']} addresses "
                f"({undo['records_restored']} records, {undo['conflicts']} kept newer), "
                f"{undo['remaining']} remaining",
                file=out,
            )
            if undo["complete"]:
                return 0
    job = api.call("POST", f"/{args.job}/{action}")
    print(_summary(job), file=out)
    if getattr(args, "follow", False):
        job = follow(api, args.job, out)
        return 0 if job["state"] == "succeeded" else EXIT_FAILURE
    return 0
