"""Errors services raise for the caller to fix; app.py maps them to HTTP 4xx."""

from __future__ import annotations


class BadRequest(ValueError):
    """A request the caller must fix: HTTP 400 with this message."""


class NotFound(LookupError):
    """HTTP 404 with this message."""


class Conflict(RuntimeError):
    """The request is valid but the resource's state forbids it now: HTTP 409."""
