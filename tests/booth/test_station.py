"""The station behind the kiosk on the simulated rig: the calibration file booth.toml names, the phone page's state
(a real socket holding its port), the count of frames in from the trigger's fire, and what staff read of the clock."""

from __future__ import annotations

import queue
import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from booth.config import BoothConfig, load_config
from booth.errors import InputError
from booth.session import Captured, ClipReady, Event, Fire
from booth.shot_runner import FrameCount, ShotRunner
from booth.station import open_station
from booth.stitch.calibration import Calibration
from tests.booth.delivery.broker import free_port

CAMERAS = 8
SIZE = (720, 480)
"""Small frames (booth.toml allows no narrower at the sim's 3:2): a calibration or a shot takes seconds."""
DEADLINE_S = 60.0
"""A generous deadline for what a busy machine may take seconds to do: waits end as soon as it is done."""
NAMED = "event-calibration.json"


def booth_toml(folder: Path, *, calibration_file: str | None = None, port: int | None = None) -> BoothConfig:
    """booth.toml in `folder` for an 8-camera simulated rig, its data beside it."""
    lines = ["[booth]", 'data_dir = "data"', "[rig]", f"cameras = {CAMERAS}", "[rig.sim]"]
    lines += [f"width = {SIZE[0]}", f"height = {SIZE[1]}"]
    if calibration_file is not None:
        lines += ["[calibration]", f'file = "{calibration_file}"']
    if port is not None:
        lines += ["[web]", 'host = "127.0.0.1"', f"port = {port}"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "booth.toml").write_text("\n".join(lines) + "\n")
    return load_config(folder / "booth.toml")


