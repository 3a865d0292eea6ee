"""Deployment settings: CDK context values with their defaults, validated once.

Set them with `-c key=value` on the cdk CLI or in infra/cdk.json's "context".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constructs import Node

from infra import names

REPO_ROOT = Path(__file__).resolve().parents[1]
CHALICE_CONFIG = REPO_ROOT / ".chalice" / "config.json"


@dataclass(frozen=True, slots=True)
class DeployConfig:
    """What differs between deployments of the same code."""

    stage: str = names.DEFAULT_STAGE
    inbound_domain: str = "bounces.example.com"
    inbound_local_part: str = "groupmessaging"
    mail_from: str = "Rebound <no-reply@example.com>"
    staff_addresses: tuple[str, ...] = field(default=())
    # Empty: the summary links to the API Gateway URL of this stack.
    report_url: str = ""
    # Empty: the alarm topic has no subscription (subscribe by hand or set it).
    alarm_email: str = ""
    inbound_retention_days: int = 400
    exports_retention_days: int = 7
    log_level: str = "INFO"

    @property
    def inbound_address(self) -> str:
        return f"{self.inbound_local_part}@{self.inbound_domain}"

    @property
    def mail_from_address(self) -> str:
        """The bare address of `mail_from` ("Name <a@b>" or "a@b")."""
        return self.mail_from.rsplit("<", 1)[-1].rstrip(">").strip()

    @property
    def mail_from_domain(self) -> str:
        return self.mail_from_address.rsplit("@", 1)[-1]

    def __post_init__(self) -> None:
        if "@" in self.inbound_domain or "+" in self.inbound_local_part:
            raise ValueError("inbound_domain is a bare domain; inbound_local_part has no +tag")
        if self.mail_from_address.lower() == self.inbound_address.lower():
            # ARCHITECTURE: nothing is ever sent from GroupMessaging@.
            raise ValueError("mail_from must not be the GroupMessaging address")
        if self.inbound_retention_days < 1 or self.exports_retention_days < 1:
            raise ValueError("retention days must be positive")

    @classmethod
    def from_context(cls, node: Node) -> DeployConfig:
        defaults = cls()

        def get(key: str, default: Any) -> Any:
            value = node.try_get_context(key)
            return default if value is None else value

        staff = get("staff_addresses", "")
        if isinstance(staff, str):
            staff = [part.strip() for part in staff.split(",") if part.strip()]
        return cls(
            stage=str(get("stage", defaults.stage)),
            inbound_domain=str(get("inbound_domain", defaults.inbound_domain)).lower(),
            inbound_local_part=str(get("inbound_local_part", defaults.inbound_local_part)).lower(),
            mail_from=str(get("mail_from", defaults.mail_from)),
            staff_addresses=tuple(staff),
            report_url=str(get("report_url", defaults.report_url)),
            alarm_email=str(get("alarm_email", defaults.alarm_email)),
            inbound_retention_days=int(
                get("inbound_retention_days", defaults.inbound_retention_days)
            ),
            exports_retention_days=int(
                get("exports_retention_days", defaults.exports_retention_days)
            ),
            log_level=str(get("log_level", defaults.log_level)),
        )


def chalice_function_setting(stage: str, function: str, key: str) -> Any:
    """A per-function value of .chalice/config.json, looked up the way Chalice does."""
    config = json.loads(CHALICE_CONFIG.read_text())
    stage_config = config.get("stages", {}).get(stage, {})
    for scope in (
        stage_config.get("lambda_functions", {}).get(function, {}),
        stage_config,
        config.get("lambda_functions", {}).get(function, {}),
        config,
    ):
        if scope.get(key) is not None:
            return scope[key]
    raise KeyError(f".chalice/config.json sets no {key} for {function} in stage {stage}")
