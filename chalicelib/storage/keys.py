"""Every key of the single table, built in one place. Every partition key starts with the scope:
a tenant id, or a reserved scope (`_staff`, `_system`) that no tenant id can spell.

    pk                              sk                          item
    T#<tenant>                      A#<address>                 AddressCounterItem (+ GSIs)
    T#<tenant>                      TENANT                      TenantItem
    T#<tenant>#A#<address>          H#<bounce_at>#<bounce id>   BounceHistoryItem
    T#<tenant>#A#<address>          M#<message>                 AppliedMarkerItem
    T#<tenant>#STATS                D#<yyyy-mm-dd>              DailyStatsItem
    T#<tenant>#SUPP                 <address>                   SuppressionItem
    T#<tenant>#COMPL                <complained_at>#<message>   ComplaintItem (complaints.py)
    T#<tenant>#A#<address>          C#<message>                 AppliedMarkerItem of a complaint
    T#<tenant>#AGG                  <dimension>#<value>         AggregateItem
    T#<tenant>#AGG                  ADDRESSES                   AddressTotalsItem (totals.py)
    T#_system#AGGSEG                <stream record eventID>     AggregatedSegmentItem (TTL)
    T#<tenant>#MD                   J#<job>                     MassDeleteJobItem (jobs.py)
    T#<tenant>#MD                   L#<at>#<job>#<action>       MassDeleteAuditItem (jobs.py)
    T#<tenant>#MD                   POLICY                      MassDeletePolicyItem (jobs.py)
    T#<tenant>#MD#<job>             A#<address>                 MassDeleteMarkerItem (jobs.py)
    T#<tenant>#MD#<job>             C#<chunk>                   MassDeleteChunkItem (jobs.py)
    T#<tenant>#NOTIFY               SETTINGS                    NotificationSettingsItem (notify.py)
    T#<scope>#NOTIFY                DIGEST#<period>             DigestMarkerItem (TTL)
    T#<scope>#NOTIFY                SNAPSHOT                    DigestSnapshotItem
    T#<tenant>#SEND                 <send id>                   SendVolumeItem (TTL)
    T#<tenant>#SENDDOM              <domain>                    SendDomainItem
    T#<tenant>#SEND#<send id>       D#<domain>                  SendRecipientsItem (TTL)
    T#<scope>#ALERT                 K#<alert key>               AlertStateItem (TTL)
    T#<scope>#ALERT                 B#<window>                  AlertBudgetItem (TTL)
    T#_system#ALERT                 W#<hour>#blocks#<domain>    AlertWindowItem (TTL)

GSI partition keys on AddressCounterItem: pk (by_count, by_last_bounce, by_first_bounce),
category_pk T#<tenant>#C#<category>, domain_pk T#<tenant>#D#<domain>, state_pk T#<tenant>#S#<state>.
    T#<tenant>#RECHECK              RUN#<night> | A#<address> | C#<night>#<address>  re-checks
    T#<tenant>#A#<address>          R#<night>                   RecheckHistoryItem
    T#_system#DNS#<domain>          ANSWER                      DnsAnswerItem (TTL)
    T#<scope>#KEY                   <key id>                    ApiKeyItem
    T#<scope>#IN#<disposition>      <received_at>#<message>     InboundMessageItem
    T#_system                       TENANT#<tenant>             TenantIndexItem
    T#_system                       STATE#<name>                SystemStateItem
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.timefmt import iso

COUNTER_SK_PREFIX = "A#"
TENANT_SK = "TENANT"


def tenant_pk(tenant: str) -> str:
    return f"T#{tenant}"


def tenant_index_sk(tenant: str) -> str:
    """The _system partition's entry for one tenant (every tenant is listed there)."""
    return f"TENANT#{tenant}"


def state_sk(name: str) -> str:
    return f"STATE#{name}"


def counter_sk(address: str) -> str:
    return f"{COUNTER_SK_PREFIX}{address}"


def address_pk(tenant: str, address: str) -> str:
    return f"T#{tenant}#A#{address}"


def split_address_pk(pk: str) -> tuple[str, str]:
    """(tenant, address) of an address partition (tenant ids never hold "#")."""
    tenant, _, address = pk.removeprefix("T#").partition("#A#")
    return tenant, address


def history_sk(bounce_at: datetime, once_key: str) -> str:
    """A counted bounce of the address, newest last; `once_key` is the bounce's identity
    (BounceEvent.once_key), so every delivery of one bounce names the same item."""
    return f"{HISTORY_SK_PREFIX}{iso(bounce_at)}#{once_key}"


def is_history_of(sk: str, once_key: str) -> bool:
    """Is this history key the bounce with this identity (whatever its time)?"""
    return sk.startswith(HISTORY_SK_PREFIX) and sk.endswith(f"#{once_key}")


def marker_sk(message_id: str) -> str:
    return f"M#{message_id}"


def stats_pk(tenant: str) -> str:
    return f"T#{tenant}#STATS"


def stats_sk(day: str) -> str:
    return f"{STATS_SK_PREFIX}{day}"


def key_pk(scope: str) -> str:
    return f"T#{scope}#KEY"


def inbound_pk(scope: str, disposition: str) -> str:
    return f"T#{scope}#IN#{disposition}"


def inbound_sk(received_at: datetime, message_id: str) -> str:
    return f"{iso(received_at)}#{message_id}"


