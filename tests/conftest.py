"""Shared fixtures. The local AWS stack (moto) runs in-process on 127.0.0.1; the same
provisioning code as `rebound local` creates its resources."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest

# Fake credentials and a fixed region before anything creates an AWS client; never a real account.
for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "REBOUND_STAFF_ADDRESSES": "staff@example.com",
    "POWERTOOLS_METRICS_NAMESPACE": "Rebound",
    "POWERTOOLS_SERVICE_NAME": "rebound",
}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_PROFILE", None)
logging.getLogger("werkzeug").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One in-process moto server for the session; AWS_ENDPOINT_URL points every client at it."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    endpoint = f"http://127.0.0.1:{port}"
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ["MOTO_PORT"] = str(port)
    yield endpoint
    server.stop()


def reset_local_aws(endpoint: str) -> Any:
    """Empty moto and provision it afresh (tests call it per test; the browser suite per
    module)."""
    import requests

    from chalicelib.config import Settings
    from chalicelib.storage.items import bind
    from rebound.provision import provision

    requests.post(f"{endpoint}/moto-api/reset", timeout=10)
    settings = Settings.from_env()
    bind(settings.table_name, None, settings.region)
    return provision(settings)


@pytest.fixture
def aws(moto_endpoint: str) -> Any:
    """A freshly reset and provisioned local AWS for one test."""
    return reset_local_aws(moto_endpoint)


@pytest.fixture(scope="session")
def dynamodb_local_endpoint() -> Iterator[str]:
    """The real DynamoDB Local 3.3.1 (Java), started once for the session."""
    from rebound.dynamodb_local import dynamodb_local

    with dynamodb_local() as endpoint:
        yield endpoint


@pytest.fixture
def dynamodb_local_table(dynamodb_local_endpoint: str) -> Iterator[str]:
    """Point the storage layer at a fresh table in the real DynamoDB Local for one test
    (other AWS services stay on moto)."""
    import uuid

    from chalicelib.config import Settings
    from chalicelib.storage.items import bind, create_table

    settings = Settings.from_env()
    name = f"rebound-{uuid.uuid4().hex[:8]}"
    bind(name, dynamodb_local_endpoint, settings.region)
    create_table()
    try:
        yield name
    finally:
        bind(settings.table_name, None, settings.region)
