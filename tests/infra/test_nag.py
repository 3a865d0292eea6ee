"""cdk-nag's AwsSolutions and Serverless packs find no unacknowledged error, over the CDK tree
and over the SAM-expanded template (what `make synth` also checks), and every acknowledgment
carries a reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.nag import read_report
from rebound.synth import nag_findings
from tests.infra.template import Synthesized

pytestmark = pytest.mark.infra


def test_no_unacknowledged_errors_in_either_pass(synthesized: Synthesized) -> None:
    findings = nag_findings(synthesized.template_path.parent, synthesized.template_path)
    assert set(findings) == {"CDK tree", "SAM-expanded template"}
    for where, found in findings.items():
        errors = [str(f) for f in found if f.level == "error"]
        assert not errors, f"{where}:\n" + "\n".join(errors)


def test_the_packs_ran(synthesized: Synthesized) -> None:
    """A report with no nag plugin at all would pass the test above: the packs must have been
    attached (their acknowledgments land in the template's metadata)."""
    read_report(synthesized.template_path.parent)  # exists, or SystemExit
    acknowledged = [
        rule
        for resource in synthesized.resources.values()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]
    assert acknowledged
    for rule in acknowledged:
        assert len(rule["reason"]) > 40, f"{rule['id']} needs a real reason"


def test_the_chalice_functions_are_checked_after_expansion(synthesized: Synthesized) -> None:
    """The expanded pass sees the functions SAM makes (and their acknowledgments)."""
    from infra.nag import expand_sam

    expanded = expand_sam(synthesized.template)["Resources"]
    functions = [k for k, r in expanded.items() if r["Type"] == "AWS::Lambda::Function"]
    assert {"Ingest", "Summary", "AlertsCheck", "APIHandler"} <= set(functions)
    assert any(r["Type"] == "AWS::ApiGateway::Stage" for r in expanded.values())
    assert "cdk_nag" in expanded["Ingest"].get("Metadata", {})


def test_every_acknowledged_rule_still_fires(synthesized: Synthesized, tmp_path: Path) -> None:
    """Without the acknowledgments, every acknowledged rule is found again: a cause that was
    fixed leaves no stale excuse behind (one that would hide a new finding of that rule)."""
    from infra.nag import check_expanded

    template = json.loads(synthesized.template_path.read_text())
    acknowledged = {
        rule["id"]
        for resource in template["Resources"].values()
        for rule in resource.pop("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    }
    bare = tmp_path / "bare.template.json"
    bare.write_text(json.dumps(template))
    found = {finding.rule for finding in check_expanded(bare, tmp_path / "nag")}
    stale = sorted(acknowledged - found)
    assert not stale, f"acknowledged but no longer found: {stale}"
