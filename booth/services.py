"""What runs beside the kiosk on threads of its own: the phone page, the uploader, the retention rules and the brand
kit's preparation."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import uvicorn

from booth.config import BoothConfig
from booth.consent.page_server import server_config
from booth.consent.registry import open_outbox, open_store, texts_of
from booth.consent.retention import Purged, purge
from booth.consent.web import create_app
from booth.delivery.link import BrokerRefused
from booth.delivery.uploader import Uploader
from booth.tagging.prepare import unprepared_state
from booth.tagging.tagger import Tagger
from rig.priority import run_in_background

log = logging.getLogger(__name__)

PURGE_EVERY_S = 600.0
"""How often a running kiosk applies the retention rules."""
PREPARATION_NICENESS = 19
"""Lower still than the shot's worker (rig.priority.BACKGROUND_NICENESS): on two cores a shot made while the kit
is being learnt would otherwise share the processors with it evenly, and a participant waiting for their clip
comes first."""


class PhonePageServer:
    """`booth serve` on a thread: the page the kiosk's QR codes open. Its own database connection. `error` says in
    one line why the page cannot be opened (a port already taken, a page that stopped), and the kiosk goes on
    without it."""

    def __init__(self, config: BoothConfig) -> None:
        self.config = config
        self._failure = ""
        """Why the page's thread ended without serving, or what ended it; kept after stop()."""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def _where(self) -> str:
        web = self.config.web
        return f"{web.host}:{web.port}"

    def start(self, timeout_s: float = 10.0) -> PhonePageServer:
        store = open_store(self.config)
        app = create_app(self.config, store, texts_of(self.config), open_outbox(store))
        server = self._server = uvicorn.Server(server_config(app, self.config, lifespan="off"))

        def run() -> None:
            try:
                server.run()
            except SystemExit:  # uvicorn exits when it cannot bind
                pass
            except Exception as exc:  # the kiosk goes on; staff and the share step are told
                first = (str(exc).splitlines() or [""])[0]
                self._failure = (
                    f"the phone page on {self._where} failed ({type(exc).__name__}: {first}); restart the kiosk"
                )
            finally:
                store.close()
            if not server.started and not self._failure:
                port = self.config.web.port
                self._failure = (
                    f"the phone page could not listen on {self._where}; is the port taken? Free port {port} "
                    "or set web.port in booth.toml, then restart the kiosk"
                )
            if self._failure:
                log.error(self._failure)

        self._thread = threading.Thread(target=run, name="phone page", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    @property
    def running(self) -> bool:
        server, thread = self._server, self._thread
        alive = thread is not None and thread.is_alive()
        return alive and server is not None and server.started and not server.should_exit

    @property
    def error(self) -> str:
        """Why a phone opening a QR code would find no page, in one line naming the port; "" while it listens."""
        if self.running:
            return ""
        if self._failure:
            return self._failure
        if self._thread is None:
            return f"the phone page on {self._where} was never started"
        if self._thread.is_alive() and self._server is not None and not self._server.should_exit:
            return f"the phone page is still starting on {self._where}; wait, or restart the kiosk if it stays so"
        return f"the phone page on {self._where} has stopped; restart the kiosk"

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10.0)


class DeliveryService:
    """`booth deliver` on a thread, when booth.toml names a broker: consented clips leave as they are decided.
    `state()` says where it stands for the staff panel."""

    def __init__(self, config: BoothConfig) -> None:
        self.config = config
        self.uploader: Uploader | None = None
        self.error = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> DeliveryService:
        if self.config.delivery.url is None:
            return self
        self._thread = threading.Thread(target=self._run, name="uploader", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        with open_store(self.config) as store:
            self.uploader = Uploader(self.config, store, open_outbox(store))
            try:
                self.uploader.run(self._stop)
            except BrokerRefused as exc:  # another try cannot help: staff must fix booth.toml
                self.error = str(exc)
                log.error("delivery stopped: %s", exc)
            except Exception as exc:
                self.error = f"{type(exc).__name__}: {exc}"
                log.exception("delivery stopped")

    def state(self) -> str:
        """off, connecting, online, offline (with why) or stopped (with why)."""
        if self.config.delivery.url is None:
            return "off: no delivery.url in booth.toml"
        if self.error:
            return f"stopped: {self.error}"
        up = self.uploader
        if up is None:
            return "connecting"
        if up.online:
            return "online"
        return f"offline: {up.problem}" if up.problem else "connecting"

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10.0)


class RetentionService:
    """`booth consent purge` every `every_s` on a thread, the first time at start: a kiosk that runs all day
    deletes what nobody consented to at the end of its day, and what was consented when its time is up.
    `clock` gives the time the rules are judged at."""

    def __init__(self, config: BoothConfig, every_s: float = PURGE_EVERY_S, clock: Callable[[], float] = time.time):
        self.config = config
        self.every_s = every_s
        self.clock = clock
        self.purged: list[Purged] = []
        """Everything deleted since the kiosk started."""
        self.error = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> RetentionService:
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        with open_store(self.config) as store:
            outbox = open_outbox(store)
            while True:
                try:
                    done = purge(self.config, store, outbox, self.clock())
                except Exception as exc:  # a full disk or a locked file: tried again next time
                    self.error = f"{type(exc).__name__}: {exc}"
                    log.error("retention: %s", self.error)
                else:
                    self.error = ""
                    self.purged.extend(done)
                if self._stop.wait(self.every_s):
                    return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10.0)


class _Stopped(Exception):
    """Raised from preparation's progress to end it early: the kiosk is closing."""


class KitPreparation:
    """`booth logos prepare` on a thread below the kiosk's screen: the tagger learns the event's kit while the booth
    runs, and tags with the shared models until then. `state()` says where it stands for the staff panel; a
    failure is logged and named there, and the tagger goes on as it was."""

    def __init__(self, tagger: Tagger, minutes: float) -> None:
        self.tagger = tagger
        self.minutes = minutes
        self.stage = ""
        self.fraction = 0.0
        self.error = ""
        self.found = "ready" if tagger.preparation is not None else unprepared_state(tagger.kit)
        """What the kiosk found beside the kit when it opened: ready, stale or missing."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> KitPreparation:
        """Prepare the kit (again); nothing happens while a preparation runs."""
        if self.running:
            return self
        self.stage, self.fraction, self.error = "starting", 0.0, ""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="kit preparation", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        run_in_background(PREPARATION_NICENESS)
        kit = self.tagger.kit.name
        log.info("preparing kit %s (up to %g min) beside the kiosk", kit, self.minutes)
        try:
            self.tagger.prepare(minutes=self.minutes, progress=self._progress)
        except _Stopped:
            log.info("preparation of kit %s stopped with the kiosk", kit)
        except Exception as exc:  # a kit that cannot be learnt must not stop the booth: the shared models go on
            self.error = (str(exc).splitlines() or [type(exc).__name__])[0][:300]
            log.error("kit %s could not be prepared (%s); tagging goes on as it was", kit, self.error)

    def _progress(self, stage: str, fraction: float) -> None:
        if self._stop.is_set():
            raise _Stopped
        self.stage, self.fraction = stage, fraction

    def state(self) -> str:
        """ready, preparing NN % — stage, failed: reason, stale (with why) or missing."""
        if self.running:
            return f"preparing {self.fraction * 100:.0f} % — {self.stage}"
        if self.error:
            return f"failed: {self.error}"
        if self.tagger.preparation is not None:
            return "ready"
        return "stale: made for other logo files or models" if self.found == "stale" else "missing: not prepared yet"

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10.0)
