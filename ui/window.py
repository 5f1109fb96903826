"""KioskWindow: the participant's screens, the corner staff staff hold for the PIN pad, and the staff panel."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QStackedWidget, QVBoxLayout, QWidget

from booth.session import Screen
from ui.model import KioskModel
from ui.screens import PAGES, Header, Page
from ui.staff_panel import StaffPanel
from ui.theme import Theme
from ui.widgets import button, label
from ui.words import word

PIN_LOCK_S = 30.0
"""After three wrong PINs the pad refuses for this long."""


class Corner(QWidget):
    """An invisible square in the top-left corner: held for kiosk.long_press_s, it opens the PIN pad. A short
    tap passes through as an ordinary touch."""

    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.setObjectName("corner")
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(window.ask_pin)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        self.timer.start(round(self.window_.model.config.kiosk.long_press_s * 1000))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if self.timer.isActive():
            self.timer.stop()
            self.window_.model.touch()


class PinPad(QWidget):
    def __init__(self, window: KioskWindow) -> None:
        super().__init__()
        self.window_ = window
        self.setObjectName("pin_pad")
        self.setProperty("page", True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.prompt = label("", "title")
        self.shown_digits = label("", "title")
        self.shown_digits.setObjectName("pin_digits")
        self.digits = ""
        self.wrong = 0
        self.locked_until = 0.0
        grid = QGridLayout()
        for k, key in enumerate("123456789C0✓"):
            name = {"C": "pin_clear", "✓": "pin_ok"}.get(key, f"pin_{key}")
            b = button(key, name, "quiet" if key in "C✓" else "")
            b.clicked.connect(lambda _=False, key=key: self.press(key))
            grid.addWidget(b, k // 3, k % 3)
        self.cancel = button("", "pin_cancel", "quiet")
        self.cancel.clicked.connect(window.close_staff)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.prompt)
        layout.addWidget(self.shown_digits)
        layout.addLayout(grid)
        layout.addWidget(self.cancel)
        layout.addStretch(1)

    def reset(self) -> None:
        self.digits = ""
        self.refresh()

    def refresh(self, message: str = "") -> None:
        language = self.window_.model.language
        self.prompt.setText(message or word(language, "pin"))
        self.shown_digits.setText("•" * len(self.digits) or " ")
        self.cancel.setText(word(language, "cancel"))

    def press(self, key: str) -> None:
        if key == "C":
            self.digits = ""
        elif key == "✓":
            self.check()
            return
        elif len(self.digits) < 8:
            self.digits += key
        self.refresh()

    def check(self) -> None:
        model = self.window_.model
        if time.monotonic() < self.locked_until:
            self.digits = ""
            self.refresh(word(model.language, "pin_wrong"))
            return
        if self.digits == model.config.kiosk.staff_pin:
            self.wrong = 0
            self.digits = ""
            self.window_.open_staff()
            return
        self.wrong += 1
        model.note("error", f"wrong staff PIN entered ({self.wrong} in a row)")
        if self.wrong >= 3:
            self.locked_until, self.wrong = time.monotonic() + PIN_LOCK_S, 0
        self.digits = ""
        self.refresh(word(model.language, "pin_wrong"))


class KioskWindow(QWidget):
    """Fullscreen on the event's screen (or a window for staff testing); portrait or landscape by its shape."""

    def __init__(self, model: KioskModel, theme: Theme) -> None:
        super().__init__()
        self.model = model
        self.theme = theme
        self.setObjectName("kiosk")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowTitle(f"Bullet Time 360 · {model.config.booth.event}")
        self.header = Header(model, theme.logo)
        self.stack = QStackedWidget()
        self.pages: dict[Screen, Page] = {}
        for page_type in PAGES:
            page = page_type(model)
            self.pages[page.shows] = page
            self.stack.addWidget(page)
        self.pin = PinPad(self)
        self.stack.addWidget(self.pin)
        self.staff = StaffPanel(model, theme, self.close_staff)
        self.stack.addWidget(self.staff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.stack, 1)
        self.corner = Corner(self)
        self.unit = 0
        self.portrait: bool | None = None
        model.changed.connect(self.refresh)
        self.clock = QTimer(self)
        self.clock.setInterval(500)
        self.clock.timeout.connect(lambda: self.header.refresh(self.unit))
        self.clock.start()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        w, h = event.size().width(), event.size().height()
        unit = Theme.unit_for(w, h)
        portrait = h >= w
        if unit != self.unit:
            self.unit = unit
            self.setStyleSheet(self.theme.stylesheet(unit))
            self.header.refresh(unit)
        if portrait != self.portrait:
            self.portrait = portrait
            for page in self.pages.values():
                page.arrange(portrait)
        side = unit * 3
        self.corner.setGeometry(0, 0, side, side)
        self.corner.raise_()
        super().resizeEvent(event)

    def refresh(self) -> None:
        if self.model.staff_open:
            return
        page = self.pages[self.model.screen]
        self.stack.setCurrentWidget(page)  # the page hears its show event; the one it replaces, its hide event
        page.refresh()  # laid out at its size by now
        self.header.refresh(self.unit)

    def ask_pin(self) -> None:
        self.model.staff_open = True
        self.pin.reset()
        self.stack.setCurrentWidget(self.pin)

    def open_staff(self) -> None:
        self.model.note("info", "staff panel opened")
        self.staff.open()
        self.stack.setCurrentWidget(self.staff)
        self.header.setVisible(False)
        self.corner.setVisible(False)

    def close_staff(self) -> None:
        self.model.staff_open = False
        self.header.setVisible(True)
        self.corner.setVisible(True)
        self.corner.raise_()
        self.refresh()

    def current_page(self) -> QWidget:
        widget = self.stack.currentWidget()
        assert widget is not None
        return widget
