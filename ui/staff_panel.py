"""The staff panel behind the PIN: rig health, test fire, calibration, event settings and brand kit, outbox,
consent, log."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QHideEvent,
    QImage,
    QImageReader,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from booth.config import BoothConfig
from booth.session import Screen
from booth.shoot import capture
from booth.staff import TargetShot, TestFire, consent_counts, find_points, last_frames, test_fire
from booth.stitch.calibration import Calibration
from rig.base import CameraHealth, Trigger, TriggerStatus
from rig.cameras.usb_trigger import UsbTrigger
from rig.sim.rig import VirtualTrigger
from rig.trigger.serial_box import SerialTrigger
from ui.model import KioskModel, LogLine
from ui.theme import Theme
from ui.widgets import button, finger_scroll, hold_still, touch_scroll

THUMB = QSize(240, 160)
SHOWN_WIDTH = 320
"""How wide a target frame is shown on the calibration tab."""
REACH = 40
"""How far from a calibration point (shown pixels, along x plus along y) a fingertip still takes hold of it."""
KIT_EVERY_MS = 500
"""How often the event tab reads the brand kit's preparation while it is on screen."""


T = TypeVar("T")


class Background(QObject):
    """Runs one job at a time off the GUI thread and hands its result (or the exception) back on it."""

    finished = Signal(object, object)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.running = False
        self.finished.connect(self._back, Qt.ConnectionType.QueuedConnection)

    def start(self, job: Callable[[], T], done: Callable[[T | Exception], None]) -> None:
        if self.running:
            return
        self.running = True

        def run() -> None:
            try:
                result: T | Exception = job()
            except Exception as exc:  # shown to staff with its message
                result = exc
            self.finished.emit(done, result)

        threading.Thread(target=run, name="staff job", daemon=True).start()

    def _back(self, done: Callable[[object], None], result: object) -> None:
        self.running = False
        done(result)


