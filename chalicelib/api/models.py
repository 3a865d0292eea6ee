"""Every request and response shape of the API, once. From these types come the validation of
what clients send (bodies and query strings), the JSON the API answers, and the OpenAPI 3.1
document (chalicelib.api.openapi). Services take the request types and build the response types;
nothing else writes a shape.

msgspec, not pydantic: `python -m rebound.bench models` measures both in one run (import and
definition cost, and validating and encoding a page of 100 rows); msgspec was several times
faster on each and adds the least to a Lambda's cold start.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType, field

from chalicelib.bounces import AddressState
from chalicelib.classification.reasons import Category, Reason
from chalicelib.massdelete.states import JobState
from chalicelib.notify.model import Cadence
from chalicelib.tenancy.access import PrincipalKind, Role
from chalicelib.tenancy.ids import Source

MAX_LIMIT = 500
MAX_CHECK_ADDRESSES = 1000
MAX_JOB_ADDRESSES = 10_000
MAX_RISING_DAYS = 90
MAX_SEND_RECIPIENTS = 10_000_000
MAX_DOMAINS = 5000
MAX_RECIPIENTS = 20

Text = Annotated[str, Meta(max_length=320)]
Day = Annotated[date, Meta(description="a date as YYYY-MM-DD")]
Count = Annotated[int, Meta(ge=0)]
Limit = Annotated[int, Meta(ge=1, le=MAX_LIMIT, description="rows per page (1-500)")]
Cursor = Annotated[
    str, Meta(max_length=2048, description="next_cursor of the previous page, as it was given")
]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# Fractions from 0.0001 (0.01%): DynamoDB stores numbers down to 1e-130 only, and a rate finer
# than a hundredth of a percent means nothing for a mailing.
Rate = Annotated[float, Meta(ge=0.0001, lt=1, description="a fraction: 0.02 means 2%")]


class Model(Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every shape: unknown fields are refused with their name."""


# -- queries ---------------------------------------------------------------------------------


class PageQuery(Model):
    limit: Limit = 100
    cursor: Cursor | None = None


class BounceQuery(Model):
    """The report's filters (each list is comma-separated in the query string; a list matches
    any of its members, and all filters must hold) and its order."""

    category: list[Category] = field(default_factory=list)
    reason: list[Reason] = field(default_factory=list)
    hard: bool | None = None
    source: list[Source] = field(default_factory=list)
    domain: Annotated[str, Meta(max_length=253, pattern=r"^@?[A-Za-z0-9.-]*$")] = ""
    q: Annotated[str, Meta(max_length=320, description="address substring")] = ""
    first_from: Day | None = None
    first_to: Day | None = None
    last_from: Day | None = None
    last_to: Day | None = None
    min_count: Annotated[int, Meta(ge=0, le=1_000_000)] = 0
    state: list[AddressState] = field(default_factory=list)
    send_id: Annotated[str, Meta(max_length=64)] = ""
    sort: Literal["count", "last_bounce", "first_bounce", "address", "rising"] = "count"
    order: Literal["asc", "desc"] | None = None
    rising_days: Annotated[int, Meta(ge=1, le=MAX_RISING_DAYS)] = 7
    limit: Limit = 100
    cursor: Cursor | None = None


# -- bodies ----------------------------------------------------------------------------------


class AddressList(Model):
    addresses: Annotated[list[Text], Meta(min_length=1, max_length=MAX_CHECK_ADDRESSES)]


class SuppressionPolicyPatch(Model):
    hard_bounces: Annotated[int, Meta(ge=1, le=100)] | UnsetType = UNSET
    soft_bounces: Annotated[int, Meta(ge=1, le=1000)] | UnsetType = UNSET
    soft_days: Annotated[int, Meta(ge=1, le=90)] | UnsetType = UNSET


