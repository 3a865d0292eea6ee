"""The composition root: builds each service once per process from settings and adapters.

Nothing here runs at import, and nothing is imported until a factory is first called: each
Lambda function pays (in cold-start time) only for the modules it uses.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from chalicelib.config import DEFAULT_TAG_KEYS, settings

if TYPE_CHECKING:  # each factory imports what it builds, when first called (cold start)
    from chalicelib.forget import ForgetService
    from chalicelib.ingest import IngestObserver, IngestService
    from chalicelib.massdelete.service import MassDeleteService
    from chalicelib.massdelete.worker import ChunkWorker
    from chalicelib.notify.alerts import AlertDispatcher, AlertObserver, AlertsCheck
    from chalicelib.notify.service import DigestService, MailPolicy
    from chalicelib.ports import ExportSink
    from chalicelib.recheck.nightly import NightlyRecheck
    from chalicelib.recheck.service import RecheckService
    from chalicelib.report.service import ReportService
    from chalicelib.storage.aggregate import StreamAggregator
    from chalicelib.storage.complaints import ComplaintRepository
    from chalicelib.storage.counters import CounterRepository
    from chalicelib.storage.inbound import InboundRepository
    from chalicelib.storage.jobs import ChunkRepository, JobRepository
    from chalicelib.storage.notify import NotifyRepository
    from chalicelib.storage.rechecks import RecheckRepository
    from chalicelib.storage.tenants import StateRepository, TenantRepository
    from chalicelib.tenancy.people import PersonDirectory, TokenVerifier
    from chalicelib.tenancy.tags import SigningKey

if TYPE_CHECKING:
    from chalicelib.aws.s3 import S3InboundMail


def reset() -> None:
    """Forget every service built so far: the next call builds it from the settings read
    afresh (the local stack and tests call this after changing the environment)."""
    settings.cache_clear()
    for value in list(globals().values()):
        if callable(value) and hasattr(value, "cache_clear") and value is not settings:
            value.cache_clear()


@cache
def counters() -> CounterRepository:
    """Bounced addresses: counting, the report's reads, mass delete's selection."""
    from chalicelib.storage.counters import CounterRepository

    bind_storage()
    return CounterRepository(retention=settings().retention)


@cache
def complaints() -> ComplaintRepository:
    """Complaints (feedback reports): recording at ingest, the report's listing."""
    from chalicelib.storage.complaints import ComplaintRepository

    bind_storage()
    return ComplaintRepository(retention=settings().retention)


@cache
def aggregator() -> StreamAggregator:
    """The tenant's figures, derived from the table's stream; it counts the block-burst
    windows too and tells the alert observer about them."""
    from chalicelib.storage.aggregate import StreamAggregator

    bind_storage()
    return StreamAggregator(on_block_windows=alert_observer().observe_block_windows)


@cache
def tenants() -> TenantRepository:
    """Tenants and their API keys."""
    from chalicelib.storage.tenants import TenantRepository

    bind_storage()
    return TenantRepository()


@cache
def inbound() -> InboundRepository:
    """The messages received that need a record (ingest.needs_inbound_record), as staff list
    them."""
    from chalicelib.storage.inbound import InboundRepository

    bind_storage()
    return InboundRepository(retention=settings().retention)


@cache
def state() -> StateRepository:
    from chalicelib.storage.tenants import StateRepository

    bind_storage()
    return StateRepository()


@cache
def bind_storage() -> None:
    """The table from settings, and the cursor key's source (the table's key item, read when
    the first cursor is issued or read): bound here, never at import. Only the functions that
    verify return paths (ingest, the API) read the tag-signing keys; the others have no grant."""
    from chalicelib import cursors
    from chalicelib.storage.items import bind_once
    from chalicelib.storage.tenants import cursor_secret

    s = settings()
    bind_once(s.table_name, s.region)
    cursors.bind_key_source(cursor_secret)


# -- sign-in (issue 10) -------------------------------------------------------------------


@cache
def token_verifier() -> TokenVerifier | None:
    """People's tokens, when a user pool is configured (else only machine keys work)."""
    s = settings().sign_in
    if not (s.issuer and s.client_ids):
        return None
    from chalicelib.aws.cognito import CognitoTokenVerifier

    return CognitoTokenVerifier(issuer=s.issuer, jwks_url=s.jwks_url, client_ids=s.client_ids)


