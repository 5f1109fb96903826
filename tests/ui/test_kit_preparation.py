"""The brand kit learnt beside the running kiosk: staff watch its progress, a shot meanwhile is still tagged, the
next shot after it uses it, and a failed preparation is named to staff while tagging goes on."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from booth.config import load_config
from booth.errors import InputError
from booth.session import Screen
from booth.station import Station, open_station
from booth.tagging.prepare import DEFAULT_MINUTES, Preparation, Progress
from booth.tagging.tagger import Tagger
from models.logos.brands import make_demo_kit
from models.logos.evalset import EVAL_KIT_SEED
from tests.ui.test_kiosk import CAMERAS, Kiosk

PREPARE_MS = 180_000
"""However busy the machine: the test's kit is learnt in a budget of seconds."""
SHOT_MS = 300_000
"""A shot on two processors shared with the kit's preparation (booth.toml's kiosk.stage_s gives it as long)."""


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Holds every preparation just before it saves what it learnt, until the test lets it go: a shot is tagged
    while the kit is still being prepared, however fast this machine learns it."""
    gate = threading.Event()
    real = Tagger.prepare

    def held(self: Tagger, *, minutes: float = DEFAULT_MINUTES, progress: Progress | None = None) -> Preparation:
        def hold(stage: str, fraction: float) -> None:
            if progress is not None:
                progress(stage, fraction)
            if stage == "saving":
                gate.wait(PREPARE_MS / 1000)

        return real(self, minutes=minutes, progress=hold)

    monkeypatch.setattr(Tagger, "prepare", held)
    yield gate
    gate.set()


@pytest.fixture
def station(tmp_path: Path, gate: threading.Event) -> Iterator[Station]:
    make_demo_kit(tmp_path / "kit", brands=1, seed=EVAL_KIT_SEED)
    cfg = tmp_path / "booth.toml"
    cfg.write_text(
        '[booth]\nid = "booth-7"\nevent = "launch-2026"\ndata_dir = "data"\n'
        f"[rig]\ncameras = {CAMERAS}\n[rig.sim]\nwidth = 1200\nheight = 800\n"
        "[kiosk]\ncountdown_s = 1\nstage_s = 300\n"
        '[tagging]\nkit = "kit"\naccelerator = "cpu"\nprepare_minutes = 0.1\n'
    )
    with open_station(load_config(cfg), "sim", services=False) as opened:
        try:
            yield opened
        finally:
            gate.set()  # a preparation still held would keep the station from closing


def tags_of(station: Station, clip_id: str | None) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((station.clips_dir / (clip_id or "") / "tags.json").read_text())
    return document


def open_staff_on_the_event_tab(kiosk: Kiosk) -> None:
    window = kiosk.window
    window.ask_pin()
    for digit in kiosk.model.config.kiosk.staff_pin:
        kiosk.tap(f"pin_{digit}")
    kiosk.tap("pin_ok")
    assert window.current_page() is window.staff
    window.staff.tabs.setCurrentWidget(window.staff.event_tab)


def test_the_kit_is_prepared_beside_the_kiosk_and_shots_are_tagged_meanwhile(
    qtbot: QtBot,
    station: Station,
    gate: threading.Event,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tagger, preparation = station.tagger, station.preparation
    assert tagger is not None and preparation is not None

    def learnt() -> Preparation | None:
        return tagger.preparation

    assert learnt() is None and preparation.running, "the kiosk opened without waiting for the kit"
    kiosk = Kiosk(qtbot, station)
    event_tab = kiosk.window.staff.event_tab
    try:
        assert kiosk.model.screen is Screen.ATTRACT

        # staff see it being prepared, with its progress, and cannot start it twice
        open_staff_on_the_event_tab(kiosk)
        qtbot.waitUntil(lambda: re.search(r": preparing \d+ % — \w", event_tab.kit.text()) is not None, timeout=60_000)
        assert "shots are tagged with the shared models" in event_tab.kit.text()
        assert not kiosk.button("prepare_kit").isEnabled()
        kiosk.tap("staff_back")

        # a participant shoots while the kit is being learnt: tagged with the shared models
        kiosk.begin()
        kiosk.shoot(SHOT_MS)
        first = tags_of(station, kiosk.model.clip_id)
        assert first["status"] == "ok" and first["model"] == tagger.name and "+kit-" not in first["model"], first
        assert preparation.running and learnt() is None

        # once it is done, staff see it ready and the next shot uses it
        open_staff_on_the_event_tab(kiosk)
        qtbot.waitUntil(lambda: "preparing 97 % — saving" in event_tab.kit.text(), timeout=PREPARE_MS)
        gate.set()
        qtbot.waitUntil(
            lambda: ": ready · shots are tagged with the kit's preparation" in event_tab.kit.text(), timeout=PREPARE_MS
        )
        assert kiosk.button("prepare_kit").isEnabled()
        prepared = learnt()
        assert prepared is not None and (station.config.resolve(Path("kit")) / ".prepared").is_dir()
        kiosk.tap("staff_back")
        kiosk.clock.skip(station.config.kiosk.idle_s + 1)  # the first participant walked away meanwhile
        kiosk.wait_for(Screen.ATTRACT)
        kiosk.begin()
        kiosk.shoot(SHOT_MS)
        second = tags_of(station, kiosk.model.clip_id)
        assert second["status"] == "ok" and second["model"] == f"{tagger.models}+kit-{prepared.digest[:8]}", second

        # preparing again fails: staff are told why, and the kit's last preparation goes on tagging
        def broken(*, minutes: float = DEFAULT_MINUTES, progress: Progress | None = None) -> Preparation:
            raise InputError("kit/brand_00/logo.png: cannot be read")

        monkeypatch.setattr(tagger, "prepare", broken)
        open_staff_on_the_event_tab(kiosk)
        kiosk.tap("prepare_kit")
        qtbot.waitUntil(lambda: "failed: kit/brand_00/logo.png: cannot be read" in event_tab.kit.text())
        assert "shots are tagged with the kit's preparation" in event_tab.kit.text()
        assert kiosk.button("prepare_kit").isEnabled(), "staff may try again"
        assert "kit kit could not be prepared (kit/brand_00/logo.png: cannot be read)" in caplog.text
        kiosk.tap("staff_back")
    finally:
        kiosk.close()
