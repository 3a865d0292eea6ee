"""The states of a mass-delete job (shared by the domain model and the API's models)."""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    PLANNED = "planned"
    APPROVED = "approved"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNDONE = "undone"
