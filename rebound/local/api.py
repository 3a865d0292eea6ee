"""The local stack's API: Chalice's own local dev server (the code behind `chalice local`),
run in a thread of this process.

Why in-process rather than a `chalice local` subprocess: the API, the ingest dispatcher and
the scheduler then share one moto, one environment and one app object; stopping is
`server.shutdown()` (no child process that could outlive a killed parent); and a port chosen by
the OS (port 0) is known at once. The semantics are `chalice local`'s: the same stage
configuration from .chalice/config.json (its environment variables are applied before the app
is imported), route validation, the same request/response translation (LocalGateway), and a
thread-local current_request.

The listening socket is bound by the caller before the app is imported, so the API URL can
go into the settings (REBOUND_REPORT_URL) that the app reads once.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from typing import Any

from chalice.cli.factory import CLIFactory
from chalice.local import LocalDevServer, ThreadedHTTPServer


def project_dir() -> Path:
    """The Chalice project (app.py and .chalice/): the checkout the `rebound` package is in,
    else the current directory."""
    here = Path(__file__).resolve().parents[2]
    if (here / ".chalice" / "config.json").is_file() and (here / "app.py").is_file():
        return here
    return Path.cwd()


def stage_config(stage: str = "dev") -> Any:
    """The stage's Chalice Config; its environment variables fill in what the environment
    does not set (an explicit variable wins, so a person can override one, e.g. LOG_LEVEL)."""
    config = CLIFactory(str(project_dir())).create_config_obj(chalice_stage_name=stage)
    for name, value in config.environment_variables.items():
        os.environ.setdefault(name, value)
    return config


class _PreBoundServer(ThreadedHTTPServer):
    def __init__(self, sock: socket.socket, handler: Any) -> None:
        super().__init__(sock.getsockname()[:2], handler, bind_and_activate=False)
        self.socket.close()  # the one socketserver made; ours is already bound and listening
        self.socket = sock
        self.server_address = sock.getsockname()[:2]


class ApiServer:
    """`chalice local` on a pre-bound socket, served by one thread."""

    def __init__(self, config: Any, sock: socket.socket) -> None:
        self.host, self.port = sock.getsockname()[:2]
        app = config.chalice_app  # imports app.py (after the environment is complete)
        from chalice.deploy.validate import validate_routes

        validate_routes(app.routes)
        self._server = LocalDevServer(
            _localise(app),
            config,
            self.host,
            self.port,
            server_cls=lambda _address, handler: _PreBoundServer(sock, handler),
        )
        self._thread = threading.Thread(
            target=self._server.server.serve_forever, args=(0.1,), name="api", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server.server_close()
        self._thread.join(timeout=5)


def _localise(app: Any) -> Any:
    """What chalice.local.create_local_server does to the app object (a thread-local
    current_request), without creating its own server."""
    from chalice.local import CustomLocalChalice, LocalChalice

    CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
    app.__class__ = CustomLocalChalice
    return app
