"""End to end: `rebound local` as a person runs it (a subprocess, ports chosen by the OS), a
bounce sent with smtplib to a return path from `rebound return-path`, and the result read over
HTTP with the tenant's key. Then the refusals (550, 552, 401, 403), quarantine of a forged tag,
the summary in the outbox, and a clean stop on SIGINT.

One stack serves the module (starting it is the expensive part); the tests run in file order
and the last one stops it.
"""

from __future__ import annotations

import json
import signal
import smtplib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any, TypeVar

import pytest

from rebound.samples import SampleFailure, dsn
from tests.e2e.conftest import Stack, _environment

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def _get(stack: Stack, path: str, key: str | None) -> tuple[int, Any]:
    request = urllib.request.Request(stack.state["api_url"] + path)
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _eventually(probe: Callable[[], T | None], what: str, timeout: float = 5.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout}s")
        time.sleep(0.05)


def _return_path(stack: Stack, tenant: str, recipient: str, send_id: str) -> str:
    command = [sys.executable, "-m", "rebound.cli", "return-path", "--tenant", tenant]
    command += ["--source", "broadcast", "--send-id", send_id, "--recipient", recipient]
    env = _environment(stack.state_file)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _send(stack: Stack, recipient: str, raw: bytes, sender: str = "") -> None:
    with smtplib.SMTP(stack.state["smtp_host"], stack.state["smtp_port"], timeout=10) as smtp:
        smtp.sendmail(sender, [recipient], raw)


def _bounce(return_path: str, recipient: str, message_id: str) -> bytes:
    failure = SampleFailure(
        recipient, "5.1.1", f"550 5.1.1 <{recipient}>: Recipient address rejected: User unknown"
    )
    return dsn(
        return_path=return_path,
        failures=[failure],
        date=datetime.now(UTC),
        message_id=message_id,
    )


def test_local_json_has_exactly_the_documented_shape(stack: Stack) -> None:
    state = stack.state
    assert list(state) == [
        "api_url",
        "smtp_host",
        "smtp_port",
        "inbound_address",
        "outbox",
        "tenants",
        "staff_api_key",
        "dns_port",  # added for the re-check: only ever appended
        "auth",  # added for sign-in (issue 10)
        "users",
    ]
    assert state["api_url"].startswith("http://127.0.0.1:")
    assert isinstance(state["dns_port"], int) and state["dns_port"] > 0
    assert state["smtp_host"] == "127.0.0.1"
    assert isinstance(state["smtp_port"], int) and state["smtp_port"] > 0
    assert state["inbound_address"] == "groupmessaging@bounces.example.com"
    assert Path(state["outbox"]).is_absolute()
    assert len(state["tenants"]) >= 2
    for tenant in state["tenants"]:
        assert set(tenant) == {"id", "api_key", "admin_api_key"}
    assert state["staff_api_key"].startswith("rbk._staff.")
    assert set(state["auth"]) == {"region", "user_pool_id", "client_id", "cognito_endpoint"}
    users = state["users"]
    assert all(set(u) == {"username", "password", "tenant", "role"} for u in users)
    first = [u["role"] for u in users if u["tenant"] == state["tenants"][0]["id"]]
    assert sorted(first) == ["admin", "admin", "viewer"]
    for tenant in state["tenants"][1:]:
        assert sorted(u["role"] for u in users if u["tenant"] == tenant["id"]) == [
            "admin",
            "viewer",
        ]
    assert [u["role"] for u in users if u["tenant"] is None] == ["staff", "staff"]
    assert all(u["username"].rsplit(".", 1)[1] in {"com", "org", "net"} for u in users)


def test_a_demo_person_signs_in_with_cognito_and_reads_the_report(stack: Stack) -> None:
    import boto3

    auth = stack.state["auth"]
    person = next(u for u in stack.state["users"] if u["role"] == "admin")
    idp = boto3.client(
        "cognito-idp", region_name=auth["region"], endpoint_url=auth["cognito_endpoint"]
    )
    tokens = idp.initiate_auth(
        ClientId=auth["client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": person["username"], "PASSWORD": person["password"]},
    )["AuthenticationResult"]
    status, me = _get(stack, "/v1/me", tokens["AccessToken"])
    assert status == 200, me
    assert (me["name"], me["role"], me["kind"]) == (person["username"], "admin", "person")
    status, _ = _get(stack, f"/v1/tenants/{person['tenant']}/bounces", tokens["AccessToken"])
    assert status == 200


def test_a_tagged_bounce_sent_by_smtp_reaches_the_tenant_report(stack: Stack) -> None:
    recipient = "ann.e2e@example.net"
    return_path = _return_path(stack, "riverside", recipient, "e2e-1")
    assert return_path.startswith("groupmessaging+")
    sent_at = time.monotonic()
    _send(stack, return_path, _bounce(return_path, recipient, "<e2e-1@mail.example.org>"))
    key = stack.tenant("riverside")["api_key"]

    def counted() -> dict[str, Any] | None:
        status, body = _get(stack, "/v1/tenants/riverside/bounces", key)
        assert status == 200, f"{body}\n{stack.output()}"
        return next((i for i in body["items"] if i["address"] == recipient), None)

    item = _eventually(counted, "the bounce in the report")
    latency = time.monotonic() - sent_at
    assert item["count"] == 1
    assert item["status"] == "5.1.1"
    assert item["reason"] == "userunknown"
    assert item["hard"] is True
    assert item["source"] == "broadcast"
    assert latency < 3, f"took {latency:.2f}s from SMTP to the API"


