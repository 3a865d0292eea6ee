"""`rebound parse`: the scorer's JSON line format, streaming, and no AWS libraries imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
MAIL = REPO / "tests" / "data" / "mail"
FIELDS = {
    "address",
    "status",
    "reply_code",
    "replycode",
    "reason",
    "category",
    "hard",
    "blacklisted",
    "remote_mta",
    "diagnostic",
    "explanation",
}


def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rebound.cli", "parse", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=60,
    )


def test_files_and_paths_from_stdin_print_one_line_each() -> None:
    files = [str(MAIL / "postfix-01.eml"), str(MAIL / "human-01.eml")]
    by_args = _run(*files)
    by_stdin = _run("--paths-from", "-", stdin="\n".join(files) + "\n")
    assert by_args.returncode == 0
    assert by_args.stdout == by_stdin.stdout
    lines = [json.loads(line) for line in by_args.stdout.splitlines()]
    assert [line["file"] for line in lines] == files
    bounce, human = lines
    assert bounce["bounce"] is True
    assert bounce["kind"] == "bounce"
    assert set(bounce["recipients"][0]) >= FIELDS
    assert bounce["recipients"][0]["address"] == "alice@example.net"
    assert human["bounce"] is False
    assert human["recipients"] == []


def test_missing_file_is_reported_not_raised() -> None:
    result = _run(str(MAIL / "no-such-file.eml"))
    assert result.returncode == 1
    assert json.loads(result.stdout)["defects"] == ["unreadable-file"]


def test_no_aws_libraries_are_imported() -> None:
    code = (
        "import sys, io\n"
        "from rebound import cli\n"
        "sys.stdin = io.StringIO('')\n"
        "cli.main(['parse', '--paths-from', '-'])\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "{'boto3', 'botocore', 'pynamodb', 'chalice'}]\n"
        "print(bad)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_complaints_and_unreadable_mail_are_no_bounces() -> None:
    from chalicelib.parsing import parse_message
    from rebound.parse_cmd import result_json

    line = result_json("arf-01.eml", parse_message((MAIL / "arf-01.eml").read_bytes()))
    assert line["bounce"] is False and line["kind"] == "complaint"
    assert line["complaint"]["complainant"] == "rupert@example.net"
    binary = result_json("blob", parse_message(bytes(range(256)) * 100))
    assert binary["bounce"] is False and binary["kind"] == "unparsed"
    assert "unreadable:binary-content" in binary["defects"]
