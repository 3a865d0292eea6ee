"""boto3 clients, made once per process and name (Lambda reuses them across invocations)."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30
)


@cache
def client(name: str) -> Any:
    return boto3.session.Session().client(name, config=_CONFIG)
