"""Around the phone page: security headers on every response, an attempt limit per address, secret-free logs."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("booth.consent.web")

WINDOW_S = 60.0
CSP = (
    "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECRET_IN_PATH = re.compile(r"^/([cw])/[^/]+")


def redacted(path: str) -> str:
    """The path as the log shows it: the token or code after /c/ or /w/ is a secret, and what cannot be
    printed (an encoded newline that would forge a log line) is escaped."""
    path = SECRET_IN_PATH.sub(lambda m: f"/{m.group(1)}/…", path[:300])
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in path)


class AttemptWindow:
    """A sliding window of attempts per client address: at most `per_minute` in any 60 seconds."""

    def __init__(self, per_minute: int, clock: Callable[[], float]) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.seen: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    @staticmethod
    def _drop_old(times: deque[float], now: float) -> deque[float]:
        while times and times[0] <= now - WINDOW_S:
            times.popleft()
        return times

    def wait_s(self, address: str) -> int:
        """Seconds until the address may try again; 0 when it may now."""
        with self.lock:
            now = self.clock()
            times = self._drop_old(self.seen.get(address, deque()), now)
            if len(times) < self.per_minute:
                return 0
            return max(1, int(times[0] + WINDOW_S - now + 0.999))

    def count(self, address: str) -> None:
        with self.lock:
            now = self.clock()
            self._drop_old(self.seen.setdefault(address, deque()), now).append(now)
            if len(self.seen) > 10_000:  # forget addresses that went quiet, so a scan cannot fill memory
                for stale in [a for a, t in self.seen.items() if t[-1] <= now - WINDOW_S]:
                    del self.seen[stale]


class Guard:
    """Around the whole app, errors included: the security headers on every response, and one log line per request
    with the path's secret left out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        path: str = scope["path"]
        status = 500

        async def guarded(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                cache = b"public, max-age=3600" if path.startswith("/static/") else b"no-store"
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-resource-policy", b"same-origin"),
                    (b"cache-control", cache),
                ]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, guarded)
        finally:
            elapsed_ms = (time.monotonic() - started) * 1000
            log.info("%s %s %d %.0f ms", scope.get("method", "?"), redacted(path), status, elapsed_ms)
