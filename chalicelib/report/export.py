"""CSV export of the report: the same rows as the listing, safe to open in a spreadsheet.

Bounce text is hostile input: a cell that begins with = + - @, a tab or a carriage return could
run as a formula in Excel, LibreOffice or Google Sheets (CSV injection), so such cells get a
leading apostrophe, which spreadsheets show as text and never evaluate.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from chalicelib.bounces import AddressCounter
from chalicelib.timefmt import iso

EXPORTS_PREFIX = "exports/"  # the bucket's lifecycle expires it (infra/names.py spells it too)


def exports_prefix(tenant: str) -> str:
    """Where one tenant's large exports are written (and what forgetting deletes)."""
    return f"{EXPORTS_PREFIX}{tenant}/"


COLUMNS = (
    "address",
    "count",
    "first_bounce_at",
    "last_bounce_at",
    "state",
    "category",
    "reason",
    "hard",
    "status",
    "reply_code",
    "source",
    "send_id",
    "remote_mta",
    "diagnostic",
    "explanation",
)
_DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    return "'" + cell if cell.startswith(_DANGEROUS_FIRST) else cell


def row(c: AddressCounter) -> list[str]:
    values = [
        c.address,
        str(c.bounce_count),
        iso(c.first_bounce_at),
        iso(c.last_bounce_at),
        str(c.state),
        str(c.category),
        str(c.reason),
        "true" if c.hard else "false",
        c.status,
        c.reply_code,
        c.source,
        c.send_id,
        c.remote_mta,
        c.diagnostic,
        c.explanation,
    ]
    return [neutralise(v) for v in values]


def csv_chunks(counters: Iterable[AddressCounter], rows_per_chunk: int = 500) -> Iterator[str]:
    """The CSV text in chunks (header first), so large exports stream instead of piling up."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    pending = 0
    for counter in counters:
        writer.writerow(row(counter))
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()
