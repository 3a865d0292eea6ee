"""cdk-nag (AwsSolutions and Serverless packs) over the CDK tree and over the SAM-expanded template.

cdk-nag 3.x is a CDK policy-validation plugin: `attach_nag_packs(app)` registers both packs on
the App, so every synth (`make synth`, `cdk deploy`) validates the tree and writes its findings
to `<outdir>/validation-report.json`. The packs cannot look inside what Chalice emits as
`AWS::Serverless::Function` / `AWS::Serverless::Api`, so `check_expanded` expands the
synthesized template offline with aws-sam-translator (a managed-policy loader that loads
nothing: no call to IAM) and loads the result into a second, throw-away App with `CfnInclude`,
where the same packs see the Lambda functions, the REST API, its stage and deployment.

Acknowledgments (cdk-nag 3's suppressions) are written in infra/ with `acknowledge(construct,
rule, reason)` next to the resource they excuse. The first pass writes them into each
resource's CloudFormation Metadata (`cdk_nag.rules_to_suppress`, the plugin's
`write_suppressions_to_cloud_formation`); SAM passes a function's or API's Metadata on to the
resources it expands into (`passthrough_metadata`), and the second pass acknowledges the same
rules on the included resources. One reason, written once, serves both passes.

    python -m infra.nag TEMPLATE OUTDIR   # the second pass alone (rebound.synth runs it)
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import Acknowledgment, App, CfnElement, Stack, Validations
from constructs import IConstruct

REPORT_FILE = "validation-report.json"
PACKS = ("AwsSolutions", "Serverless")


def attach_nag_packs(app: App) -> None:
    """Register the AwsSolutions and Serverless packs as validation plugins of `app`."""
    from cdk_nag import AwsSolutionsChecks, ServerlessChecks

    Validations.of(app).add_plugins(
        AwsSolutionsChecks(app, verbose=True, write_suppressions_to_cloud_formation=True),
        ServerlessChecks(app, verbose=True, write_suppressions_to_cloud_formation=True),
    )


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """Suppress one cdk-nag finding on `construct` (and its children), with why it is right."""
    Validations.of(construct).acknowledge(Acknowledgment(id=rule, reason=reason))


def logical_id(construct: IConstruct) -> str:
    """The logical id cdk-nag prints (as `<Id.Arn>`) for a construct's CloudFormation resource,
    so that an acknowledgment can name one finding exactly."""
    resource = construct.node.default_child or construct
    assert isinstance(resource, CfnElement), f"{construct.node.path} is no CloudFormation element"
    return str(Stack.of(construct).resolve(resource.logical_id))


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    level: str  # "error" or "warning" (cdk-nag's NagMessageLevel)
    resource: str  # construct path or logical id
    description: str

    def __str__(self) -> str:
        return f"{self.level:7} {self.rule} at {self.resource}: {self.description}"


def read_report(outdir: Path) -> list[Finding]:
    """The unacknowledged findings of the nag packs in `outdir`'s validation report."""
    path = outdir / REPORT_FILE
    if not path.exists():
        raise SystemExit(f"{path} is missing: were the nag packs attached to the app?")
    report = json.loads(path.read_text())
    findings = []
    for plugin in report.get("pluginReports", []):
        if plugin.get("pluginName") not in PACKS:
            continue  # CDK's own template validation: cfn-lint covers the same ground
        for violation in plugin.get("violations", []):
            for construct in violation.get("violatingConstructs", []):
                findings.append(
                    Finding(
                        rule=str(violation["ruleName"]),
                        level=str(violation.get("severity", "error")).lower(),
                        resource=str(construct.get("constructPath", "?")),
                        description=str(violation.get("description", "")).split(". ")[0],
                    )
                )
    return findings


def summary(findings: list[Finding]) -> str:
    counts = Counter(f.level for f in findings)
    return f"{counts['error']} errors, {counts['warning']} warnings"


class _NoManagedPolicies:
    """aws-sam-translator asks for AWS managed policy ARNs only when a function names one by
    name; Chalice's functions name none (their roles are ours), so nothing is ever loaded."""

    def load(self) -> dict[str, str]:
        return {}


def expand_sam(template: dict[str, Any]) -> dict[str, Any]:
    """The template with its AWS::Serverless::* resources expanded as CloudFormation would."""
    from samtranslator.translator.transform import transform

    # The translator names the region of ARNs it builds; the template itself stays
    # region-agnostic (AWS::Region), so any region will do for checking it.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    expanded: dict[str, Any] = transform(
        json.loads(json.dumps(template)),
        {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"},
        _NoManagedPolicies(),  # type: ignore[arg-type]
        passthrough_metadata=True,
    )
    return expanded


def _inherit_metadata(original: dict[str, Any], expanded: dict[str, Any]) -> None:
    """Resources SAM adds beside a function or API (its stage, deployment, permissions) get the
    acknowledgments of the resource they were made from: SAM names them after it."""
    sources = {
        logical_id: resource.get("Metadata", {})
        for logical_id, resource in original["Resources"].items()
        if resource["Type"].startswith("AWS::Serverless::") and resource.get("Metadata")
    }
    for logical_id, resource in expanded["Resources"].items():
        if logical_id in original["Resources"] or resource.get("Metadata"):
            continue
        parents = [source for source in sources if logical_id.startswith(source)]
        if parents:
            resource["Metadata"] = sources[max(parents, key=len)]


def check_expanded(template_path: Path, outdir: Path) -> list[Finding]:
    """Run both packs over the SAM-expanded template; return the unacknowledged findings."""
    from aws_cdk.cloudformation_include import CfnInclude

    original = json.loads(template_path.read_text())
    expanded = expand_sam(original)
    _inherit_metadata(original, expanded)
    # The throw-away stack adds its own bootstrap-version check; drop the copy in the template.
    expanded.get("Parameters", {}).pop("BootstrapVersion", None)
    expanded.get("Rules", {}).pop("CheckBootstrapVersion", None)
    outdir.mkdir(parents=True, exist_ok=True)
    expanded_path = outdir / "expanded.template.json"
    expanded_path.write_text(json.dumps(expanded, indent=1))

    app = App(outdir=str(outdir / "assembly"))
    attach_nag_packs(app)
    stack = Stack(app, "Expanded")
    included = CfnInclude(stack, "Template", template_file=str(expanded_path))
    for logical_id, resource in expanded["Resources"].items():
        rules = resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
        for rule in rules:
            acknowledge(included.get_resource(logical_id), rule["id"], rule["reason"])
    try:
        app.synth()
    except Exception as error:  # the plugins fail the synth on errors; the report says which
        if "alidation" not in str(error):
            raise
    return read_report(outdir / "assembly")


def main(argv: list[str]) -> int:
    template, outdir = Path(argv[0]), Path(argv[1])
    findings = check_expanded(template, outdir)
    for finding in findings:
        print(finding)
    print(f"cdk-nag (SAM-expanded template): {summary(findings)}")
    return 1 if any(f.level == "error" for f in findings) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
