"""`make synth`: synthesize the CDK app offline into infra/cdk.out and lint the template.

Runs `python -m infra.app` directly (the aws-cdk CLI would only run the same command, a few
seconds slower) with the context of infra/cdk.json, then `cfn-lint --non-zero-exit-code error`
on the stack template. Nothing here talks to AWS: the template is environment-agnostic, and
`chalice package` inside the Chalice construct only needs PyPI for a new requirements.txt
(its dependency zip is cached in .chalice/deployments/).

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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


def synthesize(outdir: Path, context: dict[str, Any]) -> Path:
    """Run the CDK app into `outdir` (emptied first); return the stack template's path."""
    shutil.rmtree(outdir, ignore_errors=True)
    env = {
        **os.environ,
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(context),
        # Debian's Node 20 is past end-of-life; jsii would print a banner on every run.
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    subprocess.run([sys.executable, "-m", "infra.app"], cwd=REPO_ROOT, env=env, check=True)
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
    print(
        f"cfn-lint: {'no errors' if code == 0 else f'errors (exit {code})'}"
        f" in {time.monotonic() - synthesized:.1f}s"
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
