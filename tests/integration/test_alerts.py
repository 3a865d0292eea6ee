"""Immediate alerts on the local AWS stack: a send's bounce rate over the levels, a blacklisted
server, a burst of blocks from one domain, dead-letter queues that grow; each once per
condition (de-duplicated across redeliveries and repeats), emails rate-limited per hour, and
every alert on the rebound EventBridge bus (read back through a rule with an SQS target)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email import message_from_string, policy
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

import app as chalice_app
from chalicelib import wiring
from chalicelib.config import NotifySettings
from chalicelib.notify.alerts import AlertDispatcher, AlertObserver, AlertOutcome, AlertsCheck
from chalicelib.notify.model import Alert, AlertKind, BlockWindow, Severity
from chalicelib.storage import keys
from chalicelib.storage.aggregate import StreamAggregator
from chalicelib.storage.items import AddressCounterItem, AlertWindowItem
from chalicelib.timefmt import hour_window
from rebound.local.streams import StreamPump
from tests.integration.helpers import aggregate, auth, bounce, put_inbound, setup_tenant

pytestmark = pytest.mark.integration
BLACKLIST = "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org"
BLOCK = "550 5.7.1 Message rejected due to local policy"


def sent() -> list[Any]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def subjects() -> list[str]:
    return [str(message_from_string(m.raw_data, policy=policy.default)["Subject"]) for m in sent()]


@pytest.fixture
def bus_events(aws: Any) -> Any:
    """Every event on the rebound bus, delivered to an SQS queue by a catch-all rule."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    url = sqs.create_queue(QueueName="alert-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name="all-alerts", EventBusName="rebound", EventPattern='{"source": ["rebound.alerts"]}'
    )
    events.put_targets(Rule="all-alerts", EventBusName="rebound", Targets=[{"Id": "q", "Arn": arn}])

    def read() -> list[dict[str, Any]]:
        out = []
        while True:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                return out
            for m in got:
                out.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    return read


def ingest(raw: bytes, key: str | None = None) -> str:
    key = key or put_inbound(raw)
    wiring.ingest_service().ingest(key, datetime.now(UTC))
    aggregate()
    return key


def test_a_sends_bounce_rate_alerts_once_per_level(aws: Any, bus_events: Any) -> None:
    keys = setup_tenant("riverside")
    with Client(chalice_app.app) as client:
        response = client.http.put(
            "/v1/tenants/riverside/sends/s-9",
            headers={**auth(keys["admin"]), "Content-Type": "application/json"},
            body=json.dumps({"source": "broadcast", "recipients": 100}),
        )
        assert response.status_code == 200, response.body
    first = ingest(bounce("riverside", "a0@example.net", send_id="s-9"))
    assert sent() == []  # 1% is under the warn level
    ingest(bounce("riverside", "a1@example.net", send_id="s-9"))
    assert subjects() == ["[Rebound Warning] riverside: send s-9 hard-bounce rate 2.0% (over 2%)"]
    ingest(b"", first)  # a redelivery of the first message: not a third bounce
    ingest(bounce("riverside", "a2@example.net", send_id="s-9"))  # 3%: warned already
    assert len(sent()) == 1
    for i in range(3, 5):
        ingest(bounce("riverside", f"a{i}@example.net", send_id="s-9"))
    assert len(sent()) == 2 and subjects()[-1].startswith("[Rebound CRITICAL] riverside: send s-9")
    assert sent()[-1].destinations == ["staff@example.com"]
    store = wiring.notify_repository()
    tally = store.get_send_volume("riverside", "s-9")
    assert tally is not None and (tally.hard, tally.recipients) == (5, 100)
    events = bus_events()
    assert [(e["detail-type"], e["detail"]["severity"]) for e in events] == [
        ("Rebound alert", "warning"),
        ("Rebound alert", "critical"),
    ]
    assert events[1]["detail"]["send_id"] == "s-9" and events[1]["detail"]["rate"] == 0.05


def test_a_blacklisted_server_alerts_once_and_a_burst_of_blocks_alerts_once(
    aws: Any, bus_events: Any
) -> None:
    setup_tenant("riverside")
    for i in range(3):
        ingest(bounce("riverside", f"b{i}@example.org", "5.7.1", BLACKLIST))
    assert subjects() == [
        "[Rebound CRITICAL] Our sending server is listed on Spamhaus ZEN "
        "(example.org refused our mail)"
    ]
    body = message_from_string(sent()[0].raw_data, policy=policy.default)
    text = body.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "our sending server is listed on Spamhaus ZEN." in text
    for i in range(6):
        ingest(bounce("riverside", f"c{i}@example.com", "5.7.1", BLOCK))
    assert subjects()[1:] == [
        "[Rebound Warning] 5 block or policy rejections from example.com within the hour"
    ]
    assert [e["detail"]["kind"] for e in bus_events()] == ["blacklisted", "block-burst"]