def test_mail_for_any_other_recipient_is_refused_with_550(stack: Stack) -> None:
    with smtplib.SMTP(stack.state["smtp_host"], stack.state["smtp_port"], timeout=10) as smtp:
        smtp.ehlo("mta.example.org")
        smtp.mail("")
        code, reply = smtp.rcpt("postmaster@bounces.example.com")
        assert code == 550
        assert b"5.1.1" in reply and b"groupmessaging@bounces.example.com" in reply
        code, _ = smtp.rcpt("groupmessaging@other.example.com")
        assert code == 550
        smtp.rset()
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.sendmail("", ["ann@example.org"], b"Subject: x\r\n\r\nx\r\n")


def test_messages_over_40_mb_are_refused_with_552(stack: Stack) -> None:
    with smtplib.SMTP(stack.state["smtp_host"], stack.state["smtp_port"], timeout=10) as smtp:
        smtp.ehlo("mta.example.org")
        assert smtp.has_extn("size")
        code, _ = smtp.mail("", ["SIZE=41943041"])
        assert code == 552


def test_a_forged_tag_goes_to_quarantine_not_to_the_report(stack: Stack) -> None:
    recipient = "mallory.e2e@example.org"
    genuine = _return_path(stack, "riverside", recipient, "e2e-forged")
    local, _, domain = genuine.partition("@")
    forged = f"{local[:-16]}{'a' * 16}@{domain}"
    _send(stack, forged, _bounce(forged, recipient, "<e2e-forged@mail.example.org>"))
    staff = stack.state["staff_api_key"]

    def quarantined() -> dict[str, Any] | None:
        status, body = _get(stack, "/v1/quarantine", staff)
        assert status == 200, f"{body}\n{stack.output()}"
        return next((i for i in body["items"] if recipient in i["recipients"]), None)

    entry = _eventually(quarantined, "the forged bounce in quarantine")
    assert "bad-signature" in entry["problem"]
    status, body = _get(
        stack, "/v1/tenants/riverside/bounces", stack.tenant("riverside")["api_key"]
    )
    assert status == 200
    assert recipient not in [i["address"] for i in body["items"]]


def test_keys_reach_only_their_own_tenant(stack: Stack) -> None:
    path = "/v1/tenants/riverside/bounces"
    assert _get(stack, path, stack.tenant("hillside")["api_key"])[0] == 403
    assert _get(stack, path, stack.tenant("hillside")["admin_api_key"])[0] == 403
    assert _get(stack, path, None)[0] == 401
    assert _get(stack, path, "rbk.riverside.0123456789ab." + "a" * 43)[0] == 401
    assert _get(stack, "/v1/quarantine", stack.tenant("riverside")["admin_api_key"])[0] == 403
    assert _get(stack, path, stack.state["staff_api_key"])[0] == 200


def test_the_summary_fired_on_demand_lands_in_the_outbox(stack: Stack) -> None:
    outbox = Path(stack.state["outbox"])
    stack.process.send_signal(signal.SIGUSR1)

    def written() -> Path | None:
        # Alerts may land first (the demo-free stack still alerts on blocks): pick the digest.
        for path in sorted(outbox.glob("*.eml")) if outbox.is_dir() else []:
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if str(message.get("X-Rebound-Notification", "")).startswith("digest"):
                return path
        return None

    path = _eventually(written, "a digest .eml in the outbox")
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "staff@example.com"
    assert "groupmessaging" not in message["From"].lower()
    assert message["Subject"].startswith("Rebound staff digest:")
    assert message["Date"] and message["Message-ID"]
    plain = message.get_body(("plain",))
    assert plain is not None
    assert "riverside" in plain.get_content()
    assert message.get_body(("html",)) is not None


def test_rebound_forget_erases_the_bounced_address_over_http(stack: Stack) -> None:
    """The CLI with local.json's staff key against the running API: the address of the SMTP
    bounce above is gone from the report, and its raw mail from the bucket."""
    recipient = "ann.e2e@example.net"
    key = stack.tenant("riverside")["api_key"]
    assert _get(stack, f"/v1/tenants/riverside/bounces/{recipient}", key)[0] == 200
    command = [sys.executable, "-m", "rebound.cli", "forget", recipient, "--tenant", "riverside"]
    env = _environment(stack.state_file)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    erased = json.loads(done.stdout)["erased"]
    assert (erased["counters"], erased["history"], erased["raw_mail"]) == (1, 1, 1)
    status, body = _get(stack, f"/v1/tenants/riverside/bounces/{recipient}", key)
    assert status == 404, body


def test_sigint_stops_everything_and_frees_the_ports(stack: Stack) -> None:
    ports = [int(stack.state["api_url"].rsplit(":", 1)[1]), stack.state["smtp_port"]]
    started = time.monotonic()
    stack.process.send_signal(signal.SIGINT)
    try:
        code = stack.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail(f"rebound local did not stop within 10s:\n{stack.output()}")
    took = time.monotonic() - started
    assert code == 0, stack.output()
    assert took < 5, f"stopping took {took:.1f}s"
    assert "stopped." in stack.output()
    assert not stack.state_file.exists()
    for port in ports:
        with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
            probe.connect(("127.0.0.1", port))
        with socket.socket() as probe:
            # SO_REUSEADDR tolerates closed connections in TIME_WAIT, never a listener.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", port))
