"""Opening the camera rig from booth.toml: profile applied, watcher on, fallback trigger, nothing left running."""

from __future__ import annotations

import logging
import multiprocessing
import shutil
import time
from pathlib import Path

import pytest

from booth.config import BoothConfig, load_config
from booth.rigs import open_camera_rig, open_trigger
from rig.base import RigError
from rig.cameras.array import GPhotoArray
from rig.cameras.usb_trigger import UsbTrigger
from rig.cameras.virtual import camera_folder
from tests.booth.test_camera_commands import config


def test_a_running_booth_gets_a_lost_camera_back_with_its_profile(tmp_path: Path) -> None:
    path = config(tmp_path)
    text = path.read_text().replace("[rig.gphoto2]\n", '[rig.gphoto2]\nprofile = "day"\nreconnect_every_s = 0.5\n', 1)
    path.write_text(text)
    cfg = load_config(path)
    with open_camera_rig(cfg, watch=True) as hw:
        assert isinstance(hw.trigger, UsbTrigger), "no trigger box set: gphoto2's trigger"
        hw.array._workers[2].kill()
        until = time.monotonic() + 20
        while hw.array.missing() and time.monotonic() < until:
            time.sleep(0.2)
        assert hw.array.missing() == []
        assert hw.array.settings_report()[2]["aperture"] == "f/8"
    assert multiprocessing.active_children() == [], "every camera's process is ended on the way out"


def test_too_few_cameras_leaves_nothing_running(tmp_path: Path) -> None:
    cfg_path = config(tmp_path)
    for k in range(5):
        shutil.rmtree(camera_folder(tmp_path / "vrig", k))
    with pytest.raises(RigError, match="3 of 8 cameras found"), open_camera_rig(load_config(cfg_path)):
        pass
    assert multiprocessing.active_children() == []


def test_a_rig_larger_than_the_box_is_fired_over_usb_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    config = BoothConfig.model_validate({"rig": {"cameras": 32, "trigger": {"port": "/dev/ttyACM0"}}})
    with caplog.at_level(logging.WARNING), open_trigger(config, GPhotoArray({}, [])) as trigger:
        assert isinstance(trigger, UsbTrigger)
    assert "drives 24 cameras and the rig has 32" in caplog.text
