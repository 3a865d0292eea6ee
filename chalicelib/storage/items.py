"""PynamoDB item classes of the single Rebound table, and its indexes.

Nothing is read at import: the composition root binds the table (`bind_once`, from settings),
and `bind()` re-points every item class (tests use it to switch between moto and DynamoDB
Local). infra/ declares the same table; a test keeps the two
definitions equal.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model


class _Meta:
    # Placeholders until the composition root (chalicelib.wiring) or a tool binds the table.
    table_name = "rebound"
    region = "us-east-1"
    billing_mode = "PAY_PER_REQUEST"
    # The table's stream feeds the aggregator (chalicelib/storage/aggregate.py): each new
    # history item is one counted bounce, and its image carries everything the figures need.
    stream_view_type = "NEW_IMAGE"


# What a listing reads of a row (the report's rows and filters, exports, digests, mass-delete
# selection): projected into the indexes that serve listings, so a page is one Query. Left out:
# the policy's bookkeeping (version, active_*), read only by counting from the table itself,
# `domain` (the address says it), and the other indexes' keys. DynamoDB Local takes at most 20
# projected attributes per index (AWS: 100 per table), and this list stays within it.
ROW_ATTRIBUTES = [
    "tenant",
    "address",
    "bounce_count",
    "hard_count",
    "first_bounce_at",
    "last_bounce_at",
    "last_received_at",
    "status",
    "reply_code",
    "reason",
    "category",
    "hard",
    "blacklisted",
    "diagnostic",
    "explanation",
    "remote_mta",
    "source",
    "send_id",
    "state",
    "daily",
    "reactivated_at",  # the nightly re-check's candidates (by_state, reactivated)
]


def _row_projection(*index_keys: str) -> IncludeProjection:
    """The row's attributes beside the index's own keys (which every index holds anyway)."""
    return IncludeProjection([a for a in ROW_ATTRIBUTES if a not in index_keys])


# PynamoDB's Index.__init_subclass__ is untyped; nothing to check at these two class statements.
class ByCountIndex(GlobalSecondaryIndex["AddressCounterItem"]):  # type: ignore[no-untyped-call]
    """A tenant's addresses that bounced more than once, highest count first
    (ScanIndexForward=False). Sparse: its key `repeat_count` is absent while an address has
    one bounce, so a first bounce (most of a storm's) costs this index nothing; the
    once-bounced addresses, all tied at the bottom of the count order, are read from
    by_last_bounce (storage/counters.py, `_one_bounce_spec`)."""

    class Meta:
        index_name = "by_count"
        # bounce_count is the key itself here (the 20-attribute limit has no room for both).
        projection = _row_projection("repeat_count", "bounce_count")

    pk = UnicodeAttribute(hash_key=True)
    repeat_count = NumberAttribute(range_key=True)


class ByLastBounceIndex(GlobalSecondaryIndex["AddressCounterItem"]):  # type: ignore[no-untyped-call]
    """A tenant's bounced addresses by last bounce time (newest first, or since a moment)."""

    class Meta:
        index_name = "by_last_bounce"
        projection = _row_projection("last_bounce_at")

    pk = UnicodeAttribute(hash_key=True)
    last_bounce_at = UnicodeAttribute(range_key=True)


class ByFirstBounceIndex(GlobalSecondaryIndex["AddressCounterItem"]):  # type: ignore[no-untyped-call]
    """A tenant's addresses that bounced more than once, by first bounce time. Sparse like
    by_count: its key `repeat_first_at` is written at an address's second bounce (a
    once-bounced address's first bounce is its last, so by_last_bounce orders those). Keys
    only: the key never changes after that, so a later bounce (which changes every projected
    attribute) costs this index nothing; the rarely used listing by first bounce reads its
    page's rows in one BatchGetItem."""

    class Meta:
        index_name = "by_first_bounce"
        projection = KeysOnlyProjection()

    pk = UnicodeAttribute(hash_key=True)
    repeat_first_at = UnicodeAttribute(range_key=True)


class ByCategoryIndex(GlobalSecondaryIndex["AddressCounterItem"]):  # type: ignore[no-untyped-call]
    """One category of a tenant's addresses (T#<tenant>#C#<category>), highest count first."""

    class Meta:
        index_name = "by_category"
        projection = _row_projection("bounce_count")

    category_pk = UnicodeAttribute(hash_key=True)
    bounce_count = NumberAttribute(range_key=True)


class ByDomainIndex(GlobalSecondaryIndex["AddressCounterItem"]):  # type: ignore[no-untyped-call]
    """One recipient domain of a tenant's addresses (T#<tenant>#D#<domain>), by count."""

    class Meta:
        index_name = "by_domain"
        projection = _row_projection("bounce_count")

    domain_pk = UnicodeAttribute(hash_key=True)
    bounce_count = NumberAttribute(range_key=True)


class ByStateIndex(GlobalSecondaryIndex["AddressCounterItem"]):  # type: ignore[no-untyped-call]
    """Suppressed or reactivated addresses of a tenant, by count. Sparse: an active address
    (most of them, and every new one that is not suppressed at once) has no state_pk, so
    entering the report costs this index nothing; active ones are read through by_count."""

    class Meta:
        index_name = "by_state"
        projection = _row_projection("bounce_count")

    state_pk = UnicodeAttribute(hash_key=True)
    bounce_count = NumberAttribute(range_key=True)


class _Item(Model):
    class Meta(_Meta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class AddressCounterItem(_Item):
    """One bounced address of one tenant: the report's row. Defines the table's schema."""

    tenant = UnicodeAttribute()
    address = UnicodeAttribute()
    domain = UnicodeAttribute()
    bounce_count = NumberAttribute()
    hard_count = NumberAttribute(default=0)
    first_bounce_at = UnicodeAttribute()
    last_bounce_at = UnicodeAttribute()
    last_received_at = UnicodeAttribute()
    status = UnicodeAttribute(default="")
    reply_code = UnicodeAttribute(default="")
    reason = UnicodeAttribute()
    category = UnicodeAttribute()
    hard = BooleanAttribute(default=False)
    blacklisted = BooleanAttribute(default=False)
    diagnostic = UnicodeAttribute(default="")
    explanation = UnicodeAttribute(default="")
    remote_mta = UnicodeAttribute(default="")
    source = UnicodeAttribute(default="")
    send_id = UnicodeAttribute(default="")
    state = UnicodeAttribute()
    version = NumberAttribute()
    active_hard = NumberAttribute(default=0)
    active_soft = NumberAttribute(default=0)
    active_soft_days = ListAttribute(of=UnicodeAttribute, default=list)
    daily = ListAttribute(of=UnicodeAttribute, default=list)  # "yyyy-mm-dd=n", oldest first
    reactivated_at = UnicodeAttribute(null=True)  # last "mark as good"
    # The history key of the address's first bounce (its identity at the end): that bounce was
    # counted by the Put that created this item, with no marker of its own (counters.py).
    first_history = UnicodeAttribute(null=True, attr_name="h0")
    category_pk = UnicodeAttribute()
    domain_pk = UnicodeAttribute()
    state_pk = UnicodeAttribute(null=True)  # absent while active (ByStateIndex)
    # The keys of the sparse by_count and by_first_bounce: bounce_count and first_bounce_at
    # again, present only from an address's second bounce (counters.py, `_counter_item`).
    repeat_count = NumberAttribute(null=True)
    repeat_first_at = UnicodeAttribute(null=True)

    by_count = ByCountIndex()
    by_last_bounce = ByLastBounceIndex()
    by_first_bounce = ByFirstBounceIndex()
    by_category = ByCategoryIndex()
    by_domain = ByDomainIndex()
    by_state = ByStateIndex()


class BounceHistoryItem(_Item):
    """One counted bounce of one address (the detail view's rows)."""

    message_id = UnicodeAttribute()
    bounce_at = UnicodeAttribute()
    received_at = UnicodeAttribute()
    source = UnicodeAttribute(default="")
    send_id = UnicodeAttribute(default="")
    status = UnicodeAttribute(default="")
    reply_code = UnicodeAttribute(default="")
    reason = UnicodeAttribute()
    category = UnicodeAttribute()
    hard = BooleanAttribute(default=False)
    blacklisted = BooleanAttribute(default=False)
    diagnostic = UnicodeAttribute(default="")
    remote_mta = UnicodeAttribute(default="")
    attribution = UnicodeAttribute(default="tag")
    bounce_id = UnicodeAttribute(default="")  # the marker's key (BounceEvent.once_key)
    expires_at = NumberAttribute(null=True)  # TTL (docs/retention.md)
    # What this bounce changed of its address for the tenant's totals (AddressTotalsItem), read
    # by the stream aggregator only; absent when nothing (storage/totals.py, `encode_change`).
    totals_change = UnicodeAttribute(null=True, attr_name="tc")
    # Put back by a mass delete's undo: counted when it arrived, so the stream aggregator
    # leaves it out of the figures (aggregate.wanted).
    restored = BooleanAttribute(null=True, attr_name="rs")


class AppliedMarkerItem(_Item):
    """Exists once (bounce, recipient) has been counted: the exactly-once guard of every bounce
    but an address's first (whose guard is the counter's own creation, counters.py)."""

    applied_at = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)  # TTL (docs/retention.md)


class AggregatedSegmentItem(_Item):
    """One run of stream records the aggregator applied in one transaction, keyed by the
    first record's eventID: `records` says how many records from there it covered, so a
    redelivered batch skips them (chalicelib/storage/aggregate.py). Kept past the stream's
    24-hour retention, then removed by the table's TTL."""

    records = NumberAttribute()
    expires_at = NumberAttribute()


class DailyStatsItem(_Item):
    """Per tenant and day: how many bounces of each category were counted."""

    bounces = NumberAttribute(default=0)
    hard = NumberAttribute(default=0)
    soft = NumberAttribute(default=0)
    block = NumberAttribute(default=0)
    spam_content = NumberAttribute(default=0)
    mailbox_full = NumberAttribute(default=0)
    blacklisted = NumberAttribute(default=0)
    complaints = NumberAttribute(default=0)  # complaints recorded that day (never bounces)


class ComplaintItem(_Item):
    """One recorded complaint (storage/complaints.py): what the report lists."""

    address = UnicodeAttribute()
    message_id = UnicodeAttribute()
    complained_at = UnicodeAttribute()
    received_at = UnicodeAttribute()
    source = UnicodeAttribute(default="")
    send_id = UnicodeAttribute(default="")
    feedback_type = UnicodeAttribute(default="abuse")
    reported_by = UnicodeAttribute(default="")
    complainant = UnicodeAttribute(default="")
    attribution = UnicodeAttribute(default="tag")
    suppressed = BooleanAttribute(default=False)
    expires_at = NumberAttribute(null=True)  # TTL (docs/retention.md)


class InboundMessageItem(_Item):
    """What ingest did with one inbound message (quarantine, unparsed and ignored views)."""

    message_id = UnicodeAttribute()
    s3_key = UnicodeAttribute()
    received_at = UnicodeAttribute()
    disposition = UnicodeAttribute()
    kind = UnicodeAttribute()
    tenant = UnicodeAttribute(default="")
    problem = UnicodeAttribute(default="")
    subject = UnicodeAttribute(default="")
    sender = UnicodeAttribute(default="")
    recipients = ListAttribute(of=UnicodeAttribute, default=list)
    counted = NumberAttribute(default=0)
    mta = UnicodeAttribute(default="")
    defects = ListAttribute(of=UnicodeAttribute, default=list)
    expires_at = NumberAttribute(null=True)  # TTL (docs/retention.md)


class AggregateItem(_Item):
    """All-time bounce totals of a tenant per dimension value (sk "<dimension>#<value>":
    reason#userunknown, domain#example.net, source#broadcast)."""

    bounces = NumberAttribute(default=0)
    hard = NumberAttribute(default=0)
    blocks = NumberAttribute(default=0)
    blacklisted = NumberAttribute(default=0)


class AddressTotalsItem(_Item):
    """A tenant's bounced addresses: how many, per category (the last bounce's) and suppressed,
    so the stats view reads one item instead of counting every counter (storage/totals.py).
    The stream aggregator adds what each counted bounce changed; mark as good, mass delete,
    its undo and forget add what they change; a reconcile recounts and rewrites it, and sets
    `reconciled_at` (until then readers recount: the item may hold only the changes since the
    totals were introduced)."""

    addresses = NumberAttribute(default=0)
    suppressed = NumberAttribute(default=0)
    # One per Category (attribute name: the category's value, "-" as "_").
    hard = NumberAttribute(default=0)
    soft = NumberAttribute(default=0)
    block = NumberAttribute(default=0)
    spam_content = NumberAttribute(default=0)
    mailbox_full = NumberAttribute(default=0)
    not_a_bounce = NumberAttribute(default=0)
    complaint = NumberAttribute(default=0)
    reconciled_at = UnicodeAttribute(null=True)


class TenantItem(_Item):
    """A tenant's settings."""

    tenant = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    accept_legacy_untagged = BooleanAttribute(default=False)
    created_at = UnicodeAttribute(default="")
    contact_count = NumberAttribute(null=True)
    policy_hard_bounces = NumberAttribute(default=1)
    policy_soft_bounces = NumberAttribute(default=3)
    policy_soft_days = NumberAttribute(default=3)
    regood_after_days = NumberAttribute(default=90)
    suppress_complainers = BooleanAttribute(default=True)


class TenantIndexItem(_Item):
    """The list of tenants, under the system scope (staff views and the summary walk it)."""

    tenant = UnicodeAttribute()


class ApiKeyItem(_Item):
    """One API key: its scope, role and the SHA-256 of its secret."""

    scope = UnicodeAttribute()
    key_id = UnicodeAttribute()
    secret_sha256 = UnicodeAttribute()
    role = UnicodeAttribute()
    label = UnicodeAttribute(default="")
    created_at = UnicodeAttribute(default="")
    revoked = BooleanAttribute(default=False)
    created_by = UnicodeAttribute(default="")
    last_used_at = UnicodeAttribute(default="")


class SuppressionItem(_Item):
    """An address the sending system must skip, and why. Outlives the counter (a mass delete
    with email removal deletes the counter but keeps the address suppressed)."""

    address = UnicodeAttribute()
    reason = UnicodeAttribute()  # SuppressionReason value
    since = UnicodeAttribute()
    actor = UnicodeAttribute(default="")  # who (or "rebound" for a policy decision)
    job_id = UnicodeAttribute(default="")  # the mass-delete job that removed it, if any


class SystemStateItem(_Item):
    """Small named values (e.g. when the summary last ran)."""

    value = UnicodeAttribute()


# -- mass-delete jobs (chalicelib/storage/jobs.py) ---------------------------------------


class MassDeleteJobItem(_Item):
    """One job: what was asked, by whom, its state and (written by the workflow) progress."""

    tenant = UnicodeAttribute()
    job_id = UnicodeAttribute()
    state = UnicodeAttribute()
    created_at = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    selection = UnicodeAttribute()  # JSON
    remove_emails = BooleanAttribute(default=False)
    dry_run = BooleanAttribute(default=False)
    addresses = NumberAttribute(default=0)
    records = NumberAttribute(default=0)
    sample = ListAttribute(of=UnicodeAttribute, default=list)
    plan_key = UnicodeAttribute(default="")
    chunks = NumberAttribute(default=0)
    not_found = NumberAttribute(default=0)
    oversized = NumberAttribute(default=0)
    note = UnicodeAttribute(default="")
    staff_required = UnicodeAttribute(default="")
    figures = UnicodeAttribute(default="{}")  # JSON: the plan's contact count and policy
    approved_by = UnicodeAttribute(default="")
    approved_at = UnicodeAttribute(default="")
    started_at = UnicodeAttribute(null=True)
    finished_at = UnicodeAttribute(default="")
    execution_arn = UnicodeAttribute(default="")
    runs = NumberAttribute(default=0)
    cancel_requested = BooleanAttribute(default=False)
    cancelled_by = UnicodeAttribute(default="")
    undone_by = UnicodeAttribute(default="")
    undone_at = UnicodeAttribute(default="")
    restored = NumberAttribute(default=0)
    restore_conflicts = NumberAttribute(default=0)
    error = UnicodeAttribute(null=True)
    # Written by the state machine with ADD.
    addresses_done = NumberAttribute(null=True)
    archived = NumberAttribute(null=True)
    deleted = NumberAttribute(null=True)
    removed = NumberAttribute(null=True)
    skipped = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # TTL (docs/retention.md)


class MassDeleteAuditItem(_Item):
    """One audit line; kept after the job (and its archive) are gone."""

    at = UnicodeAttribute()
    job_id = UnicodeAttribute()
    action = UnicodeAttribute()
    actor = UnicodeAttribute()
    detail = UnicodeAttribute(default="{}")  # JSON


class MassDeletePolicyItem(_Item):
    require_second_person = BooleanAttribute(default=False)
    max_share = NumberAttribute()
    max_addresses = NumberAttribute()


class MassDeleteMarkerItem(_Item):
    """The workflow's progress for one address of one job: stage deleting -> done."""

    address = UnicodeAttribute()
    stage = UnicodeAttribute()
    outcome = UnicodeAttribute(null=True)
    pages = NumberAttribute(null=True)
    records = NumberAttribute(null=True)
    archive_prefix = UnicodeAttribute(null=True)
    keys = UnicodeAttribute(null=True)  # JSON: the keys to delete, while "deleting"
    expires_at = NumberAttribute(null=True)  # TTL (docs/retention.md): as long as its job


class MassDeleteChunkItem(_Item):
    """One chunk's result: what its worker did, as absolute counts over the chunk's addresses
    (recomputed from the markers on every run, so writing them again changes nothing)."""

    chunk = NumberAttribute()
    addresses_done = NumberAttribute(default=0)
    archived = NumberAttribute(default=0)
    deleted = NumberAttribute(default=0)
    removed = NumberAttribute(default=0)
    skipped = NumberAttribute(default=0)
    invocations = NumberAttribute(default=0)  # worker runs over this chunk (all runs)
    seconds = NumberAttribute(default=0)  # worker time over this chunk (all runs)
    updated_at = UnicodeAttribute(default="")
    expires_at = NumberAttribute(null=True)  # TTL (docs/retention.md): as long as its job


# -- notifications (chalicelib/storage/notify.py) ----------------------------------------


class NotificationSettingsItem(_Item):
    cadence = UnicodeAttribute()
    hour = NumberAttribute()
    weekday = UnicodeAttribute()
    timezone = UnicodeAttribute()
    recipients = ListAttribute(of=UnicodeAttribute, default=list)
    send_empty = BooleanAttribute(default=False)
    warn_rate = NumberAttribute()
    critical_rate = NumberAttribute()
    min_recipients = NumberAttribute()
    complaint_warn_rate = NumberAttribute(default=0.001)
    complaint_critical_rate = NumberAttribute(default=0.003)
    complaint_min_recipients = NumberAttribute(default=1000)
    updated_at = UnicodeAttribute(default="")


class DigestMarkerItem(_Item):
    """One digest period: claimed (sending), sent or skipped."""

    state = UnicodeAttribute()
    claimed_at = UnicodeAttribute()
    message_id = UnicodeAttribute(default="")
    expires_at = NumberAttribute()


class DigestSnapshotItem(_Item):
    until = UnicodeAttribute()
    invalid = NumberAttribute()
    contacts = NumberAttribute(null=True)


class SendVolumeItem(_Item):
    send_id = UnicodeAttribute()
    source = UnicodeAttribute(default="")
    recipients = NumberAttribute(null=True)
    reported_at = UnicodeAttribute(null=True)
    bounces = NumberAttribute(default=0)
    hard = NumberAttribute(default=0)
    complaints = NumberAttribute(default=0)
    first_bounce_at = UnicodeAttribute(null=True)
    version = NumberAttribute(default=0)
    expires_at = NumberAttribute()


class SendDomainItem(_Item):
    """One recipient domain of a tenant over every reported send."""

    recipients = NumberAttribute(default=0)
    bounces = NumberAttribute(default=0)
    hard = NumberAttribute(default=0)


class SendRecipientsItem(_Item):
    """Recipients of one send in one domain, as the MMS last reported them: one small item per
    domain (up to 5,000), so a report moves each domain's tenant total by its own difference
    and nothing a bounce touches carries the per-domain map."""

    recipients = NumberAttribute()
    expires_at = NumberAttribute()


class AlertStateItem(_Item):
    last_at = UnicodeAttribute()
    expires_at = NumberAttribute()


class AlertBudgetItem(_Item):
    sent = NumberAttribute(default=0)
    expires_at = NumberAttribute()


class AlertWindowItem(_Item):
    """Block or policy rejections from one receiving domain within one UTC hour: the stream
    aggregator adds each run's merged count (chalicelib/storage/aggregate.py)."""

    hits = NumberAttribute(default=0)
    expires_at = NumberAttribute()


# -- address re-checks (chalicelib/storage/rechecks.py) --------------------------------------


class RecheckCheckpointItem(_Item):
    """How far one night's re-check of one tenant got (resumable)."""

    cursor = UnicodeAttribute(null=True)
    pages = NumberAttribute(default=0)
    checked = NumberAttribute(default=0)
    changed = NumberAttribute(default=0)
    done = BooleanAttribute(default=False)
    expires_at = NumberAttribute()


class RecheckLatestItem(_Item):
    """An address's latest re-check verdict (what the next night compares with)."""

    address = UnicodeAttribute()
    verdict = UnicodeAttribute()
    run_id = UnicodeAttribute()
    checked_at = UnicodeAttribute()


class RecheckHistoryItem(_Item):
    """One re-check of one address, in the address's own partition beside its bounces."""

    verdict = UnicodeAttribute()
    explanation = UnicodeAttribute(default="")
    suggestion = UnicodeAttribute(null=True)
    run_id = UnicodeAttribute()
    checked_at = UnicodeAttribute()


class RecheckChangeItem(_Item):
    """A verdict that changed in one night (what the tenant's digest lists)."""

    address = UnicodeAttribute()
    verdict = UnicodeAttribute()
    previous = UnicodeAttribute(null=True)
    explanation = UnicodeAttribute(default="")
    checked_at = UnicodeAttribute()
    expires_at = NumberAttribute()


class DnsAnswerItem(_Item):
    """A mail domain's DNS answer, kept for its TTL (capped) across re-check runs."""

    answer = UnicodeAttribute()  # JSON (chalicelib.recheck.model.DomainAnswer.as_item)
    cached_until = NumberAttribute()  # epoch seconds; the answer is not used after it
    expires_at = NumberAttribute()  # the table's TTL: DynamoDB removes it some time after


_bound = False


def bind_once(table_name: str, region: str) -> None:
    """Bind the table from settings unless something bound it explicitly (a test, a tool)."""
    if not _bound:
        bind(table_name, None, region)


def bind(table_name: str, host: str | None = None, region: str | None = None) -> None:
    """Point every item class at one table (and optionally an endpoint); drops cached clients."""
    global _bound  # noqa: PLW0603 - one binding per process, like PynamoDB's own Meta
    _bound = True
    meta: Any = _Item.Meta  # shared by every item class
    if (meta.table_name, meta.host, meta.region) == (table_name, host, region or meta.region):
        return
    meta.table_name = table_name
    meta.host = host
    if region:
        meta.region = region
    for cls in _Item.__subclasses__():  # every item class of the table
        cls._connection = None


def create_table(wait: bool = True) -> None:
    """Create the table (idempotent). The schema model carries the key and index definitions."""
    if not AddressCounterItem.exists():
        AddressCounterItem.create_table(billing_mode="PAY_PER_REQUEST", wait=wait)