def suppression_pk(tenant: str) -> str:
    return f"T#{tenant}#SUPP"


def complaint_pk(tenant: str) -> str:
    return f"T#{tenant}#COMPL"


def complaint_sk(complained_at: datetime, message_id: str) -> str:
    return f"{iso(complained_at)}#{message_id}"


def complaint_marker_sk(message_id: str) -> str:
    """A complaint's exactly-once marker, beside a bounce's (M#) under the address."""
    return f"C#{message_id}"


def aggregate_pk(tenant: str) -> str:
    return f"T#{tenant}#AGG"


def aggregate_sk(dimension: str, value: str) -> str:
    return f"{dimension}#{value}"


TOTALS_SK = "ADDRESSES"  # beside the dimension totals: no "#", so no dimension's prefix


def segment_pk() -> str:
    """The stream aggregator's applied runs (aggregate.py): one small item per run of records."""
    return "T#_system#AGGSEG"


def segment_sk(first_event_id: str) -> str:
    return first_event_id


def facet_pk(tenant: str, facet: str, value: str) -> str:
    """Partition of a facet index: facet is "C" (category), "D" (domain) or "S" (state)."""
    return f"T#{tenant}#{facet}#{value}"


def notify_pk(scope: str) -> str:
    return f"T#{scope}#NOTIFY"


def send_pk(tenant: str) -> str:
    return f"T#{tenant}#SEND"


def split_send_pk(pk: str) -> str:
    """The tenant of a send partition."""
    return pk.removeprefix("T#").removesuffix("#SEND")


def send_domain_pk(tenant: str) -> str:
    return f"T#{tenant}#SENDDOM"


def send_recipients_pk(tenant: str, send_id: str) -> str:
    return f"T#{tenant}#SEND#{send_id}"


def alert_pk(scope: str) -> str:
    return f"T#{scope}#ALERT"


# -- mass-delete jobs -------------------------------------------------------------------------

JOB_SCOPE = "MD"  # T#<tenant>#MD: jobs, audit trail and policy of one tenant
POLICY_SK = "POLICY"


def jobs_pk(tenant: str) -> str:
    return f"{tenant_pk(tenant)}#{JOB_SCOPE}"


def job_sk(job_id: str) -> str:
    return f"{JOB_SK_PREFIX}{job_id}"


def audit_sk(at: str, job_id: str, action: str) -> str:
    return f"{AUDIT_SK_PREFIX}{at}#{job_id}#{action}"


def job_markers_pk(tenant: str, job_id: str) -> str:
    """One progress marker per address of one job (written by the workflow)."""
    return f"{jobs_pk(tenant)}#{job_id}"


def job_marker_sk(address: str) -> str:
    return f"{MARKER_SK_PREFIX}{address}"


def chunk_sk(chunk: int) -> str:
    """One chunk's result (its worker's counts) beside the job's markers."""
    return f"{CHUNK_SK_PREFIX}{chunk:06d}"


def item_key(pk: str, sk: str) -> dict[str, dict[str, str]]:
    """A key in DynamoDB's JSON form, as the state machine's SDK integrations take it."""
    return {"pk": {"S": pk}, "sk": {"S": sk}}


# -- sort keys inside the partitions above ----------------------------------------------------

HISTORY_SK_PREFIX = "H#"
JOB_SK_PREFIX = "J#"
MARKER_SK_PREFIX = "A#"
CHUNK_SK_PREFIX = "C#"
AUDIT_SK_PREFIX = "L#"
STATS_SK_PREFIX = "D#"
SEND_RECIPIENTS_SK_PREFIX = "D#"
SETTINGS_SK = "SETTINGS"
SNAPSHOT_SK = "SNAPSHOT"


def digest_sk(period: str) -> str:
    return f"DIGEST#{period}"


def send_recipients_sk(domain: str) -> str:
    return f"{SEND_RECIPIENTS_SK_PREFIX}{domain}"


def alert_state_sk(key: str) -> str:
    return f"K#{key}"


def alert_budget_sk(window: str) -> str:
    return f"B#{window}"


def block_window_sk(window: str, domain: str) -> str:
    """Block or policy rejections from one receiving domain within one UTC hour (the stream
    aggregator counts them, chalicelib/storage/aggregate.py)."""
    return f"W#{window}#blocks#{domain}"


# -- address re-checks ------------------------------------------------------------------------


def recheck_pk(tenant: str) -> str:
    """A tenant's re-check runs (RUN#<night>), latest verdicts (A#<address>) and changes
    (C#<night>#<address>)."""
    return f"T#{tenant}#RECHECK"


def recheck_run_sk(run_id: str) -> str:
    return f"RUN#{run_id}"


def recheck_latest_sk(address: str) -> str:
    return f"A#{address}"


def recheck_change_sk(run_id: str, address: str) -> str:
    return f"C#{run_id}#{address}"


RECHECK_CHANGE_PREFIX = "C#"


def recheck_history_sk(run_id: str) -> str:
    """In the address's partition (address_pk), beside its bounce history (H#...)."""
    return f"R#{run_id}"


def dns_pk(domain: str) -> str:
    """DNS answers are no tenant's: a partition per mail domain, shared by every tenant."""
    return f"T#_system#DNS#{domain}"


DNS_SK = "ANSWER"
