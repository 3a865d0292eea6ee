"""`rebound local`: the whole service on 127.0.0.1 with no AWS account, in the foreground.

Starts, in this order: the API and SMTP sockets (so a busy port fails at once), the DNS stub
that re-checks ask (rebound.dnsstub, a random port written to local.json as `dns_port`), moto
in-process (S3, SQS, SES, DynamoDB, Step Functions with its interpreter on, EventBridge, Cognito),
provisioning by rebound.provision (the code the tests use), demo tenants and keys, then the
threads: `chalice local` (rebound.local.api), the SMTP listener playing SES inbound, the
dispatcher playing Lambda's SQS event-source mapping, the scheduler firing the summary, and the
outbox writer.
When ready it writes the state files (rebound.local.state) and prints how to use the stack.

SIGINT (Ctrl-C) and SIGTERM stop everything in reverse order and exit 0; SIGUSR1 fires the
summary at once (`rebound local --fire-summary` sends it to a running stack).

Environment first: fake credentials, AWS_ENDPOINT_URL, MOTO_PORT and the stage's variables are
set before anything imports chalicelib, whose settings are read once per process.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import os
import signal
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from rebound.local.state import FAKE_CREDENTIALS, running_stack, state_file_path

HOST = "127.0.0.1"
DEFAULT_API_PORT = 8000
DEFAULT_SMTP_PORT = 2525
DEFAULT_OUTBOX = ".rebound/outbox"
DEFAULT_SUMMARY_INTERVAL = 3600.0
ALERTS_CHECK_SECONDS = 900.0
RECHECK_SECONDS = 3600.0
DEFAULT_STAFF_ADDRESSES = "staff@example.com"
SAMPLE_BOUNCE_NAME = "sample-bounce.eml"

log = logging.getLogger("rebound.local")


class StartupError(Exception):
    """Something a person can fix (a busy port, a bad flag): printed without a traceback."""


def _env_port(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise StartupError(f"{name}={value!r} is not a port number") from None


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument(
        "--api-port",
        type=int,
        help=f"API port (env REBOUND_API_PORT, default {DEFAULT_API_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--smtp-port",
        type=int,
        help=f"SMTP port (env REBOUND_SMTP_PORT, default {DEFAULT_SMTP_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--outbox",
        help=f"folder for mail the service sends (env REBOUND_OUTBOX, default {DEFAULT_OUTBOX})",
    )
    parser.add_argument(
        "--state-file",
        help="where to write local.json (env REBOUND_STATE_FILE, default .rebound/local.json); "
        "aws.json goes next to it",
    )
    parser.add_argument(
        "--summary-interval",
        type=float,
        default=DEFAULT_SUMMARY_INTERVAL,
        metavar="SECONDS",
        help="how often the summary handler runs (default 3600)",
    )
    parser.add_argument(
        "--demo", action="store_true", help="send the demo bounces through SMTP after start"
    )
    parser.add_argument(
        "--fire-summary",
        action="store_true",
        help="do not start a stack: make the running one send its summary now, then exit",
    )


def run(args: argparse.Namespace, name: str) -> int:
    state_file = state_file_path(args.state_file)
    if args.fire_summary:
        return _fire_summary(state_file)
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="%(asctime)s %(name)s %(message)s"
    )
    logging.getLogger("rebound").setLevel(logging.INFO)
    # Powertools warns on every ingest batch without metrics (S3's test event): noise locally.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    if args.summary_interval <= 0:
        print("rebound local: --summary-interval must be more than 0 seconds", file=sys.stderr)
        return 2
    other = running_stack(state_file)
    if other is not None:
        print(
            f"rebound local: a local stack (pid {other['pid']}) already runs with {state_file}; "
            "stop it first, or give this one another --state-file",
            file=sys.stderr,
        )
        return 1
    try:
        return LocalStack(args, state_file).run()
    except StartupError as error:
        print(f"rebound local: {error}", file=sys.stderr)
        return 1


def _fire_summary(state_file: Path) -> int:
    stack = running_stack(state_file)
    if stack is None:
        print(f"rebound local: no running local stack found ({state_file})", file=sys.stderr)
        return 1
    os.kill(int(stack["pid"]), signal.SIGUSR1)
    print(f"asked the local stack (pid {stack['pid']}) to send the summary now")
    return 0


class LocalStack:
    def __init__(self, args: argparse.Namespace, state_file: Path) -> None:
        self.args = args
        self.state_file = state_file
        self.stop = threading.Event()

    # -- lifecycle -----------------------------------------------------------------------------

    def run(self) -> int:
        with contextlib.ExitStack() as cleanup:
            self._install_signals(cleanup)
            self._start(cleanup)
            print("\nRebound local stack is ready. Ctrl-C stops it.\n", flush=True)
            while not self.stop.wait(0.5):
                pass
            print("\nstopping the local stack ...", flush=True)
        print("stopped.", flush=True)
        # Everything is stopped and closed. The interpreter's last garbage collection walks the
        # millions of objects moto and botocore's models hold (seconds on a busy machine) and
        # frees nothing that matters now: leave them out of it.
        gc.freeze()
        return 0

    def _install_signals(self, cleanup: contextlib.ExitStack) -> None:
        def stop(signum: int, frame: Any) -> None:
            self.stop.set()

        for signum in (signal.SIGINT, signal.SIGTERM):
            cleanup.callback(signal.signal, signum, signal.signal(signum, stop))

    def _thread(self, cleanup: contextlib.ExitStack, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, args=(self.stop,), name=name, daemon=True)
        thread.start()

        def join() -> None:
            self.stop.set()
            thread.join(timeout=10)
            if thread.is_alive():
                log.warning("thread %s did not stop in time", name)

        cleanup.callback(join)

    def _start(self, cleanup: contextlib.ExitStack) -> None:  # noqa: PLR0915 - starts each part of the stack in order
        args = self.args
        from rebound.local.smtp import bind_tcp

        api_port = (
            args.api_port
            if args.api_port is not None
            else _env_port("REBOUND_API_PORT", DEFAULT_API_PORT)
        )
        smtp_port = (
            args.smtp_port
            if args.smtp_port is not None
            else _env_port("REBOUND_SMTP_PORT", DEFAULT_SMTP_PORT)
        )
        api_sock = _bind(bind_tcp, api_port, "API", "--api-port", "REBOUND_API_PORT")
        cleanup.callback(api_sock.close)
        smtp_sock = _bind(bind_tcp, smtp_port, "SMTP", "--smtp-port", "REBOUND_SMTP_PORT")
        cleanup.callback(smtp_sock.close)
        api_url = f"http://{HOST}:{api_sock.getsockname()[1]}"
        from rebound.dnsstub import DnsStub

        dns_stub = DnsStub.start(host=HOST)
        cleanup.callback(dns_stub.stop)

        endpoint = self._start_moto(cleanup)
        os.environ["REBOUND_DNS_SERVER"] = f"{HOST}:{dns_stub.port}"  # re-checks ask the stub
        os.environ.setdefault("REBOUND_STAFF_ADDRESSES", DEFAULT_STAFF_ADDRESSES)
        os.environ.setdefault("REBOUND_REPORT_URL", f"{api_url}/")

        from rebound.local.api import ApiServer, stage_config
        from rebound.local.demo import DEMO_TENANTS
        from rebound.people import provision_people

        config = stage_config()  # before chalicelib is imported: its settings are read once
        # The user pool first: it sets the REBOUND_COGNITO_* settings the API reads once.
        people_pool = provision_people(os.environ["AWS_REGION"], [t for t, _ in DEMO_TENANTS])

        from chalicelib import wiring
        from chalicelib.aws.s3 import S3InboundMail
        from chalicelib.config import settings
        from rebound.local import demo
        from rebound.local.dispatcher import Dispatcher
        from rebound.local.inbound import RecipientRule
        from rebound.local.outbox import Outbox
        from rebound.local.scheduler import Scheduler
        from rebound.local.smtp import SesInboundHandler, SmtpListener
        from rebound.local.state import LocalState, remove_state, write_state
        from rebound.local.streams import StreamPump
        from rebound.provision import provision, provision_mass_delete

        s = settings()
        provisioned = provision(s)
        provision_mass_delete(s)  # the very definition infra/ synthesizes, run by moto
        # The alerts check watches the dead-letter queue (in AWS: every schedule's DLQ too).
        os.environ.setdefault("REBOUND_DLQ_URLS", provisioned.dlq_url)
        wiring.reset()  # settings read once more, now that the environment is complete
        tenants, staff_key = demo.create_demo_tenants(wiring.tenants())
        users = demo.create_demo_people(people_pool)

        api = ApiServer(config, api_sock)  # imports app.py
        import app as chalice_app

        api.start()
        cleanup.callback(api.stop)

        outbox = Outbox(Path(args.outbox or os.environ.get("REBOUND_OUTBOX") or DEFAULT_OUTBOX))
        self._thread(cleanup, "outbox", outbox.run)

        scheduler = Scheduler(chalice_app.summary, args.summary_interval)
        self._thread(cleanup, "scheduler", scheduler.run)
        cleanup.callback(scheduler.stop)  # runs before the join: wakes the interval wait
        signal.signal(signal.SIGUSR1, lambda signum, frame: scheduler.fire_now())
        cleanup.callback(signal.signal, signal.SIGUSR1, signal.SIG_DFL)
        # As in AWS (infra/constructs/schedule.py): the DLQ / unparsed check every 15 minutes.
        alerts = Scheduler(chalice_app.alerts_check, ALERTS_CHECK_SECONDS, name="alerts_check")
        self._thread(cleanup, "alerts-check", alerts.run)
        cleanup.callback(alerts.stop)
        # As in AWS: the nightly re-check (DNS only, against the stub above), hourly here.
        nightly = Scheduler(chalice_app.recheck_nightly, RECHECK_SECONDS, name="recheck_nightly")
        self._thread(cleanup, "recheck-nightly", nightly.run)
        cleanup.callback(nightly.stop)

        dispatcher = Dispatcher(
            provisioned.queue_url, provisioned.queue_arn, chalice_app.ingest, s.region
        )
        self._thread(cleanup, "dispatcher", dispatcher.run)
        # As in AWS (infra/constructs/aggregation.py): the table's stream feeds the aggregator,
        # which derives the tenant's day, dimension and send figures from counted bounces.
        stream = StreamPump(s.table_name, chalice_app.aggregate, region=s.region)
        self._thread(cleanup, "aggregator", stream.run)

        rule = RecipientRule(s.inbound_local_part, s.inbound_domain)
        inbound = S3InboundMail(s.bucket_name)
        smtp = SmtpListener(smtp_sock, SesInboundHandler(rule, inbound.write, s.inbound_prefix))
        smtp.start()
        cleanup.callback(smtp.stop)

        state = LocalState(
            api_url=api.url,
            smtp_host=smtp.host,
            smtp_port=smtp.port,
            inbound_address=rule.address,
            outbox=str(outbox.folder),
            tenants=tenants,
            staff_api_key=staff_key,
            dns_port=dns_stub.port,
            auth=people_pool.as_json(),
            users=users,
        )
        if args.demo:
            sent = demo.send(smtp.host, smtp.port, demo.demo_messages(s, wiring.signing_keys()))
            _wait_for_queue(provisioned.queue_url, s.region, timeout=15)
            print(f"demo: sent {sent} messages through SMTP; they are in the report", flush=True)
        sample = demo.sample_bounce(s, wiring.signing_keys())
        sample_file = self.state_file.with_name(SAMPLE_BOUNCE_NAME).resolve()
        sample_file.parent.mkdir(parents=True, exist_ok=True)
        sample_file.write_bytes(sample.raw)
        cleanup.callback(sample_file.unlink, missing_ok=True)
        write_state(self.state_file, state, endpoint)
        # Registered last, so it runs first on the way down: nobody uses a stack that is stopping.
        cleanup.callback(remove_state, self.state_file)
        banner = _banner(state, endpoint, self.state_file, sample_file, sample.return_path)
        print(banner, flush=True)

    def _start_moto(self, cleanup: contextlib.ExitStack) -> str:
        os.environ.update(FAKE_CREDENTIALS)  # never a real account, whatever the shell has
        os.environ.pop("AWS_PROFILE", None)
        os.environ.setdefault("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
        os.environ.setdefault("AWS_DEFAULT_REGION", os.environ["AWS_REGION"])
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)
        server.start()
        cleanup.callback(server.stop)
        _, port = server.get_host_and_port()
        endpoint = f"http://{HOST}:{port}"
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        os.environ["MOTO_PORT"] = str(port)
        import requests

        # Step Functions executes state machines only when asked (for the mass-delete work).
        response = requests.post(
            f"{endpoint}/moto-api/config",
            json={"stepfunctions": {"execute_state_machine": True}},
            timeout=10,
        )
        response.raise_for_status()
        return endpoint


def _bind(bind_tcp: Any, port: int, what: str, flag: str, env: str) -> Any:
    if not 0 <= port <= 65535:
        raise StartupError(f"{what} port {port} is out of range (0-65535; 0 picks a free one)")
    try:
        return bind_tcp(HOST, port)
    except OSError as error:
        raise StartupError(
            f"cannot listen for {what} on {HOST}:{port} ({error.strerror}); choose another "
            f"port with {flag} or {env} (0 picks a free one)"
        ) from None


def _wait_for_queue(queue_url: str, region: str, timeout: float) -> None:
    """Until the ingest queue is empty (every demo message delivered), or the timeout."""
    import boto3

    sqs: Any = boto3.client("sqs", region_name=region)
    deadline = time.monotonic() + timeout
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    while time.monotonic() < deadline:
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)
        if all(attributes["Attributes"].get(n) == "0" for n in names):
            return
        time.sleep(0.1)


def _banner(state: Any, endpoint: str, state_file: Path, sample_file: Path, sample_rp: str) -> str:
    data = state.as_json()
    first = data["tenants"][0]
    api, host, port = data["api_url"], data["smtp_host"], data["smtp_port"]
    lines = [
        "",
        f"  PAGE       {api}/   sign in with a demo person below (username and password)",
        f"  API        {api}   (chalice local; routes under /v1)",
        f"  SMTP       {host}:{port}   plays SES inbound: accepts only "
        f"{data['inbound_address']} and its +tag variants",
        f"  outbox     {data['outbox']}   (mail the service sends, as .eml)",
        f"  local AWS  {endpoint}   (moto: S3, SQS, SES, DynamoDB, Step Functions, EventBridge, "
        "Cognito)",
        f"  DNS        {host}:{data['dns_port']}   (our stub, rebound/data/dns-stub.zone; "
        "re-checks ask it, nothing leaves the machine)",
        f"  state      {state_file.resolve()}   (pid {os.getpid()}; everything is kept in "
        "memory and gone when the stack stops)",
        "",
    ]
    lines.append("  people (sign in to the page; passwords change at every start):")
    for user in data.get("users", []):
        where = user["tenant"] or "every tenant"
        lines.append(f"    {user['username']:<26} {user['password']}   {user['role']} ({where})")
    lines.append("")
    for tenant in data["tenants"]:
        lines.append(f"  tenant {tenant['id']}")
        lines.append(f"    viewer key  {tenant['api_key']}")
        lines.append(f"    admin key   {tenant['admin_api_key']}")
    lines += [
        f"  staff key     {data['staff_api_key']}",
        "",
        "  Read a report:",
        f"    curl -H 'Authorization: Bearer {first['api_key']}' "
        f"{api}/v1/tenants/{first['id']}/bounces",
        f"    curl -H 'Authorization: Bearer {data['staff_api_key']}' {api}/v1/quarantine",
        "  Send a bounce in (any SMTP client; null sender, to a signed return path):",
        f"    RP={sample_rp}",
        f"    swaks --server {host}:{port} --from '<>' --to \"$RP\" --data @{sample_file}",
        f'    python -c \'import smtplib,sys; smtplib.SMTP("{host}", {port})'
        '.sendmail("", [sys.argv[1]], open(sys.argv[2], "rb").read())\' '
        f'"$RP" {sample_file}',
        "  A return path of your own (tenant, source, send id, recipient):",
        f"    rebound return-path --tenant {first['id']} --source broadcast --send-id s1 "
        "--recipient ann@example.net",
        "  Re-check addresses (DNS only, against the stub above):",
        f"    rebound recheck ann@example.com ann@gmial.com ann@nomail.example.org "
        f"--tenant {first['id']}",
        "  Send the staff summary now:",
        f"    rebound local --fire-summary   (or: kill -USR1 {os.getpid()})",
        "",
        "  local.json:",
        *("    " + line for line in json.dumps(data, indent=2).splitlines()),
    ]
    return "\n".join(lines)