@cache
def person_directory() -> PersonDirectory | None:
    s = settings().sign_in
    if not s.user_pool_id:
        return None
    from chalicelib.aws.cognito import CognitoDirectory

    return CognitoDirectory(s.user_pool_id)


@cache
def signing_keys() -> tuple[SigningKey, ...]:
    from chalicelib.tenancy.tags import parse_keys

    s = settings()
    if s.tag_keys_secret_arn:
        from chalicelib.aws.secrets import read_secret

        return parse_keys(read_secret(s.tag_keys_secret_arn))
    if s.tag_keys == DEFAULT_TAG_KEYS and os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        # The development key is public: in AWS it would let anyone forge return paths.
        raise RuntimeError("set REBOUND_TAG_KEYS_SECRET_ARN; the development tag key is public")
    return parse_keys(s.tag_keys)


@cache
def ingest_service() -> IngestService:
    from chalicelib import native
    from chalicelib.aws.s3 import S3InboundMail
    from chalicelib.ingest import IngestConfig, IngestService

    native.install()  # the parser's one-pass search of its tables (chalicelib.native)

    s = settings()
    config = IngestConfig(signing_keys(), s.inbound_local_part, s.inbound_domain)
    return IngestService(
        counters(),
        inbound(),
        tenants(),
        S3InboundMail(s.bucket_name),
        config,
        observers=ingest_observers(),
        complaints=complaints(),
        complaint_observers=(alert_observer(),),
    )


def ingest_observers() -> tuple[IngestObserver, ...]:
    """Who hears about each ingested message (alerting plugs in here)."""
    return (alert_observer(),)


@cache
def inbound_reader() -> S3InboundMail:
    from chalicelib.aws.s3 import S3InboundMail

    return S3InboundMail(settings().bucket_name)


@cache
def export_sink() -> ExportSink:
    from chalicelib.aws.s3 import S3Exports

    return S3Exports(settings().bucket_name)


@cache
def report_service() -> ReportService:
    from chalicelib.report.service import ReportService

    return ReportService(
        counters(),
        inbound(),
        volumes=notify_repository(),
        audit=audit_trail(),
        complaints=complaints(),
        sends=notify_repository(),
        inbound_prefix=settings().inbound_prefix,
    )


@cache
def audit_trail() -> JobRepository:
    """The tenant's audit trail (beside its mass-delete jobs): who did what, when."""
    from chalicelib.storage.jobs import JobRepository

    bind_storage()
    return JobRepository(retention=settings().retention)


@cache
def mass_delete_service() -> MassDeleteService:
    """Mass delete: jobs on the table, plans and archives in the bucket, the state machine."""
    from chalicelib.aws.eventbus import EventBus
    from chalicelib.aws.s3 import S3InboundMail
    from chalicelib.aws.sfn import StepFunctionsWorkflow
    from chalicelib.massdelete.model import Policy
    from chalicelib.massdelete.service import MassDeleteService

    s = settings()
    md = s.mass_delete
    return MassDeleteService(
        jobs=audit_trail(),
        counters=counters(),
        tenants=tenants(),
        objects=S3InboundMail(s.bucket_name),
        workflow=StepFunctionsWorkflow(md.state_machine_arn),
        events=EventBus(s.event_bus),
        default_policy=Policy(md.second_person, md.max_share, md.max_addresses),
        undo_seconds=md.undo_seconds,
        concurrency=md.concurrency,
    )


@cache
def forget_service() -> ForgetService:
    """Erasure of one person's data: the table, the bucket, the audit trail; the audit's hash
    is keyed with the signing key (rotating it changes later hashes, the audit names the key)."""
    from chalicelib.aws.s3 import S3Objects
    from chalicelib.forget import ForgetService
    from chalicelib.storage.erasure import ErasureRepository

    bind_storage()
    return ForgetService(
        ErasureRepository(settings().inbound_prefix),
        S3Objects(settings().bucket_name),
        tenants(),
        audit_trail(),
        signing_keys()[0],
    )


@cache
def chunk_store() -> ChunkRepository:
    """The mass-delete chunk workers' markers, claims and chunk results."""
    from chalicelib.storage.jobs import ChunkRepository

    bind_storage()
    return ChunkRepository(retention=settings().retention)


