"""The explicit, ordered list of MTA detectors. The first one that recognises a message wins;
`generic` is always last."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from chalicelib.parsing.context import Context
from chalicelib.parsing.findings import Finding
from chalicelib.parsing.mta import generic

Detect = Callable[[Context], list[Finding] | None]

DETECTORS: tuple[ModuleType, ...] = (generic,)


def run(ctx: Context) -> tuple[str | None, list[Finding]]:
    """The first detector that recognises the message: its name and its findings."""
    for module in DETECTORS:
        detect: Detect = module.detect
        result = detect(ctx)
        if result is not None:
            return str(module.NAME), result
    return None, []
