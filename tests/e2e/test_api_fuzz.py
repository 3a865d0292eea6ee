"""No client input gets a 5xx: schemathesis drives every operation of the running local stack's
own OpenAPI document (its examples, coverage and fuzzing phases) with a tenant admin's key and
with a staff key, and every check it has must hold but one: positive_data_acceptance, because
a signed cursor or an existing tenant is a value it cannot make, so inputs the schema alone
allows may rightly get a 400 or 404. schemathesis.toml at the root holds the two settings that
differ from its defaults, each with its reason.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, Stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

EXAMPLES_PER_OPERATION = 8
SEED = 20261206


@pytest.mark.parametrize("who", ["admin", "staff"])
def test_no_input_gets_a_server_error(stack: Stack, who: str, tmp_path: Path) -> None:
    tenant = stack.state["tenants"][0]
    key = tenant["admin_api_key"] if who == "admin" else stack.state["staff_api_key"]
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        stack.state["api_url"] + "/v1/openapi.json",
        "-H",
        f"Authorization: Bearer {key}",
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--seed",
        str(SEED),
        "--no-color",
    ]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=540, check=False
    )
    summary = done.stdout[-6000:]
    (tmp_path / "schemathesis.txt").write_text(done.stdout + done.stderr)
    assert done.returncode == 0, summary
