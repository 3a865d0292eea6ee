"""Decoding the S3 event notifications that SQS delivers to the ingest function."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote_plus


@dataclass(frozen=True, slots=True)
class StoredObject:
    bucket: str
    key: str
    event_time: datetime


def objects_from_sqs_body(body: str) -> list[StoredObject]:
    """The objects one SQS message announces. S3's own s3:TestEvent announces none.

    Keys arrive URL-encoded in S3 notifications ('+' for space), so they are decoded here.
    """
    message = json.loads(body)
    if message.get("Event") == "s3:TestEvent":
        return []
    found = []
    for record in message.get("Records", []):
        if not str(record.get("eventName", "")).startswith("ObjectCreated:"):
            continue
        s3 = record["s3"]
        when = datetime.fromisoformat(record["eventTime"].replace("Z", "+00:00")).astimezone(UTC)
        found.append(StoredObject(s3["bucket"]["name"], unquote_plus(s3["object"]["key"]), when))
    return found
