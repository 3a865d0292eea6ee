"""The return-path signing keys, from Secrets Manager in AWS."""

from __future__ import annotations

from chalicelib.aws.clients import client


def read_secret(arn: str) -> str:
    value: str = client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
    return value
