"""The Lambda package: runtime dependencies pinned completely, and only the botocore models of
services the code calls (the pinned SDK is kept; see infra/constructs/chalice_app.py)."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from importlib.metadata import requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from infra.constructs.chalice_app import BOTOCORE_DATA, SDK_SERVICES
from rebound.requirements import ROOT, render
from rebound.synth import package_size
from tests.infra.template import Synthesized

pytestmark = pytest.mark.infra

# botocore's models in the package: 2.0 MB for the kept services (endpoints.json alone is 1.3 MB)
# against 20 MB for all ~420 services. The package as a whole grows with the app (`make synth`
# prints it); the models must not.
MAX_BOTOCORE_DATA_BYTES = 3_000_000


def _pinned() -> dict[str, str]:
    pins = {}
    for line in render().splitlines():
        if line and not line.startswith("#"):
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{line} is not pinned"
            pins[_normal(requirement.name)] = specifier.version
    return pins


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_runtime_dependency_is_pinned() -> None:
    """The closure of requirements.txt is in requirements.txt: pip resolves nothing itself."""
    pins = _pinned()
    for name in pins:
        for line in requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue  # extras not installed, or for other Pythons
            assert _normal(requirement.name) in pins, f"{name} needs {requirement.name}"
            assert requirement.specifier.contains(pins[_normal(requirement.name)])


def test_boto3_and_botocore_are_released_together() -> None:
    pins = _pinned()
    assert pins["boto3"] == pins["botocore"]


def test_every_service_the_code_calls_keeps_its_model() -> None:
    called = set()
    for path in [ROOT / "app.py", *(ROOT / "chalicelib").rglob("*.py")]:
        called |= set(re.findall(r"""client\(\s*["']([a-z0-9-]+)["']""", path.read_text()))
    assert called
    assert called | {"dynamodb"} <= SDK_SERVICES


def test_package_is_trimmed_and_its_clients_load(synthesized: Synthesized, tmp_path: Path) -> None:
    package, _, _ = package_size(synthesized.template_path.parent)
    with zipfile.ZipFile(package) as archive:
        models_bytes = sum(
            info.file_size for info in archive.infolist() if info.filename.startswith(BOTOCORE_DATA)
        )
        assert models_bytes < MAX_BOTOCORE_DATA_BYTES
        models = {
            name[len(BOTOCORE_DATA) :].split("/")[0]
            for name in archive.namelist()
            if name.startswith(BOTOCORE_DATA) and name.count("/") > 2
        }
        archive.extractall(tmp_path)
        native = [name for name in archive.namelist() if name.endswith(".so")]
    # sts is kept but has no model directory of its own in every botocore release
    assert SDK_SERVICES - {"sts"} <= models <= SDK_SERVICES
    # Native extensions (msgspec, cffi, cryptography) were fetched for the Lambda runtime, not
    # for this machine: by their name, or (abi3 wheels name no machine) by their ELF header.
    assert all(
        "cpython-312-aarch64-linux-gnu" in name or _is_aarch64(tmp_path / name) for name in native
    ), native
    # Every kept client is created from the package's own botocore, not the venv's.
    probe = (
        "import boto3, botocore, sys; "
        f"assert botocore.__file__.startswith({str(tmp_path)!r}), botocore.__file__; "
        f"[boto3.client(s, region_name='eu-west-1') for s in {sorted(SDK_SERVICES)!r}]"
    )
    subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(tmp_path)!r}); {probe}"],
        check=True,
        timeout=60,
        env={"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"},
    )


def _is_aarch64(path: Path) -> bool:
    """An ELF shared object built for aarch64 (e_machine 183, EM_AARCH64)."""
    head = path.read_bytes()[:20]
    return head[:4] == b"\x7fELF" and int.from_bytes(head[18:20], "little") == 183
