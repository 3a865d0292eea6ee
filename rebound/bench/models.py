"""Why the API's models are msgspec, measured: the same shapes (the report's row and its page)
written once with msgspec and once with pydantic v2, timed in one run.

- start-up: a fresh interpreter imports the library and defines the models (median of 5
  processes each), against a fresh interpreter that does nothing (the baseline);
- a page: validating a 100-row JSON page into the models and encoding it back (median of 200).

`--json` ends with one JSON line: import_msgspec_ms, import_pydantic_ms, page_msgspec_us,
page_pydantic_us.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from typing import Any

_MSGSPEC = """
import msgspec
class Row(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    address: str; count: int; first_bounce_at: str; last_bounce_at: str; status: str
    reply_code: str; reason: str; category: str; hard: bool; blacklisted: bool
    diagnostic: str; explanation: str; remote_mta: str; source: str; send_id: str
    state: str; summary: str; recent_count: int
class Page(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    items: list[Row]; next_cursor: str | None
"""
_PYDANTIC = """
import pydantic
class Row(pydantic.BaseModel, extra="forbid", strict=True):
    address: str; count: int; first_bounce_at: str; last_bounce_at: str; status: str
    reply_code: str; reason: str; category: str; hard: bool; blacklisted: bool
    diagnostic: str; explanation: str; remote_mta: str; source: str; send_id: str
    state: str; summary: str; recent_count: int
class Page(pydantic.BaseModel, extra="forbid", strict=True):
    items: list[Row]; next_cursor: str | None
"""
PROCESSES = 5
ROUNDS = 200


def _row(n: int) -> dict[str, Any]:
    return {
        "address": f"member{n}@example.net",
        "count": n % 9 + 1,
        "first_bounce_at": "2026-11-01T09:00:00Z",
        "last_bounce_at": "2026-11-20T09:00:00Z",
        "status": "5.1.1",
        "reply_code": "550",
        "reason": "userunknown",
        "category": "hard",
        "hard": True,
        "blacklisted": False,
        "diagnostic": "550 5.1.1 <member@example.net>: Recipient address rejected",
        "explanation": "The address does not exist at the receiving server.",
        "remote_mta": "mx.example.net",
        "source": "broadcast",
        "send_id": "s-1",
        "state": "suppressed",
        "summary": "last bounced 2026-11-20, 3 times",
        "recent_count": 1,
    }


def _start_up_ms(code: str) -> float:
    times = []
    for _ in range(PROCESSES):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-S", "-c", code], check=True)  # noqa: S603
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _page_us(code: str, decode: str, encode: str, raw: bytes) -> float:
    scope: dict[str, Any] = {}
    runner = f"{code}\ndef run(raw):\n    page = {decode}\n    return {encode}\n"
    # dont_inherit: this module's `from __future__ import annotations` must not reach the
    # models (pydantic and msgspec would then resolve the annotations as strings).
    exec(compile(runner, "<models>", "exec", dont_inherit=True), scope)  # noqa: S102 - ours
    run = scope["run"]
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        run(raw)
        times.append((time.perf_counter() - started) * 1_000_000)
    return statistics.median(times)


def main(argv: list[str]) -> int:
    raw = json.dumps({"items": [_row(n) for n in range(100)], "next_cursor": None}).encode()
    site = "import site; site.main()\n"
    baseline = _start_up_ms(site)
    msgspec_ms = _start_up_ms(site + _MSGSPEC) - baseline
    pydantic_ms = _start_up_ms(site + _PYDANTIC) - baseline
    msgspec_us = _page_us(
        _MSGSPEC, "msgspec.json.decode(raw, type=Page)", "msgspec.json.encode(page)", raw
    )
    pydantic_us = _page_us(
        _PYDANTIC, "Page.model_validate_json(raw)", "page.model_dump_json().encode()", raw
    )
    print(
        f"start-up over a bare interpreter ({PROCESSES} processes, median; baseline "
        f"{baseline:.1f} ms):"
    )
    print(f"  msgspec  {msgspec_ms:7.1f} ms")
    print(f"  pydantic {pydantic_ms:7.1f} ms   ({pydantic_ms / msgspec_ms:.1f}x msgspec)")
    print(f"validate + encode a page of 100 rows ({ROUNDS} rounds, median):")
    print(f"  msgspec  {msgspec_us:7.1f} us")
    print(f"  pydantic {pydantic_us:7.1f} us   ({pydantic_us / msgspec_us:.1f}x msgspec)")
    if "--json" in argv:
        figures = {
            "import_msgspec_ms": round(msgspec_ms, 1),
            "import_pydantic_ms": round(pydantic_ms, 1),
            "page_msgspec_us": round(msgspec_us, 1),
            "page_pydantic_us": round(pydantic_us, 1),
        }
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
