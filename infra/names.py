"""Names the CDK app, the Chalice app and the tests must agree on, in one place.

Logical ids of the Chalice resources are fixed by `chalice package` (CamelCase of the function
name); environment variable names are read by chalicelib/config.py; key and index names are
declared again by the PynamoDB models in chalicelib/storage/items.py (a test keeps them equal).
"""

from __future__ import annotations

from typing import Final

from chalicelib.config import Env

APP_NAME: Final = "rebound"
DEFAULT_STAGE: Final = "prod"

# Chalice: function name in app.py / .chalice/config.json -> logical id in the packaged template.
INGEST_FUNCTION: Final = "ingest"
SUMMARY_FUNCTION: Final = "summary"
API_FUNCTION: Final = "api_handler"
INGEST_ID: Final = "Ingest"
SUMMARY_ID: Final = "Summary"
ALERTS_CHECK_FUNCTION: Final = "alerts_check"
ALERTS_CHECK_ID: Final = "AlertsCheck"
RECHECK_NIGHTLY_FUNCTION: Final = "recheck_nightly"
RECHECK_NIGHTLY_ID: Final = "RecheckNightly"
AGGREGATE_FUNCTION: Final = "aggregate"
AGGREGATE_ID: Final = "Aggregate"
MASS_DELETE_WORKER_FUNCTION: Final = "mass_delete_worker"
MASS_DELETE_WORKER_ID: Final = "MassDeleteWorker"
API_HANDLER_ID: Final = "APIHandler"
# Every function of the app, each with its own role (constructs/chalice_app.py).
FUNCTION_IDS: Final = (
    INGEST_ID,
    SUMMARY_ID,
    ALERTS_CHECK_ID,
    RECHECK_NIGHTLY_ID,
    AGGREGATE_ID,
    MASS_DELETE_WORKER_ID,
    API_HANDLER_ID,
)
REST_API_ID: Final = "RestAPI"
API_GATEWAY_STAGE: Final = "api"

# S3 key prefixes of the mail bucket.
INBOUND_PREFIX: Final = "inbound/"
EXPORTS_PREFIX: Final = "exports/"
ARCHIVES_PREFIX: Final = "archives/"

# The single DynamoDB table.
PARTITION_KEY: Final = "pk"
SORT_KEY: Final = "sk"
TTL_ATTRIBUTE: Final = "expires_at"
# Index definitions come from the PynamoDB models (chalicelib/storage/items.py).

EVENT_BUS: Final = "rebound"

# Lambda environment: the names chalicelib.config.Env spells (one spelling, shared).
ENV_TABLE: Final = Env.TABLE
ENV_DLQ_URLS: Final = Env.DLQ_URLS
ENV_BUCKET: Final = Env.BUCKET
ENV_EVENT_BUS: Final = Env.EVENT_BUS
ENV_INBOUND_DOMAIN: Final = Env.INBOUND_DOMAIN
ENV_INBOUND_LOCAL_PART: Final = Env.INBOUND_LOCAL_PART
ENV_TAG_KEYS_SECRET_ARN: Final = Env.TAG_KEYS_SECRET_ARN
ENV_MAIL_FROM: Final = Env.MAIL_FROM
ENV_STAFF_ADDRESSES: Final = Env.STAFF_ADDRESSES
ENV_REPORT_URL: Final = Env.REPORT_URL
ENV_INBOUND_RETENTION_DAYS: Final = Env.INBOUND_RETENTION_DAYS
ENV_LOG_LEVEL: Final = "LOG_LEVEL"
ENV_POWERTOOLS_SERVICE: Final = "POWERTOOLS_SERVICE_NAME"
ENV_POWERTOOLS_NAMESPACE: Final = "POWERTOOLS_METRICS_NAMESPACE"

# SQS -> ingest event-source mapping.
INGEST_BATCH_SIZE: Final = 10
# Waiting up to 5 s fills batches under a burst (fewer, cheaper invocations) while a single
# bounce still shows up in the report within seconds.
INGEST_BATCH_WINDOW_SECONDS: Final = 5
INGEST_MAX_RECEIVE_COUNT: Final = 5
# At most this many ingest invocations at once (the mapping's MaximumConcurrency). A storm is
# one tenant: its new addresses land on few index keys (T#<tenant>#C#<category> and
# T#<tenant>#D#<domain>, bounce_count 1, in by_category and by_domain; by_count, by_first_bounce
# and by_state are sparse and skip them), which DynamoDB cannot split, and one key
# takes about 1,000 write units a second; a bounce writes 2 there (transactional). One
# invocation counts about 25 bounces a second, so 10 stay near 250 bounces (500 units) a
# second on that key, with headroom for the other tenants; a larger storm waits in the queue
# (bounded, retried, alarmed on age) instead of turning into throttling and retries.
INGEST_MAX_CONCURRENCY: Final = 10
# DynamoDB stream -> aggregate: up to 1,000 new history items per invocation, waiting at most
# 5 s to fill a batch, so figures trail counting by seconds. A batch is merged into as few
# transactions as its distinct figures allow (100 items each): the figures' writes are paid per
# run, not per bounce, so a fuller batch is a cheaper one (a storm of 250 bounces a second fills
# 1,000 in 4 s; 1,000 records of ~1.5 KB stay far below Lambda's 6 MB payload).
AGGREGATE_BATCH_SIZE: Final = 1000
AGGREGATE_BATCH_WINDOW_SECONDS: Final = 5
# A failing batch is retried (the aggregator is idempotent) this often, then its records'
# coordinates go to the aggregation dead-letter queue and an alarm: figures would be short.
AGGREGATE_RETRY_ATTEMPTS: Final = 50
# AWS: the queue's visibility timeout should be at least 6x the function timeout (plus the
# batching window), or messages of a throttled, retried batch become visible again mid-run.
VISIBILITY_TIMEOUT_FACTOR: Final = 6

# Mass delete (infra/constructs/mass_delete.py): the state machine's name is
# "<app>-mass-delete-<stage>"; plans are read from and archives written to the mail bucket.
MASS_DELETE_NAME: Final = "mass-delete"
PLANS_PREFIX: Final = "plans/"
ENV_MASS_DELETE_STATE_MACHINE_ARN: Final = Env.MASS_DELETE_STATE_MACHINE_ARN
