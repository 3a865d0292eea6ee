"""The inbound mail bucket: read one stored message (bounded: SES accepts at most 40 MB)."""

from __future__ import annotations

from chalicelib.aws.clients import client

MAX_MESSAGE_BYTES = 41 * 1024 * 1024


class S3InboundMail:
    """InboundMail port on one bucket."""

    def __init__(self, bucket: str) -> None:
        self._bucket = bucket

    def read(self, key: str) -> bytes:
        response = client("s3").get_object(
            Bucket=self._bucket, Key=key, Range=f"bytes=0-{MAX_MESSAGE_BYTES - 1}"
        )
        body: bytes = response["Body"].read()
        return body

    def write(self, key: str, raw: bytes) -> None:
        client("s3").put_object(Bucket=self._bucket, Key=key, Body=raw)
