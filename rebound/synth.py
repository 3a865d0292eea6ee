"""`make synth`: synthesize the CDK app offline into infra/cdk.out, lint it and nag it.

Runs `python -m infra.app` directly (the aws-cdk CLI would only run the same command, a few
seconds slower) with the context of infra/cdk.json, then:
- `cfn-lint --non-zero-exit-code error` on the stack template;
- cdk-nag's AwsSolutions and Serverless packs: over the CDK tree (during the synth itself) and
  over the SAM-expanded template (infra/nag.py), printing each unacknowledged finding;
- the size of the Lambda package (zipped and unzipped), the figure cold starts pay for.
It fails when cfn-lint or either nag pass reports an error. Nothing here talks to AWS: the
template is environment-agnostic, and `chalice package` inside the Chalice construct only needs
PyPI for a new requirements.txt (its dependency zip is cached in .chalice/deployments/).

    python -m rebound.synth [-c key=value ...] [--outdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from infra.nag import Finding, check_expanded, read_report, summary

REPO_ROOT = Path(__file__).resolve().parents[1]
CDK_JSON = REPO_ROOT / "infra" / "cdk.json"
DEFAULT_OUTDIR = REPO_ROOT / "infra" / "cdk.out"


def cdk_context(overrides: Sequence[str] = ()) -> dict[str, Any]:
    """infra/cdk.json's context with `key=value` overrides applied (as `cdk -c` would)."""
    context: dict[str, Any] = dict(json.loads(CDK_JSON.read_text()).get("context", {}))
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"-c expects key=value, got {item!r}")
        context[key] = value
    return context


# infra/app.py's exit code when cdk-nag found errors (the template is written all the same).
EXIT_NAG_ERRORS = 3


def synthesize(outdir: Path, context: dict[str, Any], *, allow_nag_errors: bool = True) -> Path:
    """Run the CDK app into `outdir` (emptied first); return the stack template's path.

    cdk-nag errors in the CDK tree leave a complete template behind; they are read from the
    validation report (`nag_findings`) rather than stopping here, unless `allow_nag_errors`
    is false."""
    shutil.rmtree(outdir, ignore_errors=True)
    env = {
        **os.environ,
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(context),
        # Debian's Node 20 is past end-of-life; jsii would print a banner on every run.
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    result = subprocess.run(
        [sys.executable, "-m", "infra.app"], cwd=REPO_ROOT, env=env, check=False
    )
    if result.returncode and not (allow_nag_errors and result.returncode == EXIT_NAG_ERRORS):
        raise SystemExit(f"synth failed (infra.app exit {result.returncode})")
    manifest = json.loads((outdir / "manifest.json").read_text())
    templates = [
        outdir / artifact["properties"]["templateFile"]
        for artifact in manifest["artifacts"].values()
        if artifact["type"] == "aws:cloudformation:stack"
    ]
    if len(templates) != 1:
        raise SystemExit(f"expected one stack in {outdir}, found {len(templates)}")
    return templates[0]


def lint(template: Path) -> int:
    """cfn-lint's exit code: non-zero only for errors (warnings are printed, not fatal)."""
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    command = [str(cfn_lint) if cfn_lint.exists() else "cfn-lint"]
    # The venv's cfn-lint script (cfnlint has no __main__); argv is fixed here.
    result = subprocess.run(  # noqa: S603
        [*command, "--non-zero-exit-code", "error", str(template)], check=False
    )
    return result.returncode


def nag_findings(outdir: Path, template: Path) -> dict[str, list[Finding]]:
    """Unacknowledged cdk-nag findings: of the CDK tree, and of the SAM-expanded template."""
    return {
        "CDK tree": read_report(outdir),
        "SAM-expanded template": check_expanded(template, outdir / "nag-expanded"),
    }


def package_size(outdir: Path) -> tuple[Path, int, int]:
    """The Lambda package Chalice built (its CDK asset): path, zipped and unzipped bytes."""
    manifest = json.loads(next(outdir.glob("*.assets.json")).read_text())
    zips = [
        outdir / entry["source"]["path"]
        for entry in manifest["files"].values()
        if entry["source"]["path"].endswith(".zip") and (outdir / entry["source"]["path"]).is_file()
    ]
    (package,) = [path for path in zips if _zip_has(path, "app.py")]
    with zipfile.ZipFile(package) as archive:
        unzipped = sum(info.file_size for info in archive.infolist())
    return package, package.stat().st_size, unzipped


def _zip_has(path: Path, name: str) -> bool:
    with zipfile.ZipFile(path) as archive:
        return name in archive.namelist()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rebound.synth", description=__doc__)
    parser.add_argument("-c", "--context", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--outdir", type=Path, default=DEFAULT_OUTDIR)
    args = parser.parse_args(argv)

    started = time.monotonic()
    template = synthesize(args.outdir, cdk_context(args.context))
    synthesized = time.monotonic()
    resources = json.loads(template.read_text())["Resources"]
    shown = template.relative_to(REPO_ROOT) if template.is_relative_to(REPO_ROOT) else template
    print(f"synth: {shown} ({len(resources)} resources) in {synthesized - started:.1f}s")
    code = lint(template)
    linted = time.monotonic()
    print(
        f"cfn-lint: {'no errors' if code == 0 else f'errors (exit {code})'}"
        f" in {linted - synthesized:.1f}s"
    )
    for where, findings in nag_findings(args.outdir, template).items():
        for finding in findings:
            print(f"  {finding}")
        print(f"cdk-nag (AwsSolutions, Serverless) over the {where}: {summary(findings)}")
        if any(finding.level == "error" for finding in findings):
            code = code or 1
    acknowledged = sum(
        len(resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []))
        for resource in resources.values()
    )
    print(
        f"cdk-nag: {acknowledged} acknowledgments with their reasons in the template's metadata;"
        f" {time.monotonic() - linted:.1f}s"
    )
    package, zipped, unzipped = package_size(args.outdir)
    print(
        f"lambda package: {zipped / 1e6:.1f} MB zipped, {unzipped / 1e6:.1f} MB unzipped "
        f"({package.name})"
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
