"""The phone page's HTTP server: uvicorn with a header time-out, an idle time-out and caps on connections, per
address and in all, so that idle or slow clients cannot take the page from everyone (one way to start it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
import time
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from booth.config import BoothConfig, WebSection, missing_files
from booth.errors import ConfigError

log = logging.getLogger("booth.consent.web")

ACCEPT_BATCH = 64
"""The listen backlog, which is also how many connections asyncio accepts in one go before any is looked at:
kept small, so connections over the caps are closed before a burst of them can use up the open files."""
NOTE_EVERY_S = 60.0
"""One log line per address and minute for connections refused, however many there were."""


class _Limits:
    def __init__(self, web: WebSection) -> None:
        self.header_timeout_s = web.header_timeout_s
        self.total = web.max_connections
        self.per_address = web.max_connections_per_address
        self.noted: dict[str, float] = {}

    def note(self, address: str, why: str) -> None:
        now = time.monotonic()
        if now - self.noted.get(address, -NOTE_EVERY_S) >= NOTE_EVERY_S:
            if len(self.noted) > 10_000:
                self.noted.clear()
            self.noted[address] = now
            log.warning("connections from %s closed: %s (logged once a minute)", address, why)


class GuardedH11(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection over the caps at once and one that has not sent a
    whole request's headers within the time-out (a request under way, such as a video download, is never cut)."""

    limits: _Limits

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        address = self.client[0] if self.client else "?"
        same = sum(1 for c in self.connections if _address(c) == address)
        if len(self.connections) > self.limits.total:
            self.limits.note(address, f"{self.limits.total} connections are open in all")
            transport.abort()
        elif same > self.limits.per_address:
            self.limits.note(address, f"{self.limits.per_address} are open from it already")
            transport.abort()
        else:
            self._await_headers()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        super().connection_lost(exc)

    def _await_headers(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(self.limits.header_timeout_s, self._headers_due)

    def _headers_due(self) -> None:
        self._deadline = None
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and not self.transport.is_closing():
            self.transport.close()


def _address(connection: object) -> str | None:
    client = getattr(connection, "client", None)
    return str(client[0]) if isinstance(client, tuple) else None


class _AcceptErrors(logging.Filter):
    """asyncio's 'out of system resource' on accept: one line a minute, without its traceback."""

    def __init__(self) -> None:
        super().__init__()
        self.last = -NOTE_EVERY_S

    def filter(self, record: logging.LogRecord) -> bool:
        if "accept" not in record.getMessage():
            return True
        now = time.monotonic()
        if now - self.last < NOTE_EVERY_S:
            return False
        self.last = now
        record.exc_info, record.exc_text = None, None
        return True


ACCEPT_ERRORS = _AcceptErrors()


def _more_files() -> None:
    """The soft limit on open files raised to the hard one: connections, not the limit, are what is capped."""
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY or soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))


def server_config(app: Any, config: BoothConfig, *, lifespan: str = "auto") -> uvicorn.Config:
    """The one way the page is served, by `booth serve` and by the kiosk alike: over HTTPS when booth.toml gives
    a certificate and key."""
    web = config.web
    tls: dict[str, str] = {}
    if web.tls_cert is not None and web.tls_key is not None:
        missing = missing_files(config, ("web.tls_cert", "web.tls_key"))
        if missing:
            raise ConfigError(missing[0])
        tls = {"ssl_certfile": str(config.resolve(web.tls_cert)), "ssl_keyfile": str(config.resolve(web.tls_key))}
    _more_files()
    logging.getLogger("asyncio").addFilter(ACCEPT_ERRORS)  # the same filter object: added once however often
    protocol = type("PageProtocol", (GuardedH11,), {"limits": _Limits(web)})
    return uvicorn.Config(
        app,
        host=web.host,
        port=web.port,
        http=protocol,
        timeout_keep_alive=max(1, round(web.idle_timeout_s)),
        limit_concurrency=web.max_connections + 8,
        backlog=ACCEPT_BATCH,
        access_log=False,
        log_config=None,
        lifespan=lifespan,  # type: ignore[arg-type]
        proxy_headers=False,  # the attempt window counts the phone's own address, not a header it sends
        server_header=False,
        **tls,  # type: ignore[arg-type]
    )
