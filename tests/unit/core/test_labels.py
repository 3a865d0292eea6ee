"""One set of plain words (issue 10): the page's reason labels are the ones digests and alerts
use, every reason has one, and blocklists are named as people know them."""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.classification.labels import (
    REASON_LABELS,
    blocklist_name,
    blocklist_phrase,
    reason_label,
)
from chalicelib.classification.reasons import Reason

APP_JS = Path(__file__).resolve().parents[3] / "chalicelib" / "web" / "app.js"


def test_the_page_and_the_mail_use_the_same_reason_labels() -> None:
    block = APP_JS.read_text().split("const REASONS = [", 1)[1].split("];", 1)[0]
    page = dict(re.findall(r'\["([a-z]+)", "([^"]+)"\]', block))
    assert page == dict(REASON_LABELS)
    assert {str(r) for r in Reason} <= set(REASON_LABELS)
    assert reason_label(Reason("userunknown")) == "User unknown"


def test_blocklists_are_named() -> None:
    text = "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org"
    assert blocklist_name(text) == "Spamhaus ZEN"
    assert blocklist_phrase(text) == "listed on Spamhaus ZEN"
    assert blocklist_name("550 rejected, see bl.spamcop.net") == "SpamCop"
    assert blocklist_phrase("554 your IP is on a blacklist") == "listed on a blocklist"