class TenantSettingsPatch(Model):
    name: Annotated[str, Meta(min_length=1, max_length=200)] | UnsetType = UNSET
    contact_count: Annotated[int, Meta(ge=1, le=100000000)] | UnsetType | None = UNSET
    accept_legacy_untagged: bool | UnsetType = UNSET
    suppression_policy: SuppressionPolicyPatch | UnsetType = UNSET
    regood_after_days: Annotated[int, Meta(ge=1, le=3650)] | UnsetType = UNSET
    suppress_complainers: bool | UnsetType = UNSET


class FilterBody(Model):
    """The report's filters as JSON (a mass delete's selection): lists or comma-separated."""

    category: list[Category] | Category | UnsetType = UNSET
    reason: list[Reason] | Reason | UnsetType = UNSET
    hard: bool | UnsetType = UNSET
    source: list[Source] | Source | UnsetType = UNSET
    domain: Annotated[str, Meta(max_length=253)] | UnsetType = UNSET
    q: Annotated[str, Meta(max_length=320)] | UnsetType = UNSET
    first_from: Day | UnsetType = UNSET
    first_to: Day | UnsetType = UNSET
    last_from: Day | UnsetType = UNSET
    last_to: Day | UnsetType = UNSET
    min_count: Annotated[int, Meta(ge=0, le=1_000_000)] | UnsetType = UNSET
    state: list[AddressState] | AddressState | UnsetType = UNSET
    send_id: Annotated[str, Meta(max_length=64)] | UnsetType = UNSET


class MassDeleteBody(Model):
    """Exactly one of filter (the report's filters) or addresses."""

    filter: FilterBody | UnsetType = UNSET
    addresses: (
        Annotated[list[Text], Meta(min_length=1, max_length=MAX_JOB_ADDRESSES)] | UnsetType
    ) = UNSET
    remove_emails: bool = False
    dry_run: bool = False
    note: Annotated[str, Meta(max_length=500)] = ""


class MassDeletePolicyPatch(Model):
    require_second_person: bool | UnsetType = UNSET
    max_share: Annotated[float, Meta(ge=0.0001, le=1)] | UnsetType = UNSET
    max_addresses: Annotated[int, Meta(ge=0, le=10_000_000)] | UnsetType = UNSET


class AlertLevelsPatch(Model):
    warn_rate: Rate | UnsetType = UNSET
    critical_rate: Rate | UnsetType = UNSET
    min_recipients: Annotated[int, Meta(ge=1, le=1_000_000)] | UnsetType = UNSET
    complaint_warn_rate: Rate | UnsetType = UNSET
    complaint_critical_rate: Rate | UnsetType = UNSET
    complaint_min_recipients: Annotated[int, Meta(ge=1, le=1_000_000)] | UnsetType = UNSET


class NotificationSettingsPut(Model):
    """The fields sent replace the current ones; the rest stay."""

    cadence: Cadence | UnsetType = UNSET
    hour: Annotated[int, Meta(ge=0, le=23, description="local hour")] | UnsetType = UNSET
    weekday: Weekday | UnsetType = UNSET
    timezone: Annotated[str, Meta(min_length=1, max_length=64)] | UnsetType = UNSET
    recipients: Annotated[list[Text], Meta(max_length=MAX_RECIPIENTS)] | UnsetType = UNSET
    send_empty: bool | UnsetType = UNSET
    alert_levels: AlertLevelsPatch | UnsetType = UNSET


class SendPut(Model):
    source: Source
    recipients: Annotated[int, Meta(ge=1, le=MAX_SEND_RECIPIENTS)]
    per_domain: Annotated[
        dict[Annotated[str, Meta(max_length=253)], Count], Meta(max_length=MAX_DOMAINS)
    ] = field(default_factory=dict)


class RecheckBody(Model):
    addresses: Annotated[list[Text], Meta(min_length=1, max_length=MAX_CHECK_ADDRESSES)]


class ForgetBody(Model):
    address: Annotated[str, Meta(min_length=3, max_length=320, description="the address")]


# -- responses -------------------------------------------------------------------------------


class Error(Struct):
    Code: str
    Message: str


class Health(Model):
    status: str


