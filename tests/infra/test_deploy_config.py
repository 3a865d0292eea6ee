"""A real (non-development) stage cannot be synthesized with settings that would make a stack
that does not work: an example sender, nobody to alarm, an example inbound domain, or a region
where SES cannot receive mail. The message says what to set."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from infra.config import DeployConfig, DeployConfigError
from rebound.synth import REPO_ROOT

GOOD = {
    "stage": "prod",
    "region": "eu-west-1",
    "inbound_domain": "bounces.mms.dev",
    "mail_from": "Rebound <no-reply@mms.dev>",
    "alarm_email": "ops@mms.dev",
}


def test_a_complete_real_stage_is_deployable() -> None:
    DeployConfig(**GOOD).check_deployable()  # type: ignore[arg-type]


def test_the_development_stage_may_use_examples() -> None:
    assert DeployConfig(stage="dev").deploy_problems() == []


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("mail_from", "Rebound <no-reply@example.com>", "mail_from"),
        ("alarm_email", "", "alarm_email"),
        ("alarm_email", "ops@example.org", "alarm_email"),
        ("inbound_domain", "bounces.example.com", "inbound_domain"),
        ("inbound_domain", "bounces.rebound.test", "inbound_domain"),
        ("region", "", "region: unknown"),
        ("region", "eu-south-1", "SES cannot receive mail in eu-south-1"),
    ],
)
def test_each_missing_setting_is_named(key: str, value: str, says: str) -> None:
    config = DeployConfig(**{**GOOD, key: value})  # type: ignore[arg-type]
    with pytest.raises(DeployConfigError) as raised:
        config.check_deployable()
    assert says in str(raised.value)
    assert len(config.deploy_problems()) == 1


def test_hosted_zone_must_contain_the_inbound_domain() -> None:
    with pytest.raises(ValueError, match="not in hosted zone"):
        DeployConfig(**GOOD, hosted_zone_id="Z1", hosted_zone_name="other.dev")  # type: ignore[arg-type]


@pytest.mark.infra
def test_synth_of_prod_with_the_defaults_fails_with_what_to_set(tmp_path: object) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CDK_DEFAULT_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"}
    }
    env["CDK_CONTEXT_JSON"] = '{"stage": "prod"}'
    env["CDK_OUTDIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "infra.app"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 2
    for key in ("mail_from", "alarm_email", "inbound_domain", "region"):
        assert f"  - {key}" in result.stderr


def test_waf_rate_limit_is_within_wafs_limits() -> None:
    with pytest.raises(ValueError, match="waf_rate_limit"):
        DeployConfig(**GOOD, waf_rate_limit=5)  # type: ignore[arg-type]


def test_lifecycle_defaults_are_the_ttl_defaults() -> None:
    """One default for the bucket's lifecycle and the items' TTLs (docs/retention.md)."""
    from chalicelib.config import RetentionSettings

    config, retention = DeployConfig(), RetentionSettings()
    assert config.inbound_retention_days == retention.inbound_days == 400
    assert config.exports_retention_days == retention.exports_days == 7
