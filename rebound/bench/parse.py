"""Parser benchmark: messages per second of `parse_message` next to flufl.bounce, same files,
same run, one core; rounds alternate between the two so that other jobs on a shared machine
slow both alike, and every rate is printed by wall clock and by CPU time.

Prints figures, never asserts timings. The corpus folder is REBOUND_BENCH_CORPUS, the first
argument, or ../shared/corpus/mail; when none exists it falls back to the project's own
fixtures (tests/data/mail). Also prints the whole-process rate of `rebound parse --paths-from -`
(start-up included, as the corpus scorer measures it) next to the same loop over flufl.bounce
in its own process and next to Sisimai 4 (Perl; Debian's libsisimai-perl, run by
`sisimai_paths.pl`, the same paths on stdin and one JSON line per file out) when it is
installed, and peak memory. `--json` ends with one JSON line of the figures.

Bytecode: an installed package ships compiled `.pyc` files, but an editable checkout run with
PYTHONDONTWRITEBYTECODE=1 recompiles every module in every process, which would make start-up
the largest part of a short batch. The benchmark therefore compiles the parser's bytecode first
(`compileall`, written to the ignored __pycache__ folders) and says so.

`--against=REV` compares the working tree's parser with the one at git revision REV instead:
REV's `chalicelib` is exported to a temporary folder under another package name, both are
imported into this process, their results are checked equal file by file, and passes over the
corpus alternate between them. On a shared machine one run's best-of-N moves by several
percent, more than most single changes; the median of the paired per-round ratios does not.
"""

from __future__ import annotations

import compileall
import email
import importlib
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from email.policy import compat32
from pathlib import Path
from typing import cast

from chalicelib import native
from chalicelib.parsing import parse_message

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "mail"
FIXTURES = REPO / "tests" / "data" / "mail"
_SUFFIXES = {".eml", ".msg", ".txt"}
ROUNDS = 5
SISIMAI_SCRIPT = Path(__file__).with_name("sisimai_paths.pl")


def corpus_dir(argv: list[str]) -> Path:
    for candidate in (*argv[:1], os.environ.get("REBOUND_BENCH_CORPUS", ""), str(DEFAULT_CORPUS)):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return FIXTURES


def message_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in _SUFFIXES and p.is_file())


def compile_bytecode() -> str:
    """Compile the modules `rebound parse` imports, as an installed package would have them."""
    ok = all(
        compileall.compile_dir(REPO / sub, quiet=1, maxlevels=3)
        for sub in ("chalicelib/parsing", "chalicelib/classification", "rebound")
    ) and compileall.compile_file(REPO / "chalicelib" / "__init__.py", quiet=1)
    flag = os.environ.get("PYTHONDONTWRITEBYTECODE", "")
    return ("compiled" if ok else "compile failed") + (
        " (PYTHONDONTWRITEBYTECODE is set here)" if flag else ""
    )


def pin_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


@dataclass
class Rates:
    """Best rates seen over the rounds: by wall clock and by CPU time of the measured work
    (CPU time is what one core can do regardless of other jobs on a shared machine)."""

    wall: float = 0.0
    cpu: float = 0.0

    def add(self, count: int, wall: float, cpu: float) -> None:
        self.wall = max(self.wall, count / wall if wall > 0 else 0.0)
        self.cpu = max(self.cpu, count / cpu if cpu > 0 else 0.0)


def one_pass(fn: Callable[[bytes], object], messages: list[bytes], into: Rates) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    for raw in messages:
        fn(raw)
    into.add(len(messages), time.perf_counter() - wall, time.process_time() - cpu)


def flufl_scan() -> Callable[[bytes], object] | None:
    try:
        from flufl.bounce import scan_message
    except ImportError:
        return None

    def scan(raw: bytes) -> object:
        try:
            return scan_message(email.message_from_bytes(raw, policy=compat32))
        except Exception:  # flufl.bounce raises on some hostile mail; count it as done
            return None

    return scan


# The same loop flufl.bounce gets in process, as a whole process reading paths on stdin.
FLUFL_PROCESS = """
import email, sys
from email.policy import compat32
from flufl.bounce import scan_message
for line in sys.stdin:
    path = line.rstrip("\\n")
    try:
        with open(path, "rb") as handle:
            scan_message(email.message_from_bytes(handle.read(), policy=compat32))
    except Exception:
        pass
"""


def sisimai_installed() -> bool:
    """Perl with Sisimai (Debian: apt-get install libsisimai-perl)."""
    try:
        done = subprocess.run(["perl", "-MSisimai", "-e", "1"], capture_output=True, check=False)  # noqa: S607 - perl from PATH, as the scorer runs it
    except OSError:
        return False
    return done.returncode == 0