def wait_until(done: Callable[[], bool], timeout_s: float = DEADLINE_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert done()


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The simulated rig's calibration from its target, made once by a station with no calibration.file."""
    folder = tmp_path_factory.mktemp("made")
    with open_station(booth_toml(folder), "sim", services=False) as station:
        path = station.calibration_path
    assert path.exists() and path.parent == folder / "data" / "calibrations"
    return path


def named_copy(folder: Path, made: Path) -> BoothConfig:
    """booth.toml naming a copy of the rig's calibration as calibration.file."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(made, folder / NAMED)
    return booth_toml(folder, calibration_file=NAMED)


def test_the_simulated_rig_stitches_with_the_calibration_file_booth_toml_names_and_saves_staffs_there(
    tmp_path: Path, made: Path
) -> None:
    config = named_copy(tmp_path, made)
    with open_station(config, "sim", services=False) as station:
        assert station.calibration is not None and station.calibration.id == Calibration.load(made).id
        assert station.calibration_path == tmp_path / NAMED
        # as the staff panel's Save calibration does
        replace(station.calibration, id="cal-made-by-staff").save(station.calibration_path)
    assert not (config.data_dir / "calibrations").exists(), "nothing recalibrated beside the named file"
    with open_station(config, "sim", services=False) as station:
        assert station.calibration is not None and station.calibration.id == "cal-made-by-staff"


def test_a_named_calibration_file_not_made_yet_is_where_the_simulated_rig_keeps_its_own(tmp_path: Path) -> None:
    config = booth_toml(tmp_path, calibration_file=NAMED)
    with open_station(config, "sim", services=False) as station:
        assert station.calibration is not None
        made_id = station.calibration.id
    assert Calibration.load(tmp_path / NAMED).id == made_id
    assert not (config.data_dir / "calibrations").exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [("{ half a file", "not valid JSON"), ('{"id": "cal-1"}', "not a calibration file")],
    ids=["not-json", "not-a-calibration"],
)
def test_an_unreadable_calibration_file_is_named_in_one_line_and_left_as_it_is(
    tmp_path: Path, content: str, problem: str
) -> None:
    named = tmp_path / NAMED
    named.write_text(content)
    config = booth_toml(tmp_path, calibration_file=NAMED)
    with pytest.raises(InputError) as raised, open_station(config, "sim", services=False):
        pass
    message = str(raised.value)
    assert message.startswith(f"{named}: ") and problem in message and "remake it" in message
    assert "\n" not in message
    assert named.read_text() == content and not (config.data_dir / "calibrations").exists(), "no recalibration"


def test_a_calibration_file_made_for_another_rig_is_named_in_one_line_and_left_as_it_is(
    tmp_path: Path, made: Path
) -> None:
    named = tmp_path / NAMED
    replace(Calibration.load(made), rig_id="sim-s2-n8-720x480-0badc0de").save(named)
    before = named.read_bytes()
    config = booth_toml(tmp_path, calibration_file=NAMED)
    with pytest.raises(InputError) as raised, open_station(config, "sim", services=False):
        pass
    message = str(raised.value)
    assert message.startswith(f"{named}: made for rig sim-s2-n8-720x480-0badc0de, 8 cameras, 720x480, not this one")
    assert "set calibration.file in booth.toml" in message and "\n" not in message
    assert named.read_bytes() == before and not (config.data_dir / "calibrations").exists(), "no recalibration"


def test_a_phone_page_whose_port_is_taken_is_named_by_the_station(tmp_path: Path, made: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        shutil.copyfile(made, tmp_path / NAMED)
        config = booth_toml(tmp_path, calibration_file=NAMED, port=port)
        with open_station(config, "sim") as station:
            wait_until(lambda: "could not listen" in station.phone_page_error())
            error = station.phone_page_error()
    assert error.startswith(f"the phone page could not listen on 127.0.0.1:{port}; is the port taken?")
    assert f"Free port {port} or set web.port in booth.toml" in error and "\n" not in error


def test_a_served_phone_page_has_no_error_until_it_stops(tmp_path: Path, made: Path) -> None:
    port = free_port()
    shutil.copyfile(made, tmp_path / NAMED)
    config = booth_toml(tmp_path, calibration_file=NAMED, port=port)
    with open_station(config, "sim") as station:
        page = station.phone_page
        assert page is not None
        wait_until(lambda: page.running)
        assert station.phone_page_error() == ""
        with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_S):
            pass  # a phone reaches it
    assert station.phone_page_error() == f"the phone page on 127.0.0.1:{port} has stopped; restart the kiosk"


def test_what_staff_read_of_a_station_opened_without_its_services(tmp_path: Path, made: Path) -> None:
    with open_station(named_copy(tmp_path, made), "sim", services=False) as station:
        assert station.phone_page_error() == "the phone page is not running: the booth was opened without its services"
        assert station.clock_sync() == "simulated: every camera fires at the same instant of the computer's clock"


def test_capture_progress_counts_every_frame_in_order_from_the_trigger_fire(tmp_path: Path, made: Path) -> None:
    with open_station(named_copy(tmp_path, made), "sim", services=False) as station:
        sim = station.sim
        assert sim is not None
        fired_before = sim.shots_taken
        seen: list[tuple[str, float, FrameCount | None, int]] = []
        events: queue.Queue[Event] = queue.Queue()

        def progress(stage: str, share: float) -> None:
            seen.append((stage, share, runner.frames, sim.shots_taken))

        runner = ShotRunner(
            station.rig, station.calibration, station.config, station.clips_dir, events.put, progress=progress
        )
        runner.fire(Fire(shot=1, attempt=1))
        reports = [events.get(timeout=DEADLINE_S) for _ in range(2)]
        runner.wait(DEADLINE_S)
    assert reports[0] == Captured(1) and isinstance(reports[1], ClipReady), reports
    capture = [(share, frames, fired) for stage, share, frames, fired in seen if stage == "capture"]
    assert [frames for _, frames, _ in capture] == [FrameCount(k, CAMERAS) for k in range(CAMERAS + 1)]
    assert [share for share, _, _ in capture] == [k / CAMERAS for k in range(CAMERAS + 1)]
    assert capture[0][2] == fired_before + 1, "0 of N is told once the trigger has fired"
    stages = [stage for stage, *_ in seen]
    assert stages.index("encode") > max(i for i, stage in enumerate(stages) if stage == "capture")
