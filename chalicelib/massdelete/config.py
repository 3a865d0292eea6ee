"""Mass-delete settings from the environment (names listed in docs/mass-delete.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache

from chalicelib.massdelete.model import Policy

ENV_STATE_MACHINE_ARN = "REBOUND_MASS_DELETE_STATE_MACHINE_ARN"
ENV_MAX_SHARE = "REBOUND_MASS_DELETE_MAX_SHARE"
ENV_MAX_ADDRESSES = "REBOUND_MASS_DELETE_MAX_ADDRESSES"
ENV_SECOND_PERSON = "REBOUND_MASS_DELETE_SECOND_PERSON"
ENV_UNDO_SECONDS = "REBOUND_MASS_DELETE_UNDO_SECONDS"
ENV_CONCURRENCY = "REBOUND_MASS_DELETE_CONCURRENCY"


@dataclass(frozen=True, slots=True)
class MassDeleteSettings:
    state_machine_arn: str = ""
    default_policy: Policy = field(default_factory=Policy)
    # One undo call works this long, then answers with what remains (API Gateway stops at 29 s).
    undo_seconds: float = 20.0
    # Chunks (child executions) deleting at once.
    concurrency: int = 10

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> MassDeleteSettings:
        e = dict(os.environ if env is None else env)
        base, defaults = Policy(), cls()
        return cls(
            state_machine_arn=e.get(ENV_STATE_MACHINE_ARN, ""),
            default_policy=Policy(
                require_second_person=e.get(ENV_SECOND_PERSON, "false").lower() == "true",
                max_share=float(e.get(ENV_MAX_SHARE, base.max_share)),
                max_addresses=int(e.get(ENV_MAX_ADDRESSES, base.max_addresses)),
            ),
            undo_seconds=float(e.get(ENV_UNDO_SECONDS, defaults.undo_seconds)),
            concurrency=int(e.get(ENV_CONCURRENCY, defaults.concurrency)),
        )


@cache
def mass_delete_settings() -> MassDeleteSettings:
    return MassDeleteSettings.from_env()
