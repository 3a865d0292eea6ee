"""Entry point of the CDK app: `python -m infra.app` from the repository root.

`make synth` (rebound/synth.py) runs it offline into infra/cdk.out; the aws-cdk CLI (npm) runs
it for deploy through infra/cdk.json. Settings come from CDK context (see infra/config.py).
"""

from __future__ import annotations

import os

from aws_cdk import App

from infra.config import DeployConfig
from infra.stack import ReboundStack


def build(app: App) -> ReboundStack:
    """Add the Rebound stack for the stage named in the context to `app`."""
    # `chalice package` needs a region to name things even though the template is
    # environment-agnostic (it uses AWS::Region); any value will do at synth time.
    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION", "us-east-1"))
    return ReboundStack(app, DeployConfig.from_context(app.node))


def main() -> None:
    app = App()
    build(app)
    app.synth()


if __name__ == "__main__":
    main()
