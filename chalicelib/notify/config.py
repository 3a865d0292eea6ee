"""Notification settings read from the environment (beside chalicelib/config.py's, which the
notify service also uses: mail_from, staff_addresses, report_url, event_bus).

    REBOUND_STAFF_DIGEST_HOUR      UTC hour of the daily staff-wide digest (default 7)
    REBOUND_ALERT_EMAILS_PER_HOUR  alert emails per scope and hour before the rest are held
                                   back (EventBridge still gets every alert; default 10)
    REBOUND_BLOCK_BURST            block/policy rejections from one receiving domain within an
                                   hour that raise an alert (default 5)
    REBOUND_UNPARSED_ALERT         new unparsed messages between two checks that raise an
                                   alert (default 10)
    REBOUND_DLQ_URLS               comma-separated SQS URLs of the dead-letter queues the
                                   scheduled check watches (ingest DLQ, schedule DLQs)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _int(env: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    value = int(text)
    if not low <= value <= high:
        raise ValueError(f"{name} must be from {low} to {high}, got {value}")
    return value


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    staff_digest_hour: int = 7
    alert_emails_per_hour: int = 10
    block_burst: int = 5
    unparsed_alert: int = 10
    dlq_urls: tuple[str, ...] = field(default=())

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> NotifyConfig:
        e = dict(os.environ if env is None else env)
        d = cls()
        return cls(
            staff_digest_hour=_int(e, "REBOUND_STAFF_DIGEST_HOUR", d.staff_digest_hour, 0, 23),
            alert_emails_per_hour=_int(
                e, "REBOUND_ALERT_EMAILS_PER_HOUR", d.alert_emails_per_hour, 1, 1000
            ),
            block_burst=_int(e, "REBOUND_BLOCK_BURST", d.block_burst, 1, 100_000),
            unparsed_alert=_int(e, "REBOUND_UNPARSED_ALERT", d.unparsed_alert, 1, 100_000),
            dlq_urls=tuple(
                u.strip() for u in e.get("REBOUND_DLQ_URLS", "").split(",") if u.strip()
            ),
        )
