"""A real stage with every required setting synthesizes, binds the stack to its SES receiving
region, publishes MX and DKIM in the given hosted zone, and is as nag-clean as the dev stage.

One more synth (the dev stage is the session's shared one): the prod stage packages
.chalice/config.json's `prod` stage, which nothing else synthesizes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rebound.synth import cdk_context, nag_findings, synthesize

pytestmark = pytest.mark.infra

PROD_CONTEXT = {
    "stage": "prod",
    "region": "eu-west-1",
    "inbound_domain": "bounces.mms.dev",
    "mail_from": "Rebound <no-reply@bounces.mms.dev>",
    "alarm_email": "ops@mms.dev",
    "hosted_zone_id": "Z0123456789ABC",
    "hosted_zone_name": "mms.dev",
}


def test_prod_stage_synthesizes_in_its_region_and_is_nag_clean(tmp_path: Path) -> None:
    context = cdk_context([f"{key}={value}" for key, value in PROD_CONTEXT.items()])
    outdir = tmp_path / "cdk.out"
    template_path = synthesize(outdir, context)
    manifest = json.loads((outdir / "manifest.json").read_text())
    (stack,) = [a for a in manifest["artifacts"].values() if a["type"].endswith("stack")]
    assert stack["environment"].endswith("/eu-west-1")
    resources = json.loads(template_path.read_text())["Resources"]
    ingest = resources["Ingest"]["Properties"]
    assert "stage=prod:" in ingest["Tags"]["aws-chalice"]
    assert ingest["Timeout"] == 60  # the per-function settings of .chalice/config.json
    records = [
        r["Properties"] for r in resources.values() if r["Type"] == "AWS::Route53::RecordSet"
    ]
    assert {r["Type"] for r in records} == {"MX", "CNAME"}
    for where, findings in nag_findings(outdir, template_path).items():
        assert not [f for f in findings if f.level == "error"], where