class Capture:
    def __init__(self) -> None:
        self.mails: list[str] = []
        self.events: list[dict[str, Any]] = []

    def send_multipart(self, **kwargs: Any) -> str:
        self.mails.append(kwargs["subject"])
        return "m"

    def put_alert(self, detail_type: str, detail: Any) -> None:
        self.events.append(dict(detail))


def capturing_dispatcher(capture: Capture, emails_per_hour: int = 10) -> AlertDispatcher:
    return AlertDispatcher(
        store=wiring.notify_repository(),
        mailer=capture,
        events=capture,
        policy=wiring.mail_policy(),
        staff_recipients=["staff@example.com"],
        emails_per_hour=emails_per_hour,
    )


def count_only(raw: bytes, received: datetime) -> None:
    """Ingest one message; the stream is not delivered to the aggregation."""
    wiring.ingest_service().ingest(put_inbound(raw), received)


def this_hour() -> datetime:
    """A moment in the current UTC hour, the same for every bounce of a test."""
    return datetime.now(UTC).replace(minute=30, second=0, microsecond=0)


def window_hits(domain: str, received: datetime) -> int:
    item = AlertWindowItem.get(
        keys.alert_pk("_system"), keys.block_window_sk(hour_window(received), domain)
    )
    return int(item.hits)


def test_a_burst_of_blocks_alerts_once_from_the_aggregation_a_blacklisting_at_once(
    aws: Any, bus_events: Any
) -> None:
    setup_tenant("riverside")
    received = this_hour()
    for i in range(8):
        count_only(bounce("riverside", f"c{i}@example.com", "5.7.1", BLOCK), received)
    for i in range(4):
        count_only(bounce("riverside", f"d{i}@example.net", "5.7.1", BLOCK), received)
    assert sent() == []  # the block-burst windows are counted by the aggregation
    count_only(bounce("riverside", "e0@example.org", "5.7.1", BLACKLIST), received)
    assert len(sent()) == 1  # "our server is blacklisted" does not wait for it
    aggregate()
    aggregate()  # the whole stream delivered again
    assert subjects()[1:] == [
        "[Rebound Warning] 8 block or policy rejections from example.com within the hour"
    ]
    assert (window_hits("example.com", received), window_hits("example.net", received)) == (8, 4)
    assert [e["detail"]["kind"] for e in bus_events()] == ["blacklisted", "block-burst"]


def unique_stream_records() -> list[dict[str, Any]]:
    """The table's new history items as the stream mapping delivers them, not applied (each
    once: moto's stream may repeat one)."""
    batches: list[list[dict[str, Any]]] = []
    meta = AddressCounterItem.Meta
    StreamPump(
        meta.table_name, lambda event, _: batches.append(event["Records"]), endpoint_url=meta.host
    ).drain()
    records: dict[str, dict[str, Any]] = {}
    for record in (r for batch in batches for r in batch):
        records.setdefault(json.dumps(record["dynamodb"]["Keys"], sort_keys=True), record)
    return list(records.values())


def capturing_observer(capture: Capture) -> AlertObserver:
    return AlertObserver(
        store=wiring.notify_repository(),
        dispatcher=capturing_dispatcher(capture),
        config=NotifySettings(block_burst=5),
        report_url="https://rebound.example.com/api/",
    )