@cache
def mass_delete_worker() -> ChunkWorker:
    """One plan chunk per Lambda run (the state machine's ProcessChunk task)."""
    from chalicelib.aws.eventbus import EventBus
    from chalicelib.aws.s3 import S3InboundMail
    from chalicelib.massdelete.worker import ChunkWorker

    s = settings()
    return ChunkWorker(
        store=chunk_store(), objects=S3InboundMail(s.bucket_name), events=EventBus(s.event_bus)
    )


def settings_audit(tenant: str) -> Callable[[str, str, dict[str, Any]], None]:
    """Changes to what protects a tenant (its contact count) go to its audit trail."""
    trail = audit_trail()

    def record(action: str, actor: str, detail: dict[str, Any]) -> None:
        trail.record(tenant, action, actor, detail)

    return record


# -- notifications -------------------------------------------------------------------------


@cache
def notify_repository() -> NotifyRepository:
    from chalicelib.storage.notify import NotifyRepository

    bind_storage()
    return NotifyRepository()


def mail_policy() -> MailPolicy:
    from chalicelib.notify.service import MailPolicy

    s = settings()
    return MailPolicy(s.mail_from, s.inbound_local_part, s.inbound_domain)


@cache
def digest_service() -> DigestService:
    from chalicelib.aws.ses import SesMailer
    from chalicelib.notify.digest import DigestBuilder
    from chalicelib.notify.service import DigestService

    s = settings()
    return DigestService(
        builder=DigestBuilder(counters(), inbound(), notify_repository(), rechecks()),
        notify=notify_repository(),
        tenants=tenants(),
        mailer=SesMailer(),
        policy=mail_policy(),
        staff_recipients=s.staff_addresses,
        staff_digest_hour=settings().notify.staff_digest_hour,
        report_url=s.report_url,
    )


@cache
def alert_dispatcher() -> AlertDispatcher:
    from chalicelib.aws.alerts_bus import EventBridgeAlerts
    from chalicelib.aws.ses import SesMailer
    from chalicelib.notify.alerts import AlertDispatcher

    s = settings()
    store = notify_repository()

    def tenant_recipients(tenant: str) -> tuple[str, ...]:
        found = store.get_notification_settings(tenant)
        return found.recipients if found else ()

    return AlertDispatcher(
        store=store,
        mailer=SesMailer(),
        events=EventBridgeAlerts(s.event_bus),
        policy=mail_policy(),
        staff_recipients=s.staff_addresses,
        emails_per_hour=settings().notify.alert_emails_per_hour,
        tenant_recipients=tenant_recipients,
    )


@cache
def alert_observer() -> AlertObserver:
    from chalicelib.notify.alerts import AlertObserver

    return AlertObserver(
        store=notify_repository(),
        dispatcher=alert_dispatcher(),
        config=settings().notify,
        report_url=settings().report_url,
    )


def alerts_check() -> AlertsCheck:
    from chalicelib.aws.alerts_bus import SqsQueueDepths
    from chalicelib.notify.alerts import AlertsCheck

    return AlertsCheck(
        dispatcher=alert_dispatcher(),
        queues=SqsQueueDepths(),
        state=state(),
        inbound=inbound(),
        config=settings().notify,
    )


@cache
def recheck_service() -> RecheckService:
    """Re-checks by DNS only (never a mail server): the configured DNS server or the system's,
    answers cached per domain for their TTL."""
    from chalicelib.net.resolver import DnsPythonResolver
    from chalicelib.recheck.cache import CachingResolver
    from chalicelib.recheck.service import RecheckService

    server = settings().dns_server
    if server:
        host, _, port = server.rpartition(":")
        resolver = DnsPythonResolver([host.strip("[]")], int(port))
    else:
        resolver = DnsPythonResolver()
    return RecheckService(CachingResolver(resolver, rechecks()))


@cache
def rechecks() -> RecheckRepository:
    """Nightly re-check runs, their findings, and DNS answers kept across runs."""
    from chalicelib.storage.rechecks import RecheckRepository

    bind_storage()
    return RecheckRepository()


def nightly_recheck(regood_after_days: int) -> NightlyRecheck:
    from chalicelib.recheck.nightly import NightlyConfig, NightlyRecheck

    store = rechecks()
    config = NightlyConfig(regood_after_days=regood_after_days)
    return NightlyRecheck(recheck_service(), store, store, store, config)
