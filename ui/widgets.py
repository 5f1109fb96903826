"""The kiosk's small widgets: labels and buttons whose words wrap, media that fits, switches, touch scrolling."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QMovie, QPainter, QPaintEvent, QPalette, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QScroller,
    QScrollerProperties,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)


def label(text: str = "", role: str = "", *, wrap: bool = True, centre: bool = True) -> QLabel:
    widget = QLabel(text)
    widget.setWordWrap(wrap)
    if centre:
        widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    if role:
        widget.setProperty("role", role)
    return widget


def wrapped(words: str, width: int, advance: Callable[[str], int]) -> str:
    """`words` broken into lines no wider than `width` where spaces allow (a word wider than that keeps a line)."""
    lines: list[str] = []
    for paragraph in words.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and advance(candidate) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return "\n".join(lines)


class Button(QPushButton):
    """A push button whose words go onto a second line when the screen is too narrow for them (Qt's buttons keep
    one line and are cut, or push the whole screen wider): French is a third longer than English."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self._words = text

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        self._words = text
        self._wrap()

    def text(self) -> str:
        return self._words

    def _padding(self) -> int:
        shown = super().text()
        widest = max((self.fontMetrics().horizontalAdvance(line) for line in shown.split("\n")), default=0)
        return max(0, super().sizeHint().width() - widest)

    def _wrap(self) -> None:
        room = self.width() - self._padding() if self.isVisible() or self.width() > 0 else 1 << 20
        lines = wrapped(self._words, room, self.fontMetrics().horizontalAdvance)
        if lines != super().text():
            super().setText(lines)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        """As narrow as its longest word: the layout may give it less than one line's width, and it wraps."""
        hint = super().sizeHint()  # Qt's own, from the lines shown now (not this class's: it would call back here)
        longest = max((self.fontMetrics().horizontalAdvance(w) for w in self._words.split()), default=0)
        return QSize(min(hint.width(), longest + self._padding()), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._wrap()


def button(text: str, name: str, role: str = "") -> Button:
    widget = Button(text)
    widget.setObjectName(name)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    widget.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    if role:
        widget.setProperty("role", role)
    return widget


class Media(QLabel):
    """A picture or a looping animation (a clip's preview.webp), scaled to fit and kept in proportion; `sharp`: a QR
    code, scaled by a whole number so its modules stay square and sharp."""

    def __init__(self, *, sharp: bool = False) -> None:
        super().__init__()
        self.sharp = sharp
        self.setProperty("role", "media")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(QSize(64, 64))
        self._movie: QMovie | None = None
        self._image = QImage()
        self.path: Path | None = None

    def play(self, path: Path | None) -> None:
        if path == self.path and (self._movie is not None or not self._image.isNull()):
            return
        self.stop()
        self.path = path
        if path is None or not path.exists():
            return
        movie = QMovie(str(path), parent=self)  # goes with the widget: no frame reaches a deleted label
        if not movie.isValid():
            self.show_image(QImage(str(path)))
            return
        self._movie = movie
        movie.frameChanged.connect(self._frame)
        movie.start()

    def _frame(self) -> None:
        if self._movie is not None:
            self._image = self._movie.currentImage()
            self._fit()

    def show_image(self, image: QImage) -> None:
        self._image = image
        self._fit()

    def stop(self) -> None:
        if self._movie is not None:
            self._movie.stop()
            self._movie.deleteLater()
        self._movie, self.path = None, None
        self._image = QImage()
        self.clear()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        self._fit()

    def _fit(self) -> None:
        if self._image.isNull():
            return
        size, image = self.size(), self._image
        if self.sharp and image.width() <= size.width() and image.height() <= size.height():
            # a QR code at a whole multiple of its size: square, sharp modules a phone's camera reads at once
            k = min(size.width() // image.width(), size.height() // image.height())
            scaled = image.scaled(image.size() * k, Qt.AspectRatioMode.KeepAspectRatio)
        elif image.size().scaled(size, Qt.AspectRatioMode.KeepAspectRatio) == image.size():
            scaled = image  # made at the size it is shown (a clip's decoded frames): nothing to scale
        else:
            smooth = Qt.TransformationMode.SmoothTransformation
            scaled = image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, smooth)
        self.setPixmap(QPixmap.fromImage(scaled))


class Switch(QWidget):
    """A switch drawn as one: a track with a knob, at the right and filled when on. Drawn in the text colour of
    the card it sits on, so it reads on the panel's shade and on the event's colour alike."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("switch")
        self.on = False
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        h = round(self.fontMetrics().height() * 1.3)
        return QSize(h * 2, h)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        colour = self.palette().color(QPalette.ColorRole.WindowText)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        h = float(self.height())
        line = max(2.0, h / 12)
        track = QRectF(line / 2, line / 2, self.width() - line, h - line)
        fill = QColor(colour)
        fill.setAlpha(90 if self.on else 0)
        painter.setBrush(fill)
        painter.setPen(colour)
        pen = painter.pen()
        pen.setWidthF(line)
        painter.setPen(pen)
        painter.drawRoundedRect(track, track.height() / 2, track.height() / 2)
        knob = h - 4 * line
        x = self.width() - 2 * line - knob if self.on else 2 * line
        painter.setBrush(colour)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(QRectF(x, 2 * line, knob, knob))
        painter.end()


class Toggle(QFrame):
    """A use the participant switches on or off: its title, its whole description and who it goes to, wrapped,
    with a switch and its state in words; off at first."""

    def __init__(self, name: str, on_change: Callable[[], None]) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setProperty("role", "toggle")
        self.setProperty("on", "false")
        self.head = label("", "head", centre=False)
        self.body = label("", centre=False)
        self.goes = label("", "goes", centre=False)
        self.switch = Switch()
        self.mark = label("", "mark", wrap=False)
        self.on_change = on_change
        text = QVBoxLayout()
        text.addWidget(self.head)
        text.addWidget(self.body)
        text.addWidget(self.goes)
        state = QVBoxLayout()
        state.addStretch(1)
        state.addWidget(self.switch, 0, Qt.AlignmentFlag.AlignHCenter)
        state.addWidget(self.mark, 0, Qt.AlignmentFlag.AlignHCenter)
        state.addStretch(1)
        row = QHBoxLayout(self)
        row.addLayout(text, 1)
        row.addLayout(state)
        self.checked = False
        self.marks = ("Off", "On")

    def set_text(self, head: str, body: str, goes: str, marks: tuple[str, str]) -> None:
        self.head.setText(head)
        self.body.setText(body)
        self.body.setVisible(bool(body))
        self.goes.setText(goes)
        self.goes.setVisible(bool(goes))
        self.marks = marks
        self.mark.setText(marks[self.checked])

    def set_checked(self, on: bool) -> None:
        self.checked = on
        self.switch.on = on
        self.setProperty("on", "true" if on else "false")
        self.mark.setText(self.marks[on])
        for widget in (self, self.head, self.body, self.goes, self.mark, self.switch):
            widget.style().unpolish(widget)
            widget.style().polish(widget)
        self.switch.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        event.accept()  # the release comes here

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        # a tap switches on its release over the switch; a finger that started a scroll is released far outside
        # (the scroller says so), and one that slid off has changed its mind
        if event.button() is Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.set_checked(not self.checked)
            self.on_change()


def finger_scroll(area: QAbstractScrollArea) -> None:
    """A finger drags the area's content along, as on a phone: a touch screen's finger reaches Qt as the left
    button, and a scroll bar is too thin to hit at arm's length."""
    viewport = area.viewport()
    QScroller.grabGesture(viewport, QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    scroller = QScroller.scroller(viewport)
    properties = scroller.scrollerProperties()
    # presses reach the content at once, not after a pause: what is under the finger (a calibration point) can
    # claim the drag before it turns into a scroll
    properties.setScrollMetric(QScrollerProperties.ScrollMetric.MousePressEventDelay, 0.0)
    scroller.setScrollerProperties(properties)
    if isinstance(area, QAbstractItemView):  # a row at a time jumps under a finger
        area.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        area.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)


def hold_still(widget: QWidget) -> None:
    """Stop the finger scrolling of every area round `widget`: the finger on it moves something of its own."""
    parent = widget.parentWidget()
    while parent is not None:
        if QScroller.hasScroller(parent):
            QScroller.scroller(parent).stop()
        parent = parent.parentWidget()


def touch_scroll(content: QWidget, name: str = "", *, participants: bool = True) -> QScrollArea:
    """`content` in a scroll area as wide as its place, which a finger can drag (a touch screen has no wheel). On
    the participants' screens it scrolls only up and down, its bar always there; staff's tabs take Qt's bars, as
    needed."""
    area = QScrollArea()
    area.setObjectName(name)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    if participants:
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # always there: it says there may be more below, and its width never changes the text's line breaks
        area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
    area.setWidget(content)
    finger_scroll(area)
    return area
