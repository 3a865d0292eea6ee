"""Yandex Mail (yandex.ru, yandex.com).

Quirks: From mailer-daemon@yandex.ru; a Postfix-format report ("This is the mail system at
host ...yandex.net.", `<user@host>: host mx[ip] said: ...`) plus a DSN; the Russian text comes
first in some versions. Delays quote Postfix's "connect to ...: Connection timed out", which
ends as an expiry when the queue lifetime passes.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="yandex",
    senders=("yandex",),
    phrases=((Reason.EXPIRED, r"connect to \S+: connection timed out"),),
)

NAME = FAMILY.name
detect = FAMILY.detect
