"""The benchmarks' AWS: moto in this process on a free loopback port, with fake credentials,
every client pointed at it through AWS_ENDPOINT_URL (set before any app code makes a client)."""

from __future__ import annotations

import os
from typing import Any


def start_local_aws(**extra_env: str) -> Any:
    """Start moto; returns the server (call .stop()). `extra_env` is set unless already set."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        **extra_env,
    }.items():
        os.environ.setdefault(name, value)
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ["AWS_ENDPOINT_URL"] = f"http://{host}:{port}"
    os.environ["MOTO_PORT"] = str(port)
    return server
