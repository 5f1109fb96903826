"""A session driving real shots on the simulated rig: the clip it reviews exists, and a rig that fails ends on the
error screen."""

from __future__ import annotations

import json
import queue
import threading
import time
from pathlib import Path

import pytest

from booth import shot_runner
from booth.config import BoothConfig
from booth.session import ClipReady, Event, Fire, Ready, Report, Screen, Session, StageFailed, Tick, Touch
from booth.shoot import Rig, calibrate_rig
from booth.shot_runner import ShotRunner
from booth.stitch.calibration import Calibration
from rig.sim.camera import RigLayout
from rig.sim.rig import Fault, SimRig


def sim(seed: int, faults: dict[int, Fault] | None = None) -> tuple[SimRig, Rig]:
    layout = RigLayout(cameras=8, width=1200, height=800)
    rig = SimRig(layout, seed=seed, faults=dict(faults or {}))
    return rig, Rig(rig.rig_id, rig.trigger, rig.array, collect_timeout_s=30.0)


def calibrated(config: BoothConfig, seed: int) -> Calibration:
    target, rig = sim(seed)
    target.scene_name = "target"
    calibration, _ = calibrate_rig(rig, config)
    return calibration


def run_shot(session: Session, runner: ShotRunner, events: queue.Queue[object]) -> list[object]:
    """Tap through to the countdown, fire, and feed the runner's reports to the session until it settles."""
    session.handle(Touch(), 0.0)
    session.handle(Ready(), 1.0)
    (fire,) = session.handle(Tick(), 4.0)
    assert isinstance(fire, Fire)
    ui_thread = threading.get_ident()
    runner.fire(fire)
    assert threading.get_ident() == ui_thread and runner.busy  # fire() returned at once; the shot runs beside
    actions: list[object] = []
    while session.screen in (Screen.CAPTURE, Screen.PROCESSING):
        event = events.get(timeout=120)
        actions += session.handle(event, 5.0)  # type: ignore[arg-type]
    runner.wait(30)
    return actions


def test_a_shot_on_the_sim_rig_reaches_review_with_its_clip(tmp_path: Path) -> None:
    config = BoothConfig.model_validate({"booth": {"data_dir": str(tmp_path / "data")}})
    calibration = calibrated(config, seed=11)
    _, rig = sim(11)
    events: queue.Queue[object] = queue.Queue()
    runner = ShotRunner(rig, calibration, config, tmp_path / "clips", events.put)
    session = Session(config.kiosk)
    assert run_shot(session, runner, events) == []
    assert session.screen is Screen.REVIEW and session.clip_id is not None
    meta = json.loads((tmp_path / "clips" / session.clip_id / "clip.json").read_text())
    assert meta["cameras_used"] == list(range(8)) and meta["interpolation"] == "layers"
    assert (tmp_path / "data" / "shots" / meta["shot_id"] / "cam_00.jpg").exists()


def test_a_rig_with_too_few_cameras_ends_on_the_error_screen(tmp_path: Path) -> None:
    config = BoothConfig.model_validate({"booth": {"data_dir": str(tmp_path / "data")}})
    calibration = calibrated(config, seed=12)
    missing: dict[int, Fault] = dict.fromkeys(range(1, 8), "missing")
    _, rig = sim(12, missing)
    events: queue.Queue[object] = queue.Queue()
    runner = ShotRunner(rig, calibration, config, tmp_path / "clips", events.put)
    session = Session(config.kiosk)
    actions = run_shot(session, runner, events)
    assert session.screen is Screen.ERROR
    (report,) = [a for a in actions if isinstance(a, Report)]
    assert report.stage == "stitch" and "only 1 of 8 cameras" in report.detail
    assert not (tmp_path / "clips").exists() or not any((tmp_path / "clips").iterdir())


def test_the_clip_is_reported_before_the_heap_is_given_back_and_a_fire_at_once_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = BoothConfig.model_validate({"booth": {"data_dir": str(tmp_path / "data")}})
    calibration = calibrated(config, seed=13)
    _, rig = sim(13)
    order: list[str] = []

    def slow_give_back() -> float:  # as on a machine busy with everything else
        order.append("heap given back")
        time.sleep(1.0)
        return 1.0

    monkeypatch.setattr(shot_runner, "give_back_freed", slow_give_back)
    events: queue.Queue[Event] = queue.Queue()

    def report(event: Event) -> None:
        order.append(type(event).__name__)
        events.put(event)

    runner = ShotRunner(rig, calibration, config, tmp_path / "clips", report)
    outcomes = []
    for shot in (1, 2):
        runner.fire(Fire(shot, 1))  # the second while the first shot's worker still gives its heap back
        outcome = events.get(timeout=120)
        while not isinstance(outcome, ClipReady | StageFailed):
            outcome = events.get(timeout=120)
        outcomes.append(outcome)
    runner.wait(30)
    assert [type(o) for o in outcomes] == [ClipReady, ClipReady], outcomes
    assert order.index("ClipReady") < order.index("heap given back")  # the review never waits for it