class Me(Model):
    scope: str
    role: Role
    tenants: list[str]
    name: str  # how audit lines name this caller: a person's username, or a key's label
    kind: PrincipalKind


class RawQuery(Model):
    key: Annotated[
        str,
        Meta(
            max_length=300,
            pattern=r"^inbound/[A-Za-z0-9._+=-]{1,250}$",
            description="the stored message's key, as the quarantine or unparsed list or an "
            "address's history (staff) gives it",
        ),
    ]
    download: bool = False


class TenantGlance(Model):
    """One tenant at a glance (staff)."""

    tenant: str
    name: str
    addresses: int
    invalid_share: float | None
    blocked_suspected: bool
    blacklisted: int
    last_bounce_at: str | None
    blocklists: Annotated[
        list[str], Meta(description='the blocklists its bounces named, e.g. "Spamhaus ZEN"')
    ] = field(default_factory=list)


class TenantOverview(Model):
    items: list[TenantGlance]


class MachineKey(Model):
    scope: str
    key_id: str
    role: Role
    label: str
    created_by: str
    created_at: str
    last_used_at: str | None
    revoked: bool


class MachineKeyList(Model):
    items: list[MachineKey]


class BounceCount(Model):
    """How many addresses match the report's filters."""

    addresses: int
    at_least: bool  # true when counting stopped at the limit


class AuthConfig(Model):
    """What the page needs to sign people in (nothing secret)."""

    enabled: bool
    region: str
    user_pool_id: str | None
    client_id: str | None
    endpoint: str | None


class Bounce(Model):
    """One bounced address of the report."""

    address: str
    count: int
    first_bounce_at: str
    last_bounce_at: str
    status: str
    reply_code: str
    reason: Reason
    category: Category
    hard: bool
    blacklisted: bool
    diagnostic: str
    explanation: str
    remote_mta: str
    source: str
    send_id: str
    state: AddressState
    summary: str
    recent_count: int
    blocklist: str | None  # "Spamhaus ZEN" when the diagnostic names the list


class BounceList(Model):
    items: list[Bounce]
    next_cursor: str | None
    # How many addresses match, when it is known without reading them all: a list that fits on
    # one page; otherwise null (GET .../bounce-count counts, bounded).
    total: int | None = None


class SuppressionInfo(Model):
    reason: str
    since: str
    actor: str
    job_id: str


class HistoryEntry(Model):
    bounce_at: str
    received_at: str
    source: str
    send_id: str
    status: str
    reply_code: str
    reason: str
    category: str
    hard: bool
    blacklisted: bool
    diagnostic: str
    remote_mta: str
    message_id: str
    blocklist: str | None = None
    raw_key: Annotated[
        str | None,
        Meta(
            description="staff only (null for tenant people): the stored message's key, for "
            "GET /v1/inbound-raw"
        ),
    ] = None


class HistoryPage(Model):
    items: list[HistoryEntry]
    next_cursor: str | None


class BounceDetail(Bounce):
    suppression: SuppressionInfo | None
    history: HistoryPage


class Suppression(Model, omit_defaults=True):
    """Whether the sending system must skip an address; why and since when if it must."""

    address: str
    suppressed: bool
    reason: str | None = None
    since: str | None = None
    actor: str | None = None
    job_id: str | None = None


class SuppressionCheck(Model):
    results: list[Suppression]


class ExportLink(Model):
    download_url: str
    rows: int
    expires_at: str


class Totals(Model):
    addresses: Count
    hard: Count
    soft: Count
    block: Count
    spam_content: Count
    mailbox_full: Count
    suppressed: Count
    blacklisted: Count


class DomainRow(Model):
    domain: str
    bounces: int
    hard: int
    blocks: int
    rate: float | None


class SourceRow(Model):
    source: str
    bounces: int


class ReasonRow(Model):
    reason: str
    bounces: int
    explanation: str


class DayRow(Model):
    date: str
    bounces: int
    hard: int
    soft: int
    block: int
    spam_content: int
    mailbox_full: int
    complaints: int


