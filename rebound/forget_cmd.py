"""`rebound forget ADDRESS --tenant T`: erase one person's data everywhere Rebound holds it for
one tenant (staff only), through the API's `POST /v1/tenants/{tenant}/forget`. Talks HTTP only.

Defaults come from .rebound/local.json (written by `rebound local`): its api_url and its staff
key; --api and --key (or REBOUND_API_URL, REBOUND_API_KEY) point it at a deployed API with a
staff person's token or a staff key.

Prints the answer: the tenant, the address's one-way hash (what the audit trail holds) and how
many items of each kind were erased (all zero when Rebound held nothing of the address).

Exit codes: 0 done, 1 the API refused, 2 wrong arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.parse
from pathlib import Path
from typing import Any, TextIO

from rebound.api_http import ApiError, call_api

EXIT_FAILURE = 1
EXIT_USAGE = 2
STATE_FILE = Path(os.environ.get("REBOUND_STATE_FILE", ".rebound/local.json"))


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("address", help="the address to forget")
    parser.add_argument("--tenant", required=True, help="the tenant whose data it is")
    parser.add_argument("--api", help="API base URL (default: local.json's api_url)")
    parser.add_argument("--key", help="a staff key or token (default: local.json's staff key)")


def run(args: argparse.Namespace, name: str, out: TextIO = sys.stdout) -> int:
    local: dict[str, Any] = {}
    if STATE_FILE.is_file():
        local = json.loads(STATE_FILE.read_text())
    base = args.api or os.environ.get("REBOUND_API_URL") or local.get("api_url")
    key = args.key or os.environ.get("REBOUND_API_KEY") or local.get("staff_api_key")
    if not (base and key):
        print(
            "rebound forget: no API to talk to: start `rebound local` (writes "
            ".rebound/local.json) or pass --api URL --key STAFF_KEY",
            file=sys.stderr,
        )
        return EXIT_USAGE
    path = f"/v1/tenants/{urllib.parse.quote(args.tenant, safe='')}/forget"
    try:
        answer = call_api(str(base), str(key), "POST", path, {"address": args.address})
    except ApiError as error:
        print(f"rebound forget: {error}", file=sys.stderr)
        return EXIT_FAILURE
    json.dump(answer, out, indent=2, sort_keys=True)
    out.write("\n")
    return 0
