"""The storage keys a plan hands to the workflow, as the workflow needs them (DynamoDB's JSON
form for its SDK integrations). Mass delete never builds them: the JobStore port does, from
chalicelib/storage/keys.py; here they are only carried."""

from __future__ import annotations

from dataclasses import dataclass

ItemKey = dict[str, dict[str, str]]  # {"pk": {"S": ...}, "sk": {"S": ...}}


@dataclass(frozen=True, slots=True)
class AddressKeys:
    """Every key the workflow touches for one address of one job."""

    partition: str  # the address's history and markers partition
    counter_key: ItemKey
    suppression_key: ItemKey
    marker_key: ItemKey  # the job's progress marker for this address
    job_key: ItemKey
