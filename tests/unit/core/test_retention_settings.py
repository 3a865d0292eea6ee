"""The retention days (docs/retention.md) come from one place, config.RetentionSettings."""

from __future__ import annotations

import pytest

from chalicelib.config import RetentionSettings, Settings


def test_retention_days_are_read_from_the_environment() -> None:
    env = {
        "REBOUND_INBOUND_RETENTION_DAYS": "200",
        "REBOUND_HISTORY_RETENTION_DAYS": "210",
        "REBOUND_MARKER_RETENTION_DAYS": "20",
        "REBOUND_JOB_RETENTION_DAYS": "220",
    }
    assert Settings.from_env(env).retention == RetentionSettings(200, 210, 20, 220)
    assert Settings.from_env({}).retention == RetentionSettings()
    # A marker shorter than the longest redelivery (the DLQ's 14 days) would let a bounce count
    # twice: refused.
    with pytest.raises(ValueError, match="REBOUND_MARKER_RETENTION_DAYS"):
        Settings.from_env({"REBOUND_MARKER_RETENTION_DAYS": "7"})
