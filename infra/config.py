"""Deployment settings: CDK context values with their defaults, validated once.

Set them with `-c key=value` on the cdk CLI or in infra/cdk.json's "context".

A development stage (`dev`) synthesizes with the example defaults so that `make synth` and the
tests need no account. Any other stage is deployed for real: `DeployConfig.check_deployable`
refuses, with what to set, a sender, alarm address or inbound domain that is empty or an example
domain, and a region where SES cannot receive mail.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constructs import Node

from chalicelib.config import RetentionSettings
from infra import names

_RETENTION = RetentionSettings()

REPO_ROOT = Path(__file__).resolve().parents[1]
CHALICE_CONFIG = REPO_ROOT / ".chalice" / "config.json"

# Stages synthesized with example settings (no real domain, no alarm address): `make synth` and
# the tests (infra/cdk.json's stage). Every other stage is checked as a real deployment.
DEVELOPMENT_STAGES = frozenset({"dev"})
# Domains reserved for documentation and tests (RFC 2606 section 3, RFC 6761 section 6).
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TOP_LEVEL_DOMAINS = frozenset({"example", "test", "invalid", "localhost", "local"})
# Regions where SES receives mail: the "Email receiving endpoints" table of the AWS General
# Reference, "Amazon Simple Email Service endpoints and quotas"
# (https://docs.aws.amazon.com/general/latest/gr/ses.html); the MX record points at
# inbound-smtp.<region>.amazonaws.com. Add a region here when AWS adds it to that table.
SES_RECEIVING_REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "ap-southeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
)


@dataclass(frozen=True, slots=True)
class DeployConfig:
    """What differs between deployments of the same code."""

    stage: str = names.DEFAULT_STAGE
    # The region the stack is deployed to: context `region`, else the cdk CLI's
    # CDK_DEFAULT_REGION (from the profile), else AWS_REGION / AWS_DEFAULT_REGION. Empty: unknown.
    region: str = ""
    inbound_domain: str = "bounces.example.com"
    inbound_local_part: str = "groupmessaging"
    mail_from: str = "Rebound <no-reply@example.com>"
    staff_addresses: tuple[str, ...] = field(default=())
    # Empty: the summary links to the API Gateway URL of this stack.
    report_url: str = ""
    # Empty: the alarm topic has no subscription (subscribe by hand or set it).
    alarm_email: str = ""
    # Route 53 public hosted zone of the inbound domain (or a parent of it): when both are set
    # the stack verifies the domain (DKIM records) and publishes its MX record there.
    hosted_zone_id: str = ""
    hosted_zone_name: str = ""
    # SES has one active receipt rule set per account and region. The stack activates its own
    # and refuses to deactivate another one unless this is true.
    replace_active_rule_set: bool = False
    # API Gateway logs to CloudWatch through one role per account and region. True: this stack
    # sets it (AWS::ApiGateway::Account); false when the account already has one.
    manage_api_gateway_account: bool = True
    # WAF's rate rule: requests one client address may make in any 5 minutes before WAF blocks
    # it. Raise it when the MMS calls from one NAT address at more than ~3 requests/s.
    waf_rate_limit: int = 1000
    # The bucket's lifecycle (inbound/, exports/) and the functions' TTLs of the records that
    # point at that mail use the same days: one default, chalicelib.config.RetentionSettings.
    inbound_retention_days: int = _RETENTION.inbound_days
    exports_retention_days: int = _RETENTION.exports_days
    log_level: str = "INFO"

    @property
    def is_development(self) -> bool:
        return self.stage in DEVELOPMENT_STAGES

    @property
    def has_hosted_zone(self) -> bool:
        return bool(self.hosted_zone_id and self.hosted_zone_name)

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
        if not 10 <= self.waf_rate_limit <= 2_000_000_000:
            raise ValueError("waf_rate_limit is between 10 and 2,000,000,000 (WAF's limits)")
        if bool(self.hosted_zone_id) != bool(self.hosted_zone_name):
            raise ValueError("set hosted_zone_id and hosted_zone_name together (or neither)")
        if self.hosted_zone_name and not _within(self.inbound_domain, self.hosted_zone_name):
            raise ValueError(
                f"inbound_domain {self.inbound_domain} is not in hosted zone "
                f"{self.hosted_zone_name}"
            )

    def deploy_problems(self) -> list[str]:
        """What must be set before this stage can be deployed (empty for a development stage)."""
        if self.is_development:
            return []
        problems = []
        if _is_placeholder(self.mail_from_domain):
            problems.append(
                "mail_from: set the sender of staff mail, e.g. "
                "-c 'mail_from=Rebound <no-reply@bounces.yourdomain>' (SES-verified identity)"
            )
        if not self.alarm_email or _is_placeholder(self.alarm_email.rsplit("@", 1)[-1]):
            problems.append(
                "alarm_email: set who hears the alarms, e.g. -c alarm_email=ops@yourdomain"
            )
        if _is_placeholder(self.inbound_domain):
            problems.append(
                "inbound_domain: set the domain of the GroupMessaging address, e.g. "
                "-c inbound_domain=bounces.yourdomain (its MX record will point at SES)"
            )
        if not self.region:
            problems.append(
                "region: unknown; set -c region=<one of "
                f"{', '.join(SES_RECEIVING_REGIONS)}> or AWS_REGION"
            )
        elif self.region not in SES_RECEIVING_REGIONS:
            problems.append(
                f"region: SES cannot receive mail in {self.region}; deploy to one of "
                f"{', '.join(SES_RECEIVING_REGIONS)} (-c region=...)"
            )
        return problems

    def check_deployable(self) -> None:
        problems = self.deploy_problems()
        if problems:
            raise DeployConfigError(
                f"stage {self.stage!r} cannot be deployed as configured:\n"
                + "\n".join(f"  - {problem}" for problem in problems)
                + "\n(infra/cdk.json or -c key=value; see README 'First deployment')"
            )

    @classmethod
    def from_context(cls, node: Node) -> DeployConfig:
        defaults = cls()

        def get(key: str, default: Any) -> Any:
            value = node.try_get_context(key)
            return default if value is None else value

        staff = get("staff_addresses", "")
        if isinstance(staff, str):
            staff = [part.strip() for part in staff.split(",") if part.strip()]
        region = str(
            get("region", "")
            or os.environ.get("CDK_DEFAULT_REGION")
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or ""
        )
        return cls(
            stage=str(get("stage", defaults.stage)),
            region=region,
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
            hosted_zone_id=str(get("hosted_zone_id", "")),
            hosted_zone_name=str(get("hosted_zone_name", "")).lower().rstrip("."),
            replace_active_rule_set=_flag(get("replace_active_rule_set", False)),
            manage_api_gateway_account=_flag(get("manage_api_gateway_account", True)),
            waf_rate_limit=int(get("waf_rate_limit", defaults.waf_rate_limit)),
        )


class DeployConfigError(ValueError):
    """A setting a real deployment cannot do without; the message says what to set."""


def _flag(value: Any) -> bool:
    # `-c key=value` always arrives as a string; cdk.json may hold a real boolean.
    return value is True or str(value).strip().lower() in {"true", "1", "yes"}


def _within(domain: str, zone: str) -> bool:
    return domain == zone or domain.endswith("." + zone)


def _is_placeholder(domain: str) -> bool:
    """Empty, or a domain reserved for examples and tests (RFC 2606, RFC 6761): mail to it
    goes nowhere, so a deployment configured with it cannot work."""
    domain = domain.strip().lower().rstrip(".")
    if not domain or "." not in domain:
        return True
    return (
        any(_within(domain, reserved) for reserved in RESERVED_DOMAINS)
        or domain.rsplit(".", 1)[-1] in RESERVED_TOP_LEVEL_DOMAINS
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
