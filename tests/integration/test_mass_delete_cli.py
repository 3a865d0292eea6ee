"""`rebound mass-delete` against the API: create, approve --follow (progress bar), status, list,
undo. HTTP is replaced by chalice.test.Client (same routes, same bodies, same errors)."""

from __future__ import annotations

import argparse
import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

import app as chalice_app
from chalicelib import wiring
from chalicelib.config import Settings
from rebound import massdelete_cmd
from rebound.provision import provision_mass_delete
from tests.integration.helpers import seed_counted_bounces, setup_tenant, staff_key
from tests.integration.test_mass_delete_workflow import T0

pytestmark = pytest.mark.integration
logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)


@pytest.fixture
def cli(aws: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    provision_mass_delete(Settings.from_env())
    keys = setup_tenant("riverside")
    state = tmp_path / "local.json"
    state.write_text(
        json.dumps(
            {
                "api_url": "http://api.invalid",
                "tenants": [
                    {"id": "riverside", "api_key": keys["viewer"], "admin_api_key": keys["admin"]}
                ],
                "staff_api_key": staff_key(),
            }
        )
    )
    monkeypatch.setattr(massdelete_cmd, "STATE_FILE", state)
    client = Client(chalice_app.app)

    def call(self: massdelete_cmd.Api, method: str, path: str = "", body: Any = None) -> Any:
        url = f"/v1/tenants/{self.tenant}/mass-deletes{path}"
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}
        send = getattr(client.http, method.lower())
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs["body"] = json.dumps(body)
        response = send(url, **kwargs)
        payload = json.loads(response.body or b"null")
        if response.status_code >= 400:
            raise massdelete_cmd.ApiError(response.status_code, payload.get("Message", ""))
        return payload

    monkeypatch.setattr(massdelete_cmd.Api, "call", call)

    def run(*argv: str) -> tuple[int, str]:
        parser = argparse.ArgumentParser()
        massdelete_cmd.configure(parser, "mass-delete")
        out = io.StringIO()
        code = massdelete_cmd.run(parser.parse_args(argv), "mass-delete", out)
        return code, out.getvalue()

    return run


def test_create_approve_follow_undo(cli: Any) -> None:
    seed_counted_bounces("riverside", "ann@example.net", 2, T0)
    seed_counted_bounces("riverside", "bob@example.org", 1, T0)
    code, out = cli("create", "--filter", "domain=example.net", "--remove-emails", "--note", "t1")
    assert code == 0, out
    job_id = out.split()[0]
    assert "selected: 1 addresses, 4 records" in out  # counter, 2 entries, 1 marker
    code, out = cli("--staff", "approve", job_id, "--follow")
    assert code == 0, out
    assert "[" + "#" * massdelete_cmd.BAR_WIDTH + "] 1/1 addresses, 4 records deleted" in out
    assert out.rstrip().endswith("succeeded")
    assert wiring.counters().get_counter("riverside", "ann@example.net") is None
    code, out = cli("list")
    assert job_id in out
    code, out = cli("undo", job_id)
    assert code == 0
    assert "restored 1 addresses (4 records, 0 kept newer), 0 remaining" in out
    assert wiring.counters().get_counter("riverside", "ann@example.net") is not None
    code, out = cli("audit")
    assert [json.loads(line)["action"] for line in out.splitlines()] == [
        "undone",
        "approved",
        "planned",
    ]


def test_refusals_exit_1_with_the_reason(cli: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = cli("create", "--filter", "hard=maybe")
    assert code == 1
    assert "filter.hard: expected `bool`, got `str`" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="--filter NAME=VALUE"):
        cli("create")
