"""What runs beside the kiosk: the retention rules applied while it runs, the phone page on a taken port, the brand
kit's preparation failing or stopped with the kiosk."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest

from booth.errors import InputError
from booth.services import DeliveryService, KitPreparation, PhonePageServer, RetentionService
from booth.tagging.kit import BrandKit
from booth.tagging.prepare import Preparation, Progress
from booth.tagging.tagger import Tagger
from tests.booth.consent.helpers import make_booth


def test_a_running_booth_deletes_what_nobody_consented_to_when_its_day_is_over(tmp_path: Path) -> None:
    booth = make_booth(tmp_path)
    kept, walked_away = booth.clip("kept"), booth.clip("walked-away")
    booth.consent(kept, "social")
    folder = booth.config.data_dir / "clips"
    service = RetentionService(booth.config, every_s=3600, clock=lambda: time.time() + 2 * 86400).start()
    try:
        deadline = time.monotonic() + 10
        while not service.purged and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        service.stop()
    assert [p.what for p in service.purged] == [walked_away]
    assert not (folder / walked_away).exists() and (folder / kept / "clip.mp4").exists()
    entry = booth.store.clip(walked_away)
    assert entry is not None and entry.deleted_at is not None
    booth.store.close()


def test_the_phone_page_on_a_taken_port_is_named_and_the_booth_goes_on(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        booth = make_booth(tmp_path)
        config = booth.config.model_copy(
            update={"web": booth.config.web.model_copy(update={"host": "127.0.0.1", "port": port})}
        )
        server = PhonePageServer(config).start()
        server.stop()
    assert not server.running
    assert f"could not listen on 127.0.0.1:{port}" in server.error
    assert DeliveryService(config).start().state() == "off: no delivery.url in booth.toml"
    booth.store.close()


class Learning:
    """A tagger whose preparation reports its progress until `fail` is set, then fails; its kit has no brands."""

    def __init__(self, folder: Path) -> None:
        self.kit = BrandKit(folder, ())
        self.models = "detector-0+embedder-0"
        self.preparation: Preparation | None = None
        self.fail = threading.Event()
        self.stages = 0

    def prepare(self, *, minutes: float, progress: Progress) -> Preparation:
        while not self.fail.wait(0.01):
            self.stages += 1
            progress("scenes of the kit among other logos", min(0.5, self.stages / 100))
        raise InputError(f"{self.kit.folder}/brand_00/logo.png: not a readable PNG logo\nexport it again")


def wait_until(done: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert done()


def test_a_kit_that_cannot_be_prepared_is_named_and_tagging_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tagger = Learning(tmp_path / "kit")
    service = KitPreparation(cast(Tagger, tagger), minutes=0.1)
    assert service.state() == "missing: not prepared yet", "nothing runs before start"
    service.start()
    try:
        wait_until(lambda: tagger.stages > 0)
        assert service.running and service.state().startswith("preparing ")
        assert " % — scenes of the kit among other logos" in service.state()
        service.start()  # a second start while it runs changes nothing
        tagger.fail.set()
        wait_until(lambda: not service.running)
    finally:
        service.stop()
    assert service.state() == f"failed: {tmp_path}/kit/brand_00/logo.png: not a readable PNG logo"
    assert tagger.preparation is None, "the shared models go on tagging"
    assert any(r.levelno == logging.ERROR and "could not be prepared" in r.getMessage() for r in caplog.records)


def test_a_preparation_stops_with_the_kiosk(tmp_path: Path) -> None:
    tagger = Learning(tmp_path / "kit")
    service = KitPreparation(cast(Tagger, tagger), minutes=3.0).start()
    wait_until(lambda: tagger.stages > 0)
    started = time.monotonic()
    service.stop()
    assert not service.running and time.monotonic() - started < 5.0
    assert service.state() == "missing: not prepared yet", "stopped is not failed"
