"""What alerts need from AWS besides mail: EventBridge PutEvents of one alert on the rebound
bus (source `rebound.alerts`), and SQS queue depths for the dead-letter check."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from chalicelib.aws.clients import client

ALERT_SOURCE = "rebound.alerts"
_DEPTH_ATTRIBUTES = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


class EventBridgeAlerts:
    """AlertEvents port: one PutEvents entry per alert."""

    def __init__(self, bus_name: str) -> None:
        self._bus = bus_name

    def put_alert(self, detail_type: str, detail: Mapping[str, Any]) -> None:
        response = client("events").put_events(
            Entries=[
                {
                    "EventBusName": self._bus,
                    "Source": ALERT_SOURCE,
                    "DetailType": detail_type,
                    "Detail": json.dumps(dict(detail), sort_keys=True, default=str),
                }
            ]
        )
        if response.get("FailedEntryCount"):
            code = response["Entries"][0].get("ErrorCode", "unknown")
            raise RuntimeError(f"EventBridge refused the alert event: {code}")


class SqsQueueDepths:
    """QueueDepths port on SQS GetQueueAttributes."""

    def depth(self, queue_url: str) -> int:
        response = client("sqs").get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=list(_DEPTH_ATTRIBUTES)
        )
        attributes = response.get("Attributes", {})
        return sum(int(attributes.get(name, 0)) for name in _DEPTH_ATTRIBUTES)
