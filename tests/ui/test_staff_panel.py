"""The staff panel on a 12-camera sim rig: a dragged calibration point is drawn where the finger took it, and the
rig's tiles and the calibration grid fit portrait and landscape screens."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from booth.config import load_config
from booth.station import Station, open_station
from rig.cameras.array import GPhotoArray
from rig.cameras.usb_trigger import UsbTrigger
from rig.trigger.serial_box import SerialTrigger
from ui.model import KioskModel
from ui.staff_panel import PointsView, StaffPanel, trigger_words
from ui.theme import Theme
from ui.window import KioskWindow

CAMERAS = 12
WAIT_MS = 60_000
"""A generous deadline for what a busy machine may take seconds to do: waits end as soon as it is done."""
TOP = "#00e5ff"
"""The colour the top axis point is drawn in."""
SCREENS = [(1080, 1920), (1920, 1080), (768, 1024)]
"""The event's portrait and landscape screens, and a small tablet's."""


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Station]:
    cfg = tmp_path_factory.mktemp("staff") / "booth.toml"
    # the smallest frames the sim renders: the panel's pictures are thumbnails anyway
    cfg.write_text(
        '[booth]\nid = "booth-7"\nevent = "launch-2026"\ndata_dir = "data"\n'
        f"[rig]\ncameras = {CAMERAS}\n[rig.sim]\nwidth = 640\nheight = 480\n"
    )
    with open_station(load_config(cfg), "sim", services=False) as opened:
        yield opened
        scene_built()


def scene_built() -> None:
    """Wait for the scene the sim's live view builds in a daemon thread when the station opens: these tests are
    over in seconds, and a process that exits while that thread is inside OpenCV aborts ("terminate called
    without an active exception")."""
    for thread in threading.enumerate():
        if thread.name == "sim scene":
            thread.join(WAIT_MS / 1000)


@dataclass
class Opened:
    bot: QtBot
    window: KioskWindow
    staff: StaffPanel


@pytest.fixture(scope="module")
def opened(qapp: QApplication, request: pytest.FixtureRequest, station: Station) -> Iterator[Opened]:
    """The kiosk window with the staff panel open behind the PIN, the rig's tiles shown and the target shot."""
    bot = QtBot(request)
    model = KioskModel(station)
    window = KioskWindow(model, Theme.from_config(station.config))
    window.resize(1080, 1920)
    window.show()
    model.start()
    try:
        window.ask_pin()
        for key in station.config.kiosk.staff_pin + "✓":
            window.pin.press(key)
        staff = window.staff
        assert window.current_page() is staff
        staff.tabs.setCurrentWidget(staff.rig)
        bot.waitUntil(lambda: len(staff.rig.tiles) == CAMERAS, timeout=WAIT_MS)
        staff.tabs.setCurrentWidget(staff.calibration)
        staff.calibration.start()
        bot.waitUntil(lambda: len(staff.calibration.views) == CAMERAS, timeout=WAIT_MS)
        yield Opened(bot, window, staff)
    finally:
        model.shutdown()
        window.close()
        gone: list[bool] = []
        window.destroyed.connect(lambda: gone.append(True))
        window.deleteLater()  # now, not at the interpreter's exit after the application is gone
        bot.waitUntil(lambda: bool(gone), timeout=WAIT_MS)


def near(image: QImage, at: QPoint, colour: str, radius: int = 16) -> int:
    """How many pixels within `radius` of `at` are drawn in `colour`."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    array = np.frombuffer(rgb.constBits(), np.uint8).reshape(rgb.height(), rgb.bytesPerLine())
    pixels = array[:, : rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3).astype(int)
    want = np.array([int(colour[k : k + 2], 16) for k in (1, 3, 5)])
    x0, y0 = max(0, at.x() - radius), max(0, at.y() - radius)
    box = pixels[y0 : at.y() + radius + 1, x0 : at.x() + radius + 1]
    return int((np.abs(box - want).max(axis=2) < 40).sum())


def test_a_dragged_point_is_drawn_where_it_was_dragged_to(opened: Opened) -> None:
    staff = opened.staff
    staff.tabs.setCurrentWidget(staff.calibration)
    view = staff.calibration.findChild(PointsView, "points_0")
    assert view is not None and len(view.points) == 2
    old = QPoint(view.points[0])
    assert near(view.grab().toImage(), old, TOP) > 20, "the top point is drawn where it was found"
    new = old + QPoint(60 if old.x() < view.width() // 2 else -60, 0)
    QTest.mousePress(view, Qt.MouseButton.LeftButton, pos=old)
    for step in range(1, 7):  # a finger's drag: several moves, each drawn as it comes
        at = old + (new - old) * step / 6
        QTest.mouseMove(view, at)
        assert view.points[0] == at, "the drag reaches the point"
        assert near(view.grab().toImage(), at, TOP) > 20, f"the point is not drawn at {at} during the drag"
    QTest.mouseRelease(view, Qt.MouseButton.LeftButton, pos=new)
    picture = view.grab().toImage()
    assert near(picture, new, TOP) > 20, "the dragged point is drawn where it was let go"
    assert near(picture, old, TOP, radius=12) == 0, "nothing of the point is left where it was"
    target = staff.calibration.target
    assert target is not None and 0 in target.moved
    x, y = target.points[0][0]
    assert (round(x / view.scale), round(y / view.scale)) == (new.x(), new.y()), "the saved point is the drawn one"


def unreachable(window: QWidget, widget: QWidget) -> str:
    """Why staff could not bring `widget` onto the screen ('' if they can): it lies past the window's edge, or
    in a scroll area that does, or needs sideways scrolling (a column off to the right)."""
    if not widget.isVisible():
        return f"{widget.objectName() or widget} is hidden"
    screen = window.rect()
    area = widget.parentWidget()
    while area is not None and not isinstance(area, QScrollArea):
        area = area.parentWidget()
    if area is None:
        own = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        return "" if screen.contains(own) else f"{widget.objectName()} at {own} is past the window's edge {screen}"
    frame = QRect(area.mapTo(window, QPoint(0, 0)), area.size())
    if not screen.contains(frame):
        return f"the scroll area at {frame} round {widget.objectName()} is past the window's edge {screen}"
    content = area.widget()
    assert content is not None
    own = QRect(widget.mapTo(content, QPoint(0, 0)), widget.size())
    if not content.rect().contains(own):
        return f"{widget.objectName()} at {own} is outside its scroll area's content {content.rect()}"
    if own.right() >= area.viewport().width():
        return f"{widget.objectName()} at {own} is past the scroll area's right edge ({area.viewport().width()} wide)"
    return ""


def resized(window: QWidget, screen: tuple[int, int]) -> bool:
    """Whether the window has the screen's size, asking for it again if not: a window shrinks no further than its
    pages' least size at the text size it had, and takes the new screen's text size on the first resize."""
    if (window.width(), window.height()) == screen:
        return True
    window.resize(*screen)
    return False


def all_reachable(window: QWidget, widgets: list[QWidget], count: int) -> None:
    assert len(widgets) == count, f"{len(widgets)} of {count} shown"
    problems = [why for why in (unreachable(window, w) for w in widgets) if why]
    assert not problems, "; ".join(problems)


@pytest.mark.parametrize("screen", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_every_camera_tile_and_calibration_frame_is_within_reach(opened: Opened, screen: tuple[int, int]) -> None:
    window, staff, bot = opened.window, opened.staff, opened.bot
    bot.waitUntil(lambda: resized(window, screen), timeout=WAIT_MS)
    least = staff.minimumSizeHint()
    assert least.width() <= screen[0] and least.height() <= screen[1], f"the panel needs at least {least}"
    staff.tabs.setCurrentWidget(staff.rig)  # asks the cameras again: tiles are made anew
    rig, calibration = staff.rig, staff.calibration

    def tiles() -> None:
        assert not rig.job.running, "the cameras are still being asked"
        all_reachable(window, list(rig.tiles.values()), CAMERAS)

    bot.waitUntil(tiles, timeout=WAIT_MS)
    staff.tabs.setCurrentWidget(calibration)
    bot.waitUntil(lambda: all_reachable(window, list(calibration.views.values()), CAMERAS), timeout=WAIT_MS)


def test_the_test_fire_names_the_trigger_as_staff_know_it(opened: Opened) -> None:
    staff, bot = opened.staff, opened.bot
    staff.tabs.setCurrentWidget(staff.test)
    staff.test.start()
    bot.waitUntil(lambda: staff.test.result is not None, timeout=WAIT_MS)
    report = staff.test.report.text()
    assert "fired by the simulated trigger;" in report and "VirtualTrigger" not in report
    assert trigger_words(SerialTrigger("/dev/ttyUSB0")) == "the trigger box on /dev/ttyUSB0"
    assert trigger_words(UsbTrigger(cast(GPhotoArray, None))) == "the computer over USB (no trigger box)"
