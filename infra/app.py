"""Entry point of the CDK app: `python -m infra.app` from the repository root.

`make synth` (rebound/synth.py) runs it offline into infra/cdk.out; the aws-cdk CLI (npm) runs
it for deploy through infra/cdk.json. Settings come from CDK context (see infra/config.py).
cdk-nag's AwsSolutions and Serverless packs validate every synth (infra/nag.py).

Exit codes: 0 synthesized; 2 the settings cannot be deployed (the message says what to set);
3 cdk-nag found errors (the template is written; `<outdir>/validation-report.json` lists them).
"""

from __future__ import annotations

import os
import sys

from aws_cdk import App, Environment

from infra.config import DeployConfig, DeployConfigError
from infra.nag import attach_nag_packs
from infra.stack import ReboundStack

EXIT_NOT_DEPLOYABLE = 2
EXIT_NAG_ERRORS = 3


def build(app: App) -> ReboundStack:
    """Add the Rebound stack for the stage named in the context to `app`."""
    config = DeployConfig.from_context(app.node)
    config.check_deployable()
    # `chalice package` needs a region to name things even though the template is
    # environment-agnostic (it uses AWS::Region); any value will do for a development synth.
    os.environ.setdefault("AWS_DEFAULT_REGION", config.region or "us-east-1")
    # A real stage is bound to the region its settings were checked for (SES receiving).
    env = Environment(region=config.region) if config.region and not config.is_development else None
    return ReboundStack(app, config, env=env)


def main() -> int:
    # CDK's built-in template validation does not know SAM (it warns about `Ref RestAPI.Stage`,
    # which the Serverless transform resolves); cfn-lint, which does, checks every template.
    app = App(builtin_cloud_formation_validation=False)
    attach_nag_packs(app)
    try:
        build(app)
    except DeployConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_NOT_DEPLOYABLE
    try:
        app.synth()
    except RuntimeError as error:
        # The policy-validation plugins fail the synth after printing their findings.
        if "ValidationFailed" not in str(error):
            raise
        print(f"cdk-nag: {error}", file=sys.stderr)
        return EXIT_NAG_ERRORS
    return 0


if __name__ == "__main__":
    sys.exit(main())
