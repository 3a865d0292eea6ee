"""`rebound parse`: parse bounce files and print one JSON line per file.

The output is the format the corpus scorer reads (../shared/corpus/score.py). Imports only the
pure parsing core, never AWS libraries, and streams: one line is written as soon as one file is
parsed, all in this one process.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from types import SimpleNamespace

from chalicelib import native
from chalicelib.parsing import parse_message
from chalicelib.parsing.model import MessageKind, ParseResult
from chalicelib.parsing.pipeline import UNREADABLE

# Annotations only: `typing` costs ~2 ms of start-up that `rebound parse` never needs at run time
# (mypy treats a constant named TYPE_CHECKING as true).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any, TextIO

MAX_FILE_BYTES = 50_000_000


def fast_args(argv: list[str]) -> SimpleNamespace | None:
    """The arguments of the plain invocations (`--paths-from FILE`, or files that do not start
    with "-") without argparse's start-up; None for anything else, which argparse then reads
    (help, errors, files and --paths-from together)."""
    if len(argv) == 2 and argv[0] == "--paths-from":
        return SimpleNamespace(files=[], paths_from=argv[1])
    if len(argv) == 1 and argv[0].startswith("--paths-from="):
        return SimpleNamespace(files=[], paths_from=argv[0].partition("=")[2])
    if argv and not any(a.startswith("-") for a in argv):
        return SimpleNamespace(files=list(argv), paths_from=None)
    return None


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("files", nargs="*", help="message files (.eml) to parse")
    parser.add_argument(
        "--paths-from",
        metavar="FILE",
        help="read file paths, one per line, from FILE ('-' for standard input)",
    )


def result_json(path: str, result: ParseResult) -> dict[str, Any]:
    """One output line: the scorer's fields plus everything a person debugging wants."""
    recipients = [
        {
            "address": r.address,
            "original_address": r.original_address,
            "action": r.action.value,
            "status": r.status or "",
            "reply_code": r.reply_code or "",
            "replycode": r.reply_code or "",
            "reason": r.reason.value,
            "category": r.category.value,
            "hard": r.hard,
            "blacklisted": r.blacklisted,
            "remote_mta": r.remote_mta or "",
            "diagnostic": r.diagnostic,
            "explanation": r.explanation,
        }
        for r in result.recipients
    ]
    complaint = result.complaint
    return {
        "file": path,
        # A report that reads as a delivery failure but names no recipient we could read
        # (UNPARSED) is still a bounce; it only counts toward no address. Mail that could not
        # be read at all (binary, no header fields) is unparsed but no bounce.
        "bounce": result.kind is MessageKind.BOUNCE
        or (result.kind is MessageKind.UNPARSED and not _unreadable(result)),
        "kind": result.kind.value,
        "mta": result.mta,
        "recipients": recipients,
        "complaint": None
        if complaint is None
        else {
            "feedback_type": complaint.feedback_type,
            "complainant": complaint.complainant,
            "reported_by": complaint.reported_by,
            "arrival_date": complaint.arrival_date.isoformat() if complaint.arrival_date else None,
            "source_ip": complaint.source_ip,
            "original_return_path": complaint.original_return_path,
            "original_mail_from": complaint.original_mail_from,
        },
        "defects": list(result.defects),
    }


def _unreadable(result: ParseResult) -> bool:
    return any(d.startswith(UNREADABLE) for d in result.defects)


def _paths(args: argparse.Namespace | SimpleNamespace) -> Iterator[str]:
    yield from args.files
    if args.paths_from:
        if args.paths_from == "-":
            yield from _lines(sys.stdin)
        else:
            with open(args.paths_from, encoding="utf-8") as stream:
                yield from _lines(stream)


def _lines(stream: Iterable[str]) -> Iterator[str]:
    for line in stream:
        path = line.rstrip("\r\n")
        if path:
            yield path


def _read(path: str) -> bytes | None:
    """The file's bytes, at most MAX_FILE_BYTES. Sized from fstat: `read(MAX_FILE_BYTES)` would
    allocate the whole bound for every small file (a quarter of a batch's cost)."""
    try:
        with open(path, "rb", buffering=0) as handle:
            size = os.fstat(handle.fileno()).st_size
            # A pipe or special file has no size: read it in bounded chunks.
            wanted = min(size, MAX_FILE_BYTES) if size > 0 else MAX_FILE_BYTES
            chunks: list[bytes] = []
            while wanted > 0:
                chunk = handle.read(min(wanted, 1 << 20) if size <= 0 else wanted)
                if not chunk:
                    break
                chunks.append(chunk)
                wanted -= len(chunk)
            return b"".join(chunks)
    except OSError:
        return None


def write_results(paths: Iterable[str], out: TextIO) -> int:
    failures = 0
    for path in paths:
        raw = _read(path)
        if raw is None:
            failures += 1
            line: dict[str, Any] = {
                "file": path,
                "bounce": False,
                "kind": "unreadable",
                "recipients": [],
                "defects": ["unreadable-file"],
            }
        else:
            line = result_json(path, parse_message(raw))
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    out.flush()
    return failures


def run(args: argparse.Namespace | SimpleNamespace, name: str) -> int:
    if not args.files and not args.paths_from:
        print(f"rebound {name}: give FILE... or --paths-from -", file=sys.stderr)
        return 2
    native.install()  # the tables' one-pass search, as the ingest function parses
    return 1 if write_results(_paths(args), sys.stdout) else 0
