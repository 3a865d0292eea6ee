"""The rule set activation handler (inline code of the custom resource), run here against a fake
SES client and a fake `cfnresponse`: it activates its own set, refuses to replace another active
one unless told to, and on delete deactivates only its own."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from infra.constructs.receiving import ACTIVATOR_CODE


class FakeSes:
    def __init__(self, active: str | None) -> None:
        self.active = active

    def describe_active_receipt_rule_set(self) -> dict[str, Any]:
        return {"Metadata": {"Name": self.active}} if self.active else {}

    # the keyword is boto3's: RuleSetName
    def set_active_receipt_rule_set(self, RuleSetName: str | None = None) -> None:
        self.active = RuleSetName


def _run(
    monkeypatch: pytest.MonkeyPatch, ses: FakeSes, request: str, replace: bool = False
) -> dict[str, Any]:
    sent: dict[str, Any] = {}
    fake_response = types.ModuleType("cfnresponse")
    fake_response.SUCCESS, fake_response.FAILED = "SUCCESS", "FAILED"  # type: ignore[attr-defined]

    def send(event: Any, context: Any, status: str, data: Any, physical: str, **kw: Any) -> None:
        sent.update(status=status, data=data, physical=physical, reason=kw.get("reason"))

    fake_response.send = send  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cfnresponse", fake_response)
    fake_boto3 = types.ModuleType("boto3")
    fake_boto3.client = lambda service: ses  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "boto3", fake_boto3)
    namespace: dict[str, Any] = {}
    # the handler exactly as CloudFormation gets it (inline ZipFile code)
    exec(compile(ACTIVATOR_CODE, "index.py", "exec"), namespace)
    event = {
        "RequestType": request,
        "ResourceProperties": {
            "RuleSetName": "rebound-prod",
            "ReplaceActiveRuleSet": "true" if replace else "false",
        },
    }
    namespace["handler"](event, None)
    return sent


@pytest.mark.parametrize("active", [None, "rebound-prod"])
def test_activates_its_own_set(monkeypatch: pytest.MonkeyPatch, active: str | None) -> None:
    ses = FakeSes(active)
    assert _run(monkeypatch, ses, "Create")["status"] == "SUCCESS"
    assert ses.active == "rebound-prod"


def test_refuses_to_replace_another_active_set(monkeypatch: pytest.MonkeyPatch) -> None:
    ses = FakeSes("corporate-inbound")
    sent = _run(monkeypatch, ses, "Create")
    assert sent["status"] == "FAILED"
    assert "corporate-inbound" in sent["reason"]
    assert "replace_active_rule_set=true" in sent["reason"]
    assert ses.active == "corporate-inbound"


def test_replaces_another_set_when_told(monkeypatch: pytest.MonkeyPatch) -> None:
    ses = FakeSes("corporate-inbound")
    sent = _run(monkeypatch, ses, "Update", replace=True)
    assert sent["status"] == "SUCCESS"
    assert sent["data"] == {"Previous": "corporate-inbound"}
    assert ses.active == "rebound-prod"


@pytest.mark.parametrize(("active", "after"), [("rebound-prod", None), ("other", "other")])
def test_delete_deactivates_only_its_own_set(
    monkeypatch: pytest.MonkeyPatch, active: str, after: str | None
) -> None:
    ses = FakeSes(active)
    assert _run(monkeypatch, ses, "Delete")["status"] == "SUCCESS"
    assert ses.active == after