def _run_once(which: str, data: bytes) -> None:
    if which == "rebound":
        command = [sys.executable, "-m", "rebound.cli", "parse", "--paths-from", "-"]
    elif which == "sisimai":
        command = ["perl", str(SISIMAI_SCRIPT)]
    else:
        command = [sys.executable, "-c", FLUFL_PROCESS]
    subprocess.run(command, input=data, stdout=subprocess.DEVNULL, check=False, cwd=REPO)  # noqa: S603 - our own interpreter and module


def one_process(which: str, paths: list[Path], into: Rates) -> None:
    """One run of `rebound parse --paths-from -` ("rebound"), the flufl.bounce loop ("flufl")
    or Sisimai ("sisimai") fed the paths on stdin, start-up included; CPU time from the child's
    rusage."""
    data = "".join(f"{p}\n" for p in paths).encode()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    _run_once(which, data)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    into.add(len(paths), wall, cpu)


def peak_python_memory(messages: list[bytes]) -> int:
    tracemalloc.start()
    for raw in messages:
        parse_message(raw)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


AGAINST_PACKAGE = "chalicelib_against"
AGAINST_ROUNDS = 21
_PACKAGE_NAME = re.compile(r"\bchalicelib(?=[.\s])")


def export_against(rev: str, into: Path) -> None:
    """REV's `chalicelib` written under `into` as the package `chalicelib_against`."""
    archive = subprocess.run(  # noqa: S603 - git with our own arguments
        ["git", "archive", "--format=tar", rev, "chalicelib"],  # noqa: S607 - git from PATH
        capture_output=True,
        check=True,
        cwd=REPO,
    ).stdout
    tar_path = into / "against.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into, filter="data")
    (into / "chalicelib").rename(into / AGAINST_PACKAGE)
    for source in (into / AGAINST_PACKAGE).rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        source.write_text(_PACKAGE_NAME.sub(AGAINST_PACKAGE, text), encoding="utf-8")


def compare_against(
    rev: str, messages: list[bytes], rounds: int = AGAINST_ROUNDS
) -> dict[str, object]:
    """The working tree's `parse_message` and REV's in one process, passes alternating."""
    with tempfile.TemporaryDirectory() as folder:
        export_against(rev, Path(folder))
        sys.path.insert(0, folder)  # kept while timing: a module may import lazily
        try:
            theirs = importlib.import_module(f"{AGAINST_PACKAGE}.parsing").parse_message
            _install_native(importlib.import_module(AGAINST_PACKAGE))
            return _alternate(rev, messages, theirs, rounds)
        finally:
            sys.path.remove(folder)


def _alternate(
    rev: str, messages: list[bytes], theirs: Callable[[bytes], object], rounds: int
) -> dict[str, object]:
    differing = sum(
        repr(parse_message(raw)) != repr(theirs(raw)).replace(AGAINST_PACKAGE, "chalicelib")
        for raw in messages
    )
    ours_rates, their_rates = Rates(), Rates()
    ratios: list[float] = []  # per round: the working tree's CPU rate over REV's
    for round_number in range(rounds):
        pair = [("ours", parse_message, ours_rates), ("theirs", theirs, their_rates)]
        this_round: dict[str, float] = {}
        for name, fn, rates in pair if round_number % 2 else pair[::-1]:
            wall, cpu = time.perf_counter(), time.process_time()
            for raw in messages:
                fn(raw)
            cpu = time.process_time() - cpu
            rates.add(len(messages), time.perf_counter() - wall, cpu)
            this_round[name] = cpu
        ratios.append(this_round["theirs"] / this_round["ours"])
    quartiles = statistics.quantiles(ratios, n=4)
    return {
        "against": rev,
        "messages": len(messages),
        "differing_results": differing,
        "cpu": round(ours_rates.cpu),
        "against_cpu": round(their_rates.cpu),
        "median_ratio": round(statistics.median(ratios), 3),
        "ratio_quartiles": [round(quartiles[0], 3), round(quartiles[2], 3)],
    }


def _install_native(package: object) -> str:
    """The native search installed in this package's parser, as the entry points install it
    (a revision from before chalicelib.native has none)."""
    try:
        module = importlib.import_module(f"{getattr(package, '__name__', '')}.native")
    except ImportError:
        return "none in this revision"
    return "installed" if module.install() else "not loadable here (pure search)"


