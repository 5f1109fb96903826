"""The phone page under idle and slow connections, as one client on the event Wi-Fi can open them: `booth serve`
limited to 256 open files, 500 idle connections and 20 that trickle their headers from one address. Phones on
other addresses are still answered within a second, the idle ones are closed after the header time-out, and
the log stays a few lines."""

from __future__ import annotations

import contextlib
import http.client
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tests.booth.consent.helpers import make_booth
from tests.booth.delivery.broker import free_port

FILES = 256
"""The page's process runs with this few open files, below the connections thrown at it."""


LIMITED = (
    f"import resource, runpy, sys; resource.setrlimit(resource.RLIMIT_NOFILE, ({FILES}, {FILES}));"
    " sys.argv[0] = 'booth'; runpy.run_module('booth.cli', run_name='__main__')"
)
"""`booth ...` in a process that can open no more than FILES files, soft and hard limit alike."""


def get(port: int, path: str, source: str) -> tuple[int, float]:
    """A phone's request from another address; its status and how long the answer took."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", path)
        status = conn.getresponse().status
    finally:
        conn.close()
    return status, time.monotonic() - started


@contextlib.contextmanager
def serving(root: Path, web: str, argv: list[str]) -> Iterator[tuple[int, str, Path]]:
    """`booth serve` (run as `argv` gives) for a booth with one clip, until its page answers; its port, the
    clip's token and its log. Stopped with Ctrl-C on the way out."""
    booth = make_booth(root)
    token = booth.store.token_for(booth.clip("a"))
    booth.store.close()
    port = free_port()
    cfg = root / "booth.toml"
    cfg.write_text(f'[booth]\ndata_dir = "{root / "data"}"\n[web]\nport = {port}\n{web}')
    log = root / "serve.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen([sys.executable, *argv, "serve", "--config", str(cfg)], stdout=fh, stderr=fh)
    try:
        until = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                if get(port, f"/c/{token}", "127.0.0.2")[0] == 200:
                    break
            assert time.monotonic() < until and proc.poll() is None, log.read_text()
            time.sleep(0.2)
        yield port, token, log
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)


def closed_by_server(s: socket.socket) -> bool:
    try:
        return s.recv(1, socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def test_idle_and_slow_connections_from_one_address_do_not_take_the_page_from_others(tmp_path: Path) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4096)), hard))  # this test's own sockets
    attackers: list[socket.socket] = []
    web = 'host = "0.0.0.0"\nheader_timeout_s = 3.0\nattempts_per_minute = 1000\n'
    with serving(tmp_path, web, ["-c", LIMITED]) as (port, token, log):
        try:
            for k in range(520):
                s = socket.socket()
                s.settimeout(5)
                with contextlib.suppress(OSError):
                    s.connect(("127.0.0.1", port))
                    if k >= 500:  # slow ones: a request line, then a header a byte at a time
                        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                attackers.append(s)
            for round_ in range(6):
                for s in attackers[500:]:
                    with contextlib.suppress(OSError):
                        s.send(b"a")
                status, took = get(port, f"/c/{token}", f"127.0.0.{3 + round_}")
                assert status == 200 and took < 1.0, f"a phone waited {took:.2f} s for its page"
                time.sleep(0.3)

            until = time.monotonic() + 60  # the header time-out is 3 s; a busy machine may take longer
            while not all(closed_by_server(s) for s in attackers):
                for s in attackers[500:]:
                    with contextlib.suppress(OSError):
                        s.send(b"a")
                assert time.monotonic() < until, "idle or slow connections were kept open past the header time-out"
                time.sleep(0.5)
            assert get(port, f"/c/{token}", "127.0.0.1")[0] == 200, "the address is served again once it lets go"
        finally:
            for s in attackers:
                s.close()
    text = log.read_text()
    assert "Traceback" not in text and len(text.splitlines()) < 40, text[-3000:]
    assert "connections from 127.0.0.1 closed" in text


def test_a_post_the_phone_abandons_half_way_is_one_quiet_line(tmp_path: Path) -> None:
    with serving(tmp_path, 'host = "127.0.0.1"\n', ["-m", "booth.cli"]) as (port, token, log):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(
                f"POST /c/{token} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: 1000\r\n\r\npurpose=soc".encode()
            )
        until = time.monotonic() + 30
        while "POST /c/" not in log.read_text():
            assert time.monotonic() < until, log.read_text()
            time.sleep(0.2)
    text = log.read_text()
    assert "Traceback" not in text and "ClientDisconnect" not in text, text
