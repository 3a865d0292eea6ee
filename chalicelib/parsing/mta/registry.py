"""The explicit, ordered list of MTA detectors. The first one that recognises a message wins;
`generic` is always last."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from chalicelib.parsing.context import Context
from chalicelib.parsing.findings import Finding
from chalicelib.parsing.mta import generic, googlegroups

Detect = Callable[[Context], list[Finding] | None]

DETECTORS: tuple[ModuleType, ...] = (googlegroups, generic)


def run(ctx: Context) -> tuple[str | None, list[Finding]]:
    """The first detector that reads failed recipients from the message: its name and its
    findings. A detector that recognises the message but finds nobody lets the next one try."""
    claimed: str | None = None
    for module in DETECTORS:
        detect: Detect = module.detect
        result = detect(ctx)
        if result:
            return str(module.NAME), result
        if result is not None and claimed is None:
            claimed = str(module.NAME)
    return claimed, []