def thumbnail(path: Path | None, size: QSize = THUMB) -> QImage:
    """A JPEG read at a reduced size (libjpeg scales while decoding): cheap enough for 48 tiles."""
    if path is None:
        return QImage()
    reader = QImageReader(str(path))
    original = reader.size()
    if original.isValid():
        reader.setScaledSize(original.scaled(size, Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


def whole(tab: QWidget, area: QScrollArea) -> None:
    """`area` fills `tab`, edge to edge."""
    layout = QVBoxLayout(tab)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(area)


def columns_for(width: int, cell: int, spacing: int, cells: int) -> int:
    """How many cells `cell` pixels wide fit side by side in `width`: at least one, no more than there are."""
    return max(1, min(cells, (width + spacing) // (cell + spacing)))


class Flow(QScrollArea):
    """Cells in as many columns as the width holds, row after row, scrolled by a finger: a portrait screen gets
    fewer columns and more rows rather than cells past its right edge. Columns are counted again on every
    resize, the scroll bar's coming and going included."""

    SPACING = 8

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.grid = QGridLayout()
        self.grid.setSpacing(self.SPACING)
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(self.grid)
        column.addStretch(1)  # however few the cells, they sit at the top
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        finger_scroll(self)
        self.cells: list[QWidget] = []
        self.columns = 0

    def show_cells(self, cells: list[QWidget]) -> None:
        """`cells` in place of the ones shown (which are deleted)."""
        for old in self.cells:
            old.deleteLater()
        self.cells = cells
        self._place(1)  # in the panel first: its style sheet's borders and margins count in their width
        self._reflow()

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Resize:
            self._reflow()
        return super().viewportEvent(event)

    def _reflow(self) -> None:
        if not self.cells:
            return
        for cell in self.cells:
            cell.ensurePolished()
        widest = max(cell.minimumSizeHint().width() for cell in self.cells)
        columns = columns_for(self.viewport().width(), widest, self.SPACING, len(self.cells))
        if columns != self.columns:
            self._place(columns)

    def _place(self, columns: int) -> None:
        while self.grid.count():
            self.grid.takeAt(0)
        for n, cell in enumerate(self.cells):
            self.grid.addWidget(cell, n // columns, n % columns)
        self.columns = columns


class Table(QTableWidget):
    """As wide as the panel and as tall as its rows: below a short table the tab stays free instead of showing an
    empty grid, and a long one scrolls within the screen (by a finger too)."""

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        rows = self.verticalHeader().length() + self.horizontalHeader().sizeHint().height() + 2 * self.frameWidth()
        return QSize(super().sizeHint().width(), rows)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        # a scroll area's own least height is taller than a table with no rows, which showed an empty grey strip
        least = super().minimumSizeHint()
        return QSize(least.width(), min(least.height(), self.sizeHint().height()))


def table(headers: list[str], rows: list[list[str]], name: str) -> QTableWidget:
    widget = Table(len(rows), len(headers))
    widget.setObjectName(name)
    widget.setHorizontalHeaderLabels(headers)
    widget.verticalHeader().setVisible(False)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            widget.setItem(r, c, QTableWidgetItem(value))
    header = widget.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # as wide as the style's text needs
    header.setStretchLastSection(True)
    finger_scroll(widget)
    return widget


def clear(layout: QVBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item is not None and item.widget() is not None:
            item.widget().deleteLater()  # type: ignore[union-attr]


Health = tuple[list[CameraHealth], TriggerStatus, str, dict[int, QImage]]
"""The cameras' health, the trigger's status, its clock sync, and each camera's last frame, small."""


class RigTab(QWidget):
    """One tile per camera (connected, battery, card, its last frame, its last error) and the trigger box."""

    def __init__(self, model: KioskModel) -> None:
        super().__init__()
        self.model = model
        self.job = Background(self)
        self.box = QLabel()
        self.box.setObjectName("trigger_tile")
        self.box.setWordWrap(True)  # the trigger's line and its last error can be longer than a portrait screen
        self.summary = QLabel()
        self.summary.setObjectName("rig_summary")
        refresh = button("Refresh", "rig_refresh")
        refresh.clicked.connect(self.refresh)
        self.flow = Flow("rig_tiles")
        top = QHBoxLayout()
        top.addWidget(self.box, 1)
        top.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.flow, 1)
        self.tiles: dict[int, QFrame] = {}

    def refresh(self) -> None:
        station = self.model.station

        def look() -> Health:
            frames = last_frames(station.config)
            return (
                list(station.rig.cameras.health()),
                station.rig.trigger.status(),
                station.clock_sync(),
                {k: thumbnail(p) for k, p in frames.items()},
            )

        self.summary.setText("Asking the cameras…")
        self.job.start(look, self._show)

    def _show(self, result: Health | Exception) -> None:
        if isinstance(result, Exception):
            self.summary.setText(f"Rig health could not be read: {result}")
            return
        health, trigger, clock, thumbs = result
        box = "connected" if trigger.connected else "NOT CONNECTED"
        self.box.setText(
            f"Trigger box: {box} · {trigger.state.value} · firmware {trigger.firmware or '?'} · clock {clock}"
            + (f" · last error: {trigger.last_error}" if trigger.last_error else "")
        )
        up = sum(1 for h in health if h.connected)
        self.summary.setText(f"{up} of {len(health)} cameras connected")
        self.tiles = {h.index: self._tile(h, thumbs.get(h.index, QImage())) for h in health}
        self.flow.show_cells(list(self.tiles.values()))

    @staticmethod
    def _tile(h: CameraHealth, image: QImage) -> QFrame:
        tile = QFrame()
        tile.setObjectName(f"camera_{h.index}")
        tile.setProperty("role", "tile")
        tile.setProperty("ok", "true" if h.connected and not h.last_error else "false")
        col = QVBoxLayout(tile)
        col.setContentsMargins(6, 6, 6, 6)  # four tiles across a portrait screen
        picture = QLabel()
        if not image.isNull():
            picture.setPixmap(QPixmap.fromImage(image))
        else:
            picture.setText("no frame yet")
        picture.setFixedSize(THUMB)
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        battery = f"{h.battery_percent} %" if h.battery_percent is not None else "?"
        card = f"{h.card_free_mb / 1024:.1f} GB free" if h.card_free_mb is not None else "card ?"
        seen = f"{time.time() - h.last_frame_at:.0f} s ago" if h.last_frame_at else "never"
        text = QLabel(
            f"<b>cam {h.index:02d}</b> {h.serial}<br>{'connected' if h.connected else 'OFFLINE'}"
            f" · battery {battery}<br>{card} · last frame {seen}"
            + (f"<br><span style='color:#ff8a80'>{h.last_error}</span>" if h.last_error else "")
        )
        text.setWordWrap(True)
        col.addWidget(picture, 0, Qt.AlignmentFlag.AlignHCenter)  # a tile wider than its picture: centred in it
        col.addWidget(text)
        return tile


def trigger_words(trigger: Trigger) -> str:
    """What fires the cameras, as staff would name it."""
    if isinstance(trigger, SerialTrigger):
        return f"the trigger box on {trigger.port}"
    if isinstance(trigger, UsbTrigger):
        return "the computer over USB (no trigger box)"
    if isinstance(trigger, VirtualTrigger):
        return "the simulated trigger"
    return type(trigger).__name__


class TestFireTab(QWidget):
    """Fire every camera once, outside any participant's shot: when each frame arrived, and the box's skew."""

    def __init__(self, model: KioskModel) -> None:
        super().__init__()
        self.model = model
        self.job = Background(self)
        self.fire = button("Test fire", "test_fire")
        self.fire.clicked.connect(self.start)
        self.report = QLabel("Fires every camera once; nothing is kept.")
        self.report.setObjectName("test_report")
        self.report.setWordWrap(True)
        self.holder = QVBoxLayout()
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.fire)
        row.addWidget(self.report, 1)
        layout.addLayout(row)
        layout.addLayout(self.holder)
        layout.addStretch(1)
        self.result: TestFire | None = None

    def start(self) -> None:
        if self.model.runner.busy or self.model.screen in (Screen.CAPTURE, Screen.PROCESSING):
            self.report.setText("A participant's shot is under way; try again when the booth is idle.")
            return
        self.fire.setEnabled(False)
        self.report.setText("Firing…")
        live = self.model.station.live
        rig = self.model.station.rig

        def job() -> TestFire:
            if live is not None:
                live.pause()
            return test_fire(rig)

        self.job.start(job, self._show)

    def _show(self, result: TestFire | Exception) -> None:
        self.fire.setEnabled(True)
        if isinstance(result, Exception):
            self.report.setText(f"Test fire failed: {result}")
            self.model.note("error", f"test fire failed: {result}")
            return
        self.result = result
        skew = f"{result.skew_us:.1f} µs" if result.skew_us is not None else "not reported"
        missing = f"; no frame from camera(s) {', '.join(map(str, result.missing))}" if result.missing else ""
        # in words for the kit staff have in front of them: result.fired_by is the trigger's class name
        fired_by = trigger_words(self.model.station.rig.trigger)
        self.report.setText(
            f"{len(result.arrivals)} frames in {result.collect_s:.2f} s, fired by {fired_by}; "
            f"trigger skew {skew}{missing}"
        )
        self.model.note("info", f"test fire: {len(result.arrivals)} frames, skew {skew}{missing}")
        clear(self.holder)
        rows = [
            [f"{a.index:02d}", a.serial, f"{a.after_fire_ms:.0f}", f"{a.kib:.0f}", a.exposure] for a in result.arrivals
        ]
        self.holder.addWidget(table(["cam", "serial", "arrived after fire (ms)", "KiB", "exposure"], rows, "arrivals"))


class PointsView(QWidget):
    """One camera's target frame with its two axis points; staff drag a point to where it should be. A press within
    REACH of a point takes it; one further away is left to scroll the frames."""

    moved = Signal(int, int, float, float)

    def __init__(self, index: int, image: QImage, scale: float, points: tuple[Any, Any] | None) -> None:
        super().__init__()
        self.setObjectName(f"points_{index}")
        self.index = index
        self.image = image
        self.scale = scale
        """Frame pixels per shown pixel."""
        self.points: list[QPoint] = [self._shown(p) for p in points] if points else []
        self.dragging: int | None = None
        self.setFixedSize(image.size())

    def _shown(self, p: tuple[float, float]) -> QPoint:
        return QPoint(round(p[0] / self.scale), round(p[1] / self.scale))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        # painted from the points each time: a QLabel handed a new canvas per move kept showing the first one,
        # since canvases made from the same frame share a cache key and QLabel takes that for "no change"
        painter = QPainter(self)
        painter.drawImage(0, 0, self.image)
        for k, p in enumerate(self.points):
            painter.setPen(QPen(QColor("#00e5ff" if k == 0 else "#ffea00"), 3))
            painter.drawEllipse(p, 9, 9)
            painter.drawLine(p.x() - 14, p.y(), p.x() + 14, p.y())
            painter.drawLine(p.x(), p.y() - 14, p.x(), p.y() + 14)
        if len(self.points) == 2:
            painter.setPen(QPen(QColor("#ffffff"), 1, Qt.PenStyle.DashLine))
            painter.drawLine(self.points[0], self.points[1])
        if not self.points:
            painter.setPen(QPen(QColor("#ff5252"), 3))
            painter.drawText(10, 24, "target not found: tap top, then bottom")
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        at = self._inside(event.position().toPoint())
        if len(self.points) < 2:  # no points found: each tap places the next one, to be dragged from there
            self.points.append(at)
            self.dragging = len(self.points) - 1
        else:
            nearest = min(range(2), key=lambda k: (self.points[k] - at).manhattanLength())
            if (self.points[nearest] - at).manhattanLength() > REACH:
                event.ignore()  # away from both points the finger scrolls the frames
                return
            self.dragging = nearest
            self.points[nearest] = at
        hold_still(self)  # the finger moves the point, not the frames under it
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if self.dragging is not None:
            self.points[self.dragging] = self._inside(event.position().toPoint())
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if self.dragging is not None:
            k, self.dragging = self.dragging, None
            p = self.points[k]
            self.moved.emit(self.index, k, p.x() * self.scale, p.y() * self.scale)

    def _inside(self, at: QPoint) -> QPoint:
        """`at` kept on the frame: a finger that slides off the picture leaves the point at its edge."""
        return QPoint(min(max(at.x(), 0), self.width() - 1), min(max(at.y(), 0), self.height() - 1))


Shown = tuple[TargetShot, dict[int, QImage], float]
"""The target shot with its points, each frame small enough to show, and frame pixels per shown pixel."""


class CalibrationTab(QWidget):
    """Shoot the target, check the axis points found in every frame, drag any that are wrong, save."""

    def __init__(self, model: KioskModel) -> None:
        super().__init__()
        self.model = model
        self.job = Background(self)
        self.shoot = button("Shoot the target", "shoot_target")
        self.shoot.clicked.connect(self.start)
        self.save = button("Save calibration", "save_calibration")
        self.save.setEnabled(False)
        self.save.clicked.connect(self.fit)
        self.report = QLabel(self._current())
        self.report.setObjectName("calibration_report")
        self.report.setWordWrap(True)
        self.flow = Flow("calibration_frames")
        row = QHBoxLayout()
        row.addWidget(self.shoot)
        row.addWidget(self.save)
        row.addWidget(self.report, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.flow, 1)
        self.target: TargetShot | None = None
        self.views: dict[int, PointsView] = {}

    def _current(self) -> str:
        cal = self.model.station.calibration
        return f"In use: calibration {cal.id} ({cal.camera_count} cameras)" if cal else "Not calibrated yet."

    def start(self) -> None:
        if self.model.runner.busy:
            self.report.setText("A participant's shot is under way; try again when the booth is idle.")
            return
        station = self.model.station
        self.shoot.setEnabled(False)
        self.report.setText("Shooting the target…")

        def job() -> Shown:
            if station.live is not None:
                station.live.pause()
            if station.sim is not None:
                station.sim.scene_name = "target"
            try:
                shot = capture(station.rig, station.rig.collect_timeout_s)
            finally:
                if station.sim is not None:
                    station.sim.scene_name = "participant"
            target = find_points(shot.frames, station.config)
            images: dict[int, QImage] = {}
            scale = 1.0
            for f in target.frames:
                image = QImage.fromData(f.data)
                scale = image.width() / SHOWN_WIDTH
                images[f.camera_index] = image.scaledToWidth(SHOWN_WIDTH, Qt.TransformationMode.SmoothTransformation)
            return target, images, scale

        self.job.start(job, self._show)

    def _show(self, result: Shown | Exception) -> None:
        self.shoot.setEnabled(True)
        if isinstance(result, Exception):
            self.report.setText(f"Could not shoot the target: {result}")
            return
        target, images, scale = result
        self.target = target
        self.views = {}
        cells: list[QWidget] = []
        for frame in target.frames:
            k = frame.camera_index
            view = PointsView(k, images[k], scale, target.points.get(k))
            view.moved.connect(self._moved)
            self.views[k] = view
            cells.append(self._cell(view, f"cam {k:02d}" + (f": {target.misses[k]}" if k in target.misses else "")))
        self.flow.show_cells(cells)
        misses = len(target.misses)
        self.report.setText(
            f"Axis found in {len(target.frames) - misses} of {len(target.frames)} frames"
            + (f"; place the points by hand in {misses}" if misses else "; drag any point that is off, then save")
        )
        self.save.setEnabled(True)

    @staticmethod
    def _cell(view: PointsView, caption: str) -> QWidget:
        cell = QWidget()
        col = QVBoxLayout(cell)
        col.setContentsMargins(0, 0, 0, 0)  # the frames' own width decides how many fit across
        label = QLabel(caption)
        label.setWordWrap(True)  # why the target was not found can be longer than the frame is wide
        col.addWidget(label)
        col.addWidget(view)
        return cell

    @Slot(int, int, float, float)
    def _moved(self, index: int, which: int, x: float, y: float) -> None:
        if self.target is not None:
            self.target.move(index, which, (x, y))

    def fit(self) -> None:
        target = self.target
        if target is None:
            return
        station = self.model.station
        self.save.setEnabled(False)
        self.job.start(lambda: target.calibrate(station.config, station.rig.rig_id), self._fitted)

    def _fitted(self, result: tuple[Calibration, list[str]] | Exception) -> None:
        self.save.setEnabled(True)
        if isinstance(result, Exception):
            self.report.setText(f"Not saved: {result}")
            return
        calibration, warnings = result
        self.model.use_calibration(calibration)
        self.report.setText(self._current() + (f" ({'; '.join(warnings)})" if warnings else " · saved"))


class EventTab(QWidget):
    """The event's profile (the clip's frame), overlay and consent texts, and the brand kit's preparation."""

    def __init__(self, model: KioskModel) -> None:
        super().__init__()
        self.model = model
        self.info = QLabel()
        self.info.setObjectName("event_info")
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        row = QHBoxLayout()
        row.addWidget(QLabel("Clip frame:"))
        for profile in ("vertical", "landscape", "square"):
            b = button(profile, f"profile_{profile}")
            b.clicked.connect(lambda _=False, p=profile: self._profile(p))
            row.addWidget(b)
        row.addStretch(1)
        self.kit = QLabel()
        self.kit.setObjectName("kit_state")
        self.kit.setWordWrap(True)
        self.prepare = button("Prepare again", "prepare_kit")
        self.prepare.clicked.connect(self._prepare)
        kit_row = QHBoxLayout()
        kit_row.addWidget(self.kit, 1)
        kit_row.addWidget(self.prepare)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(row)
        layout.addWidget(self.info)
        layout.addLayout(kit_row)
        layout.addStretch(1)
        whole(self, touch_scroll(body, participants=False))
        self.kit_timer = QTimer(self)
        self.kit_timer.setInterval(KIT_EVERY_MS)
        self.kit_timer.timeout.connect(self.show_kit)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        self.show_kit()
        self.kit_timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt's name)
        self.kit_timer.stop()
        super().hideEvent(event)

    def show_kit(self) -> None:
        """The kit's preparation as the service last told it: read, never waited for."""
        station = self.model.station
        tagger, preparation = station.tagger, station.preparation
        if tagger is None or preparation is None:
            why = station.tagging_error or "no tagging.kit in booth.toml"
            self.kit.setText(f"Logo tagging: off ({why})")
            self.prepare.setEnabled(False)
            return
        using = "the kit's preparation" if tagger.preparation is not None else "the shared models"
        self.kit.setText(
            f"Logo tagging with kit {tagger.kit.name} ({len(tagger.kit.brands)} brands, {tagger.provider}):"
            f" {preparation.state()} · shots are tagged with {using}"
        )
        self.prepare.setEnabled(not preparation.running)

    def _prepare(self) -> None:
        preparation = self.model.station.preparation
        if preparation is None or preparation.running:
            return
        preparation.start()
        self.model.note("info", f"brand kit {preparation.tagger.kit.name}: preparation started from the staff panel")
        self.show_kit()

    def _profile(self, profile: str) -> None:
        self.model.set_profile(profile)
        self.refresh()

    def refresh(self) -> None:
        c: BoothConfig = self.model.config
        texts = self.model.station.texts.by_language
        rows = "".join(
            f"<li>{lang}: “{t.content.title}” version {t.content.version}, {len(t.content.purposes)} purposes,"
            f" SHA-256 {t.sha256[:12]}…</li>"
            for lang, t in sorted(texts.items())
        )
        overlay = c.resolve(c.stitch.overlay) if c.stitch.overlay else None
        self.info.setText(
            f"<p>Event <b>{c.booth.event}</b>, booth <b>{c.booth.id}</b>, rig {self.model.station.kind}"
            f" ({len(self.model.station.rig.cameras.cameras())} cameras)</p>"
            f"<p>Clips: <b>{c.stitch.profile}</b>, {c.stitch.fps} fps, in-between views {c.stitch.interpolation}"
            f" ×{c.stitch.interpolation_factor}</p>"
            f"<p>Overlay: {overlay or 'none'}; end card: {c.stitch.end_card or 'none'}</p>"
            f"<p>Consent texts:</p><ul>{rows}</ul>"
            f"<p>Changes here last until the booth stops; booth.toml keeps them for good.</p>"
        )


class OutboxTab(QWidget):
    def __init__(self, model: KioskModel) -> None:
        super().__init__()
        self.model = model
        self.state = QLabel()
        self.state.setObjectName("outbox_state")
        self.state.setWordWrap(True)
        self.holder = QVBoxLayout()
        refresh = button("Refresh", "outbox_refresh")
        refresh.clicked.connect(self.refresh)
        row = QHBoxLayout()
        row.addWidget(self.state, 1)
        row.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(self.holder)
        layout.addStretch(1)

    def refresh(self) -> None:
        station = self.model.station
        outbox = station.outbox
        pending = outbox.pending()
        broker = station.delivery.state() if station.delivery is not None else "off"
        last = outbox.last_delivered_at() or "never"
        page = station.phone_page
        web = "running" if page is not None and page.running else (page.error if page else "off") or "starting"
        self.state.setText(
            f"Broker: {broker} · {len(pending)} job(s) waiting · last delivery {last} · phone page: {web}"
        )
        rows = []
        for job in pending:
            attempt = outbox.attempt(job.job_id)
            rows.append(
                [
                    job.clip_id,
                    job.recipient,
                    job.kind.value,
                    str(attempt.attempts if attempt else 0),
                    attempt.note if attempt else "",
                ]
            )
        clear(self.holder)
        self.holder.addWidget(table(["clip", "recipient", "kind", "attempts", "last note"], rows, "outbox_jobs"))


class ConsentTab(QWidget):
    def __init__(self, model: KioskModel) -> None:
        super().__init__()
        self.model = model
        self.counts = QLabel()
        self.counts.setObjectName("consent_counts")
        self.counts.setTextFormat(Qt.TextFormat.RichText)
        self.counts.setWordWrap(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.counts)
        layout.addStretch(1)
        whole(self, touch_scroll(body, participants=False))

    def refresh(self) -> None:
        c = consent_counts(self.model.station.store)
        purposes = "".join(f"<li>{p}: {n}</li>" for p, n in sorted(c.by_purpose.items())) or "<li>none yet</li>"
        self.counts.setText(
            f"<p><b>{c.clips}</b> clips made: <b>{c.granted}</b> with consent, <b>{c.refused}</b> refused,"
            f" <b>{c.undecided}</b> undecided, <b>{c.withdrawn}</b> withdrawn; {c.deleted} deleted so far</p>"
            f"<p>Decided on the kiosk: {c.on_kiosk} · on a phone: {c.on_phone}</p>"
            f"<p>Retention: {self._retention()}</p>"
            f"<p>Granted, by purpose:</p><ul>{purposes}</ul>"
        )

    def _retention(self) -> str:
        service = self.model.station.retention
        if service is None:
            return "not running here: run 'booth consent purge' daily"
        if service.error:
            return f"last run failed: {service.error}"
        return f"{len(service.purged)} deleted since the booth started, checked every {service.every_s / 60:g} min"


class LogTab(QWidget):
    def __init__(self, model: KioskModel) -> None:
        super().__init__()
        self.text = QPlainTextEdit()
        self.text.setObjectName("log")
        self.text.setReadOnly(True)
        self.text.setMaximumBlockCount(2000)
        finger_scroll(self.text)
        QVBoxLayout(self).addWidget(self.text)
        for line in model.log_lines:
            self.add(line)
        model.logged.connect(self.add)

    @Slot(object)
    def add(self, line: LogLine) -> None:
        stamp = time.strftime("%H:%M:%S", time.localtime(line.at))
        self.text.appendPlainText(f"{stamp} {line.level.upper():5} {line.text}")


class StaffPanel(QWidget):
    def __init__(self, model: KioskModel, theme: Theme, close: Callable[[], None]) -> None:
        super().__init__()
        self.model = model
        self.setObjectName("staff")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(theme.staff_stylesheet())
        self.tabs = QTabWidget()
        self.tabs.setObjectName("staff_tabs")
        self.rig = RigTab(model)
        self.test = TestFireTab(model)
        self.calibration = CalibrationTab(model)
        self.event_tab = EventTab(model)
        self.outbox = OutboxTab(model)
        self.consent = ConsentTab(model)
        self.log = LogTab(model)
        for tab, name in (
            (self.rig, "Rig"),
            (self.test, "Test fire"),
            (self.calibration, "Calibration"),
            (self.event_tab, "Event"),
            (self.outbox, "Outbox"),
            (self.consent, "Consent"),
            (self.log, "Log"),
        ):
            self.tabs.addTab(tab, name)
        self.tabs.currentChanged.connect(self._tab_changed)
        back = button("Back to the booth", "staff_back")
        back.clicked.connect(close)
        quit_ = button("Quit", "staff_quit")
        quit_.clicked.connect(self._quit)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(f"Staff · {model.config.booth.id}"), 1)
        bar.addWidget(back)
        bar.addWidget(quit_)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.tabs, 1)
        self.quit_requested: Callable[[], None] | None = None

    def open(self) -> None:
        self._tab_changed(self.tabs.currentIndex())

    def _tab_changed(self, index: int) -> None:
        tab = self.tabs.widget(index)
        refresh = getattr(tab, "refresh", None)
        if callable(refresh):
            refresh()

    def _quit(self) -> None:
        self.model.note("info", "quit from the staff panel")
        if self.quit_requested is not None:
            self.quit_requested()
