"""The running local stack's state files, and how other `rebound` commands find the stack.

Two files, side by side (default folder .rebound/, or REBOUND_STATE_FILE / --state-file):
- local.json: exactly the documented shape (API URL, SMTP, inbound address, outbox, tenants
  and their keys, staff key), then the fields added since, only ever appended (`dns_port`:
  the local DNS stub, rebound/dnsstub.py, on the SMTP host; `auth`: the Cognito user pool in
  moto, and `users`: the demo people who sign in to the page, issue 10). People and the
  end-to-end test read it.
- aws.json: what a command needs to reach the same local AWS (moto's endpoint, the region, the
  non-secret REBOUND_* settings) and the stack's process id. Kept apart because local.json's
  shape is fixed. Tag signing keys are never written here: they are secrets.

Both are removed when the stack stops. A file left behind by a killed stack is recognised as
stale because its process id no longer runs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_STATE_FILE = ".rebound/local.json"
AWS_STATE_NAME = "aws.json"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
# Settings a command must share with the stack to address the same resources (never secrets).
SHARED_SETTINGS = (
    "REBOUND_TABLE",
    "REBOUND_BUCKET",
    "REBOUND_INBOUND_DOMAIN",
    "REBOUND_INBOUND_LOCAL_PART",
    "REBOUND_EVENT_BUS",
    "REBOUND_REPORT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "REBOUND_COGNITO_REGION",
    "REBOUND_COGNITO_USER_POOL_ID",
    "REBOUND_COGNITO_CLIENT_IDS",
    "REBOUND_COGNITO_ENDPOINT",
    "REBOUND_COGNITO_JWKS_URL",
)


@dataclass(frozen=True, slots=True)
class TenantKeys:
    id: str
    api_key: str
    admin_api_key: str


@dataclass(frozen=True, slots=True)
class LocalState:
    """local.json: the documented shape, nothing more."""

    api_url: str
    smtp_host: str
    smtp_port: int
    inbound_address: str
    outbox: str
    tenants: list[TenantKeys] = field(default_factory=list)
    staff_api_key: str = ""
    dns_port: int | None = None  # added for the re-check (issue 14); written only when set
    # Added for sign-in (issue 10): {"region", "user_pool_id", "client_id", "cognito_endpoint"}
    # and [{"username", "password", "tenant", "role"}, ...]; written only when set.
    auth: dict[str, str] | None = None
    users: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "api_url": self.api_url,
            "smtp_host": self.smtp_host,
            "smtp_port": self.smtp_port,
            "inbound_address": self.inbound_address,
            "outbox": self.outbox,
            "tenants": [
                {"id": t.id, "api_key": t.api_key, "admin_api_key": t.admin_api_key}
                for t in self.tenants
            ],
            "staff_api_key": self.staff_api_key,
        }
        if self.dns_port is not None:
            data["dns_port"] = self.dns_port
        if self.auth is not None:
            data["auth"] = dict(self.auth)
            data["users"] = [dict(u) for u in self.users]
        return data


def state_file_path(explicit: str | None = None) -> Path:
    return Path(explicit or os.environ.get("REBOUND_STATE_FILE") or DEFAULT_STATE_FILE)


def aws_state_path(state_file: Path) -> Path:
    return state_file.with_name(AWS_STATE_NAME)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Atomic, private (keys inside): written to a temporary name, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(data, out, indent=2)
        out.write("\n")
    tmp.replace(path)


def write_state(state_file: Path, state: LocalState, aws_endpoint: str) -> None:
    env = {name: os.environ[name] for name in SHARED_SETTINGS if name in os.environ}
    # aws.json first: a reader that sees local.json can always find the endpoint too.
    _write_json(
        aws_state_path(state_file),
        {"aws_endpoint_url": aws_endpoint, "pid": os.getpid(), "environment": env},
    )
    _write_json(state_file, state.as_json())


def remove_state(state_file: Path) -> None:
    for path in (state_file, aws_state_path(state_file)):
        path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def running_stack(state_file: Path | None = None) -> dict[str, Any] | None:
    """aws.json of a local stack that is still running, or None."""
    path = aws_state_path(state_file or state_file_path())
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    pid = data.get("pid")
    if not isinstance(pid, int) or not _alive(pid):
        return None
    return data


def use_running_stack(state_file: Path | None = None, *, endpoint: bool = True) -> str | None:
    """Point this process at the running local stack, unless the environment already chose.

    With `endpoint`, sets AWS_ENDPOINT_URL and fake credentials when AWS_ENDPOINT_URL is unset
    (an explicit endpoint, or real AWS via a profile, is the user's choice and is kept). The
    stack's non-secret settings are applied where the environment has none. Returns the
    endpoint in use, or None. Must run before chalicelib is imported (settings are cached).
    """
    stack = running_stack(state_file)
    if stack is None:
        return os.environ.get("AWS_ENDPOINT_URL")
    for name, value in stack.get("environment", {}).items():
        os.environ.setdefault(name, value)
    if endpoint and "AWS_ENDPOINT_URL" not in os.environ:
        os.environ["AWS_ENDPOINT_URL"] = stack["aws_endpoint_url"]
        os.environ.update(FAKE_CREDENTIALS)
        os.environ.pop("AWS_PROFILE", None)
        os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION", "us-east-1"))
    return os.environ.get("AWS_ENDPOINT_URL")
