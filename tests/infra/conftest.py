"""One CDK synth per test session, shared by every infra test.

The synth runs in a child process (rebound.synth, the same code as `make synth`): `chalice
package` imports app.py, and importing it here, before the integration tests point AWS
clients at moto, would leave a module behind that talks to the wrong endpoint.
"""

from __future__ import annotations

import json

import pytest

from rebound.synth import cdk_context, synthesize
from tests.infra.template import Synthesized

# Set on purpose so the optional parts (alarm subscription, staff list) are synthesized too.
TEST_CONTEXT = {
    "alarm_email": "ops@example.com",
    "staff_addresses": "staff@example.com,desk@example.org",
    # Not the defaults: a test sees that the functions' TTLs follow the bucket's lifecycle.
    "inbound_retention_days": "390",
    "exports_retention_days": "6",
}


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    context = cdk_context([f"{key}={value}" for key, value in TEST_CONTEXT.items()])
    template_path = synthesize(tmp_path_factory.mktemp("cdk") / "cdk.out", context)
    return Synthesized(template_path, json.loads(template_path.read_text()), context)
