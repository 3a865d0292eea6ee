"""The local stack's scheduler: plays EventBridge Scheduler for the scheduled handlers.

It fires the summary handler every `interval` seconds (the first run one interval after start,
as a new schedule does) and, on request (`fire_now()`, wired to SIGUSR1 and to
`rebound local --fire-summary`), once at once. Runs are serial: a request during a run is
served right after it, never concurrently.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from rebound.local.dispatcher import LambdaContext

log = logging.getLogger("rebound.local.scheduler")

Handler = Callable[[dict[str, Any], Any], Any]


class Scheduler:
    def __init__(self, handler: Handler, interval: float, name: str = "summary") -> None:
        self._handler, self.interval, self.name = handler, interval, name
        self._wake = threading.Event()
        self.runs = 0

    def fire_now(self) -> None:
        """Ask for one run as soon as possible; safe from a signal handler (sets an Event)."""
        self._wake.set()

    def run_once(self) -> Any:
        context = LambdaContext(
            function_name=f"rebound-{self.name}",
            invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:rebound-{self.name}",
        )
        try:
            result = self._handler({}, context)
        except Exception:  # a failed run is logged; the schedule goes on, as on AWS
            log.exception("%s handler failed", self.name)
            return None
        finally:
            self.runs += 1
        print(f"scheduler: {self.name} ran: {result}", flush=True)
        return result

    def run(self, stop: threading.Event) -> None:
        """Until `stop` is set: wait for the interval or a request, then run the handler."""
        while not stop.is_set():
            self._wake.wait(self.interval)
            if stop.is_set():
                break
            self._wake.clear()
            self.run_once()

    def stop(self) -> None:
        """Wake the loop so it sees the stop flag at once."""
        self._wake.set()
