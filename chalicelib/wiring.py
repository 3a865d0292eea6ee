"""The composition root: builds each service once per process from settings and adapters.

Nothing here runs at import; Lambda pays for what a function uses on its first call.
"""

from __future__ import annotations

import os
from functools import cache

from chalicelib.config import DEFAULT_TAG_KEYS, settings
from chalicelib.ingest import IngestConfig, IngestObserver, IngestService
from chalicelib.massdelete.service import MassDeleteService
from chalicelib.notify.summary import SummaryService
from chalicelib.ports import ExportSink
from chalicelib.report.service import ReportService
from chalicelib.storage.repository import DynamoRepository
from chalicelib.tenancy.tags import SigningKey, parse_keys


@cache
def repository() -> DynamoRepository:
    return DynamoRepository()


@cache
def signing_keys() -> tuple[SigningKey, ...]:
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
    from chalicelib.aws.s3 import S3InboundMail

    s = settings()
    config = IngestConfig(signing_keys(), s.inbound_local_part, s.inbound_domain)
    return IngestService(
        repository(),
        repository(),
        S3InboundMail(s.bucket_name),
        config,
        observers=ingest_observers(),
    )


def ingest_observers() -> tuple[IngestObserver, ...]:
    """Who hears about each ingested message (alerting plugs in here)."""
    return ()


@cache
def export_sink() -> ExportSink:
    from chalicelib.aws.s3 import S3Exports

    return S3Exports(settings().bucket_name)


@cache
def report_service() -> ReportService:
    return ReportService(repository(), repository())


def summary_service() -> SummaryService:
    from chalicelib.aws.ses import SesMailer

    s = settings()
    return SummaryService(
        store=repository(),
        tenants=repository(),
        state=repository(),
        mailer=SesMailer(),
        sender=s.mail_from,
        recipients=s.staff_addresses,
        inbound_address=s.inbound_address,
    )


@cache
def mass_delete_service() -> MassDeleteService:
    """Mass delete: jobs on the table, plans and archives in the bucket, the state machine."""
    from chalicelib.aws.eventbus import EventBus
    from chalicelib.aws.s3 import S3InboundMail
    from chalicelib.aws.sfn import StepFunctionsWorkflow
    from chalicelib.massdelete.config import mass_delete_settings
    from chalicelib.storage.jobs import JobRepository

    s, md = settings(), mass_delete_settings()
    return MassDeleteService(
        jobs=JobRepository(),
        counters=repository(),
        tenants=repository(),
        objects=S3InboundMail(s.bucket_name),
        workflow=StepFunctionsWorkflow(md.state_machine_arn),
        events=EventBus(s.event_bus),
        default_policy=md.default_policy,
        undo_seconds=md.undo_seconds,
        concurrency=md.concurrency,
    )
