"""What runs beside the kiosk: the retention rules applied while it runs, the phone page on a taken port."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from booth.services import DeliveryService, PhonePageServer, RetentionService
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