class BlockingHost(Model):
    domain: str
    blocks: int
    blacklisted: int
    blocklists: Annotated[
        list[str],
        Meta(description='the blocklists its recent refusals named, e.g. "Spamhaus ZEN"'),
    ] = field(default_factory=list)


class Blocking(Model):
    suspected: bool
    hosts: list[BlockingHost]
    blocklists: Annotated[
        list[str],
        Meta(description="every blocklist named by the recent blocked addresses, most first"),
    ] = field(default_factory=list)


class SendComplaints(Model):
    """One recent send's complaint rate."""

    send_id: str
    source: str
    recipients: int | None
    complaints: int
    rate: Annotated[float | None, Meta(description="complaints per recipient of the send")]


class Complaints(Model):
    """Spam complaints (feedback loops): never counted as bounces."""

    last_90_days: Count
    recent_sends: Annotated[int, Meta(description="sends reported in the last 30 days")]
    recent_recipients: int
    recent_complaints: int
    rate: Annotated[
        float | None,
        Meta(
            description="complaints per recipient over the sends the MMS reported in the last"
            " 30 days (Gmail asks bulk senders to stay below 0.001, never 0.003)"
        ),
    ]
    per_send: Annotated[
        list[SendComplaints],
        Meta(description="the last 30 days' sends that drew complaints, highest rate first"),
    ]


class Stats(Model):
    totals: Totals
    contact_count: int | None
    invalid_share: float | None
    per_domain: list[DomainRow]
    per_source: list[SourceRow]
    per_reason: list[ReasonRow]
    daily: list[DayRow]
    blocking: Blocking
    complaints: Complaints


class Inbound(Model):
    """A message kept for staff: a quarantined bounce or unreadable mail."""

    message_id: str
    s3_key: str
    received_at: str
    disposition: str
    kind: str
    tenant: str | None
    problem: str
    subject: str
    sender: str = field(name="from")
    recipients: list[str]
    mta: str
    defects: list[str]


class InboundList(Model):
    items: list[Inbound]
    next_cursor: str | None


class SuppressionPolicy(Model):
    hard_bounces: int
    soft_bounces: int
    soft_days: int


class TenantSettings(Model):
    tenant: str
    name: str
    contact_count: int | None
    accept_legacy_untagged: bool
    suppression_policy: SuppressionPolicy
    regood_after_days: int
    suppress_complainers: Annotated[
        bool,
        Meta(
            description="a recipient who reports our mail as spam (a feedback-loop complaint)"
            " is put on the suppression list"
        ),
    ]


class Selected(Model):
    addresses: int
    records: int


class JobProgress(Model):
    addresses: int
    archived: int
    deleted: int
    removed: int
    skipped: int


class JobTimings(Model):
    created_at: str
    approved_at: str | None
    started_at: str | None
    finished_at: str | None
    undone_at: str | None


class MassDeleteJob(Model):
    id: str
    tenant: str
    state: JobState
    dry_run: bool
    remove_emails: bool
    selection: dict[str, Any]
    note: str
    selected: Selected
    not_found: int
    oversized: int
    sample: list[str]
    staff_approval_required: str | None
    progress: JobProgress
    requested_by: str
    approved_by: str | None
    cancelled_by: str | None
    undone_by: str | None
    timings: JobTimings
    cancel_requested: bool
    runs: int
    restored: int
    restore_conflicts: int
    error: str | None
    second_person_required: bool = False
    plan_figures: PlanFigures | None = None


class PlanFigures(Model):
    """What a plan was made with; approval is judged against these or stricter current ones."""

    contact_count: int | None
    max_share: float | None
    max_addresses: int | None
    require_second_person: bool


class MassDeleteJobList(Model):
    items: list[MassDeleteJob]
    next_cursor: str | None


class UndoOutcome(Model):
    addresses_restored: int
    records_restored: int
    conflicts: int
    remaining: int
    complete: bool


class MassDeleteUndo(Model):
    job: MassDeleteJob
    undo: UndoOutcome