def main_against(rev: str, argv: list[str]) -> int:
    root = corpus_dir(argv)
    messages = [p.read_bytes() for p in message_files(root)]
    print(f"corpus            {root} ({len(messages)} messages, {pin_one_core()})")
    native.install()
    figures = compare_against(rev, messages)
    print(f"results differing {figures['differing_results']} of {len(messages)} files")
    print(f"working tree      {figures['cpu']:9} CPU msgs/s, best of {AGAINST_ROUNDS} rounds")
    print(f"{rev[:17]:17} {figures['against_cpu']:9} CPU msgs/s, same rounds, alternating")
    low, high = cast(list[float], figures["ratio_quartiles"])
    print(
        f"ratio             {figures['median_ratio']:9} median of the paired rounds"
        f" (quartiles {low} - {high})"
    )
    if "--json" in argv:
        print(json.dumps(figures))
    return 0


def main(argv: list[str]) -> int:  # noqa: C901, PLR0912 - one optional peer after another, each printed
    against = [a.partition("=")[2] or "HEAD" for a in argv if a.startswith("--against")]
    if against:
        return main_against(against[0], [a for a in argv if not a.startswith("--against")])
    root = corpus_dir(argv)
    paths = message_files(root)
    if not paths:
        print(f"no messages under {root}")
        return 0
    messages = [p.read_bytes() for p in paths]
    pinned = pin_one_core()
    print(f"corpus            {root} ({len(messages)} messages, {pinned})")
    print(f"bytecode          {compile_bytecode()}")
    # As the ingest function and `rebound parse` run it (chalicelib.native).
    print(f"native search     {'installed' if native.install() else 'not loadable here'}")
    scan = flufl_scan()
    if scan is None:
        print("flufl.bounce      not installed (pip install -e '.[dev]')")
    sisimai = sisimai_installed()
    if not sisimai:
        print("Sisimai           not installed (apt-get install libsisimai-perl)")
    ours, theirs, whole, theirs_whole, sis_whole = Rates(), Rates(), Rates(), Rates(), Rates()
    # Rounds alternate between the parsers so that load from other jobs hits them alike.
    for _ in range(ROUNDS):
        one_pass(parse_message, messages, ours)
        one_process("rebound", paths, whole)
        if scan is not None:
            one_pass(scan, messages, theirs)
            one_process("flufl", paths, theirs_whole)
        if sisimai:
            one_process("sisimai", paths, sis_whole)
    print(f"                  {'wall':>9} {'cpu':>9}   msgs/s, best of {ROUNDS} alternating rounds")
    print(f"parse_message     {ours.wall:9.0f} {ours.cpu:9.0f}   parse + classify, in process")
    if scan is not None:
        print(
            f"flufl.bounce      {theirs.wall:9.0f} {theirs.cpu:9.0f}   addresses only, same files"
        )
        print(
            f"ratio             {ours.wall / theirs.wall:9.2f} {ours.cpu / theirs.cpu:9.2f}"
            "   parse_message / flufl.bounce"
        )
    print(
        f"rebound parse     {whole.wall:9.0f} {whole.cpu:9.0f}   whole process, start-up included"
    )
    if scan is not None:
        print(
            f"flufl.bounce      {theirs_whole.wall:9.0f} {theirs_whole.cpu:9.0f}"
            "   whole process, same files and loop"
        )
        print(
            f"ratio             {whole.wall / theirs_whole.wall:9.2f}"
            f" {whole.cpu / theirs_whole.cpu:9.2f}   rebound parse / flufl.bounce, whole process"
        )
    if sisimai:
        print(
            f"Sisimai 4         {sis_whole.wall:9.0f} {sis_whole.cpu:9.0f}"
            "   whole process (Perl), same files, start-up included"
        )
        print(
            f"ratio             {whole.wall / sis_whole.wall:9.2f}"
            f" {whole.cpu / sis_whole.cpu:9.2f}   rebound parse / Sisimai, whole process"
        )
    peak = peak_python_memory(messages)
    maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak memory       {peak / 1024:9.0f} KiB traced by tracemalloc during parsing")
    print(f"max RSS           {maxrss_kib:9.0f} KiB (this process, corpus held in memory)")
    if "--json" in argv:
        figures: dict[str, object] = {
            "messages": len(messages),
            "in_process": {"wall": round(ours.wall), "cpu": round(ours.cpu)},
            "whole_process": {"wall": round(whole.wall), "cpu": round(whole.cpu)},
        }
        if scan is not None:
            figures["flufl_in_process"] = {"wall": round(theirs.wall), "cpu": round(theirs.cpu)}
            figures["flufl_whole_process"] = {
                "wall": round(theirs_whole.wall),
                "cpu": round(theirs_whole.cpu),
            }
        if sisimai:
            figures["sisimai_whole_process"] = {
                "wall": round(sis_whole.wall),
                "cpu": round(sis_whole.cpu),
            }
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
