"""Powertools singletons and metric names, set up once per process."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="rebound")
metrics = Metrics(namespace="Rebound", service="rebound")


class MetricName:
    """Every metric Rebound emits (alarms and dashboards refer to these names)."""

    MESSAGES_INGESTED = "MessagesIngested"
    BOUNCES_COUNTED = "BouncesCounted"
    DUPLICATES_SKIPPED = "DuplicatesSkipped"
    BOUNCES_AGGREGATED = "BouncesAggregated"
    QUARANTINED = "Quarantined"
    UNPARSED = "Unparsed"
    IGNORED = "Ignored"
    SUMMARIES_SENT = "SummariesSent"