class AuditEntry(Model, omit_defaults=True):
    """One line of a tenant's audit trail: who did what, when; the other fields depend on the
    action (a plan's selection and size, an approval's execution, a policy's new values...)."""

    at: str
    job: str
    action: str
    actor: str
    selection: dict[str, Any] | None = None
    addresses: int | None = None
    records: int | None = None
    dry_run: bool | None = None
    remove_emails: bool | None = None
    staff_approval_required: str | None = None
    contact_count: int | None = None
    execution: str | None = None
    state: str | None = None
    restored: int | None = None
    conflicts: int | None = None
    require_second_person: bool | None = None
    max_share: float | None = None
    max_addresses: int | None = None
    address: str | None = None
    was: int | None = None  # contact count before a change (or a refused attempt)
    max_share_at_plan: float | None = None  # the policy a plan was made with
    bounce_count: int | None = None
    verdicts: dict[str, int] | None = None
    # A forget: the address as a keyed one-way hash (never the address), the key's id, and
    # how many of each kind were erased.
    address_sha256: str | None = None
    hash_key: str | None = None
    erased: dict[str, int] | None = None


class ErasedCounts(Model):
    """What one forget erased (chalicelib.forget.Erased), each a count; all zero when Rebound
    held nothing of the address."""

    counters: Count
    history: Count
    markers: Count
    suppressions: Count
    complaints: Count
    rechecks: Count
    inbound_records: Count
    raw_mail: Count
    raw_mail_kept: Count  # shared with another address's bounce: kept, its record redacted
    exports: Count
    archives: Count
    plans: Count
    mass_delete_markers: Count
    jobs: Count
    audit_lines: Count  # earlier audit lines that named the address, now without it


class ForgetOutcome(Model):
    tenant: str
    address_sha256: str  # as the audit trail holds it
    erased: ErasedCounts


class AuditList(Model):
    items: list[AuditEntry]
    next_cursor: str | None


class MassDeletePolicy(Model):
    require_second_person: bool
    max_share: float
    max_addresses: int


class AlertLevels(Model):
    warn_rate: float
    critical_rate: float
    min_recipients: int
    complaint_warn_rate: Annotated[
        float, Meta(description="complaints per recipient of a send (Gmail: 0.1%)")
    ]
    complaint_critical_rate: Annotated[
        float, Meta(description="complaints per recipient of a send (Gmail, Yahoo: 0.3%)")
    ]
    complaint_min_recipients: int


class NotificationSettings(Model):
    tenant: str
    cadence: Cadence
    hour: int
    weekday: Weekday
    timezone: str
    recipients: list[str]
    send_empty: bool
    alert_levels: AlertLevels


class Send(Model):
    tenant: str
    send_id: str
    source: str
    recipients: int | None
    per_domain: dict[str, int]
    bounces: int
    hard_bounces: int
    hard_bounce_rate: float | None
    complaints: int
    complaint_rate: float | None


def to_builtins(value: Struct) -> Any:
    """A response as plain JSON values (what clients receive)."""
    return msgspec.to_builtins(value)


class HostedCheck(Model):
    status: Literal["deliverable", "undeliverable", "risky", "unknown"]
    reason: str | None


class RecheckChecks(Model):
    """Each check made on one address; null where it could not run (bad syntax)."""

    syntax: Literal["ok", "invalid"]
    syntax_problem: str | None
    domain: str | None
    unicode_domain: str | None
    dns: (
        Literal[
            "mx",
            "a_fallback",
            "null_mx",
            "no_mail_host",
            "nxdomain",
            "timeout",
            "servfail",
            "error",
        ]
        | None
    )
    mx: list[str]
    fallback_addresses: list[str]
    disposable: bool
    role: bool
    typo_of: str | None
    hosted: HostedCheck | None


class RecheckResult(Model):
    address: str
    verdict: Literal["valid", "invalid", "risky", "unknown"]
    explanation: str
    suggestion: str | None
    checks: RecheckChecks


class RecheckList(Model):
    results: list[RecheckResult]
