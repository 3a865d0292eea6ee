"""One CDK synth per test session, shared by every infra test.

The synth runs in a child process (rebound.synth, the same code as `make synth`): `chalice
package` imports app.py, and importing it here, before the integration tests point AWS
clients at moto, would leave a module behind that talks to the wrong endpoint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rebound.synth import cdk_context, synthesize

# Set on purpose so the optional parts (alarm subscription, staff list) are synthesized too.
TEST_CONTEXT = {
    "alarm_email": "ops@example.com",
    "staff_addresses": "staff@example.com,desk@example.org",
}


@dataclass(frozen=True)
class Synthesized:
    template_path: Path
    template: dict[str, Any]
    context: dict[str, Any]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.template["Resources"])

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.resources.items()
            if resource["Type"] == resource_type
        }

    def one(self, resource_type: str) -> dict[str, Any]:
        found = self.of_type(resource_type)
        assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
        return next(iter(found.values()))


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    context = cdk_context([f"{key}={value}" for key, value in TEST_CONTEXT.items()])
    template_path = synthesize(tmp_path_factory.mktemp("cdk") / "cdk.out", context)
    return Synthesized(template_path, json.loads(template_path.read_text()), context)
