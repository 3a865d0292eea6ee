"""The local stack as a person runs it: `rebound local` in a subprocess (ports chosen by the
OS), one per test module (starting it is the expensive part)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    state_file: Path
    log: Path
    state: dict[str, Any]

    def tenant(self, tenant: str) -> dict[str, str]:
        return next(t for t in self.state["tenants"] if t["id"] == tenant)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def _environment(state_file: Path) -> dict[str, str]:
    env = dict(os.environ)
    # The stack starts its own moto; nothing of this test session's AWS may leak in.
    for name in ("AWS_ENDPOINT_URL", "MOTO_PORT", "REBOUND_OUTBOX"):
        env.pop(name, None)
    # Commands find this stack, never one a developer runs in the checkout.
    env["REBOUND_STATE_FILE"] = str(state_file)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("local-stack")
    state_file, log = folder / "local.json", folder / "stack.log"
    command = [sys.executable, "-m", "rebound.cli", "local", "--api-port", "0", "--smtp-port"]
    command += ["0", "--state-file", str(state_file), "--outbox", str(folder / "outbox")]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=_environment(state_file), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not state_file.exists():
            if process.poll() is not None:
                pytest.fail(f"rebound local exited with {process.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"rebound local not ready in {START_TIMEOUT}s:\n{log.read_text()}")
            time.sleep(0.05)
        yield Stack(process, state_file, log, json.loads(state_file.read_text()))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