def test_two_shards_runs_that_cross_the_level_together_alert_once(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """3 + 3 rejections in two shards' runs: the second run's transaction lands between the
    first's and its read, so both read 6 (over the level of 5) and both raise the alert."""
    setup_tenant("riverside")
    received = this_hour()
    for i in range(6):
        count_only(bounce("riverside", f"c{i}@example.com", "5.7.1", BLOCK), received)
    records = unique_stream_records()
    assert len(records) == 6
    capture = Capture()
    observer = capturing_observer(capture)
    told: list[list[int]] = []

    def listen(windows: Any) -> None:
        told.append([w.hits for w in windows])
        observer.observe_block_windows(windows)

    second_shard = StreamAggregator(on_block_windows=listen)
    read_windows = AlertWindowItem.batch_get
    landed: list[bool] = []

    def read_after_the_other_shard(*args: Any, **kwargs: Any) -> Any:
        if not landed:
            landed.append(True)
            second_shard.apply(records[3:])
        return read_windows(*args, **kwargs)

    monkeypatch.setattr(AlertWindowItem, "batch_get", read_after_the_other_shard)
    assert StreamAggregator(on_block_windows=listen).apply(records[:3]) == 3
    assert told == [[6], [6]]
    assert [o.outcome for o in observer.raised] == [AlertOutcome.SENT, AlertOutcome.DUPLICATE]
    assert capture.mails == [
        "[Rebound Warning] 6 block or policy rejections from example.com within the hour"
    ]
    assert len(capture.events) == 1 and window_hits("example.com", received) == 6


def test_a_batch_delivered_again_counts_once_and_alerts_once_after_a_crash(aws: Any) -> None:
    """The aggregate function dies after its transaction, before the alert: the redelivered
    batch adds nothing and raises the alert; a third delivery neither."""
    setup_tenant("riverside")
    received = this_hour()
    for i in range(6):
        count_only(bounce("riverside", f"c{i}@example.com", "5.7.1", BLOCK), received)
    records = unique_stream_records()
    capture = Capture()
    observer = capturing_observer(capture)

    def crash(windows: Sequence[BlockWindow]) -> None:
        raise RuntimeError("timed out")

    with pytest.raises(RuntimeError):
        StreamAggregator(on_block_windows=crash).apply(records)
    assert window_hits("example.com", received) == 6 and capture.mails == []
    again = StreamAggregator(on_block_windows=observer.observe_block_windows)
    assert again.apply(records) == 0  # every run was applied before
    assert again.apply(records) == 0
    assert window_hits("example.com", received) == 6
    assert [o.outcome for o in observer.raised] == [AlertOutcome.SENT, AlertOutcome.DUPLICATE]
    assert capture.mails == [
        "[Rebound Warning] 6 block or policy rejections from example.com within the hour"
    ]


def alert(key: str, at: datetime) -> Alert:
    return Alert(
        AlertKind.BLOCK_BURST,
        Severity.WARNING,
        "_system",
        key,
        f"alert {key}",
        ("line",),
        timedelta(hours=6),
        raised_at=at,
    )


def test_alert_emails_are_rate_limited_per_hour_but_every_alert_is_an_event(aws: Any) -> None:
    capture = Capture()
    dispatcher = capturing_dispatcher(capture, emails_per_hour=2)
    now = datetime(2026, 11, 20, 9, 5, tzinfo=UTC)
    outcomes = [dispatcher.dispatch(alert(f"k{i}", now)) for i in range(4)]
    assert outcomes == [AlertOutcome.SENT] * 2 + [AlertOutcome.HELD_BACK] * 2
    assert dispatcher.dispatch(alert("k0", now + timedelta(minutes=5))) is AlertOutcome.DUPLICATE
    next_hour = now + timedelta(hours=1)
    assert dispatcher.dispatch(alert("k9", next_hour)) is AlertOutcome.SENT
    assert dispatcher.dispatch(alert("k0", now + timedelta(hours=7))) is AlertOutcome.SENT
    assert len(capture.mails) == 4 and len(capture.events) == 6


def test_the_scheduled_check_alerts_when_a_dead_letter_queue_grows(aws: Any) -> None:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="rebound-ingest-dlq")["QueueUrl"]
    capture = Capture()
    dispatcher = capturing_dispatcher(capture)
    from chalicelib.aws.alerts_bus import SqsQueueDepths

    check = AlertsCheck(
        dispatcher=dispatcher,
        queues=SqsQueueDepths(),
        state=wiring.state(),
        inbound=wiring.inbound(),
        config=NotifySettings(dlq_urls=(url,)),
    )
    assert check.run()["alerts"] == []
    sqs.send_message(QueueUrl=url, MessageBody="{}")
    sqs.send_message(QueueUrl=url, MessageBody="{}")
    result = check.run()
    assert result["dead_letter_queues"] == {"rebound-ingest-dlq": 2}
    assert result["alerts"] == [{"key": "dlq#rebound-ingest-dlq", "outcome": "sent"}]
    assert check.run()["alerts"] == []  # no growth, no alert
    assert capture.mails == [
        "[Rebound Warning] Dead-letter queue rebound-ingest-dlq grew to 2 message(s)"
    ]


def test_the_alerts_check_lambda_runs_through_chalice(aws: Any) -> None:
    with Client(chalice_app.app) as client:
        payload = client.lambda_.invoke("alerts_check", {}).payload
    assert payload["new_unparsed"] == 0 and payload["alerts"] == []
