"""`booth kiosk --check-layout`: every screen of the running kiosk, in every language, checked for what runs off
the screen or is cut, and drawn from the screen itself when asked."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QScrollArea, QTabBar, QWidget

from booth.consent.texts import LANGUAGES
from booth.errors import BoothError
from booth.session import Screen
from ui.model import KioskModel
from ui.player import ClipPlayer
from ui.window import KioskWindow

STEP_TIMEOUT_S = 180.0
"""The longest the tour waits for the kiosk to reach a screen (a shot on a slow machine included)."""
SETTLE_S = 0.4
"""Time for a screen to draw what it shows (the clip's first frame, the live view) before it is checked."""
LAYOUT_S = 5.0
"""The longest a screen is given to settle its layout before what does not fit is reported."""


class TourError(BoothError):
    """The kiosk did not reach a screen the tour walks through."""


@dataclass(frozen=True)
class Problem:
    stop: str
    language: str
    widget: str
    what: str

    def __str__(self) -> str:
        return f"{self.stop} ({self.language}): {self.widget} {self.what}"


def _name(widget: QWidget) -> str:
    name = widget.objectName()
    text = widget.text() if isinstance(widget, QLabel | QAbstractButton) else ""
    shown = f' "{text[:40]}{"…" if len(text) > 40 else ""}"' if text else ""
    return f"{type(widget).__name__}{'#' + name if name else ''}{shown}"


def _scrolled(widget: QWidget) -> QScrollArea | None:
    """The scroll area whose content holds `widget`: what lies beyond its edge is reached by scrolling."""
    parent = widget.parentWidget()
    while parent is not None:
        content = parent.widget() if isinstance(parent, QScrollArea) else None
        if isinstance(parent, QScrollArea) and content is not None and content.isAncestorOf(widget):
            return parent
        parent = parent.parentWidget()
    return None


def _text_cut(widget: QWidget) -> str:
    """Why the widget's text does not fit it, or ''."""
    if isinstance(widget, QLabel):
        if not widget.text() or not widget.pixmap().isNull():
            return ""
        room = widget.contentsRect()
        metrics = widget.fontMetrics()
        if widget.wordWrap():
            longest = max((metrics.horizontalAdvance(word) for word in widget.text().split()), default=0)
            if longest > room.width() + 1:
                return f"has a word wider than its {room.width()} px"
            needed = widget.heightForWidth(widget.width())  # the widget's whole height, its margins included
            if needed > widget.height() + 1:
                return f"needs {needed} px of height, has {widget.height()}"
            return ""
        needed = max((metrics.horizontalAdvance(line) for line in widget.text().split("\n")), default=0)
        return f"text needs {needed} px, has {room.width()}" if needed > room.width() + 1 else ""
    if isinstance(widget, QAbstractButton) and widget.text() and not isinstance(widget.parentWidget(), QTabBar):
        hint = widget.sizeHint()
        if hint.width() > widget.width() + 1:
            return f"text needs {hint.width()} px, has {widget.width()}"
    return ""


def problems(window: QWidget, stop: str, language: str) -> list[Problem]:
    """Every visible widget that extends past the window, or whose text is cut or elided."""
    found: list[Problem] = []
    bounds = window.rect()
    screen = window.screen().geometry()
    if window.width() > screen.width() or window.height() > screen.height():
        # what no longer fits its least size stretches the window past the screen, out of sight
        size = f"{window.width()}x{window.height()}"
        found.append(Problem(stop, language, "the window", f"grew to {size}, past the screen's {_rect(screen)}"))
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window) or widget.width() <= 0 or widget.height() <= 0:
            continue
        area = _scrolled(widget)
        if area is None:
            rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
            if not bounds.contains(rect):
                found.append(Problem(stop, language, _name(widget), f"extends past the screen ({_rect(rect)})"))
                continue
        else:
            content = area.widget()
            assert content is not None
            rect = QRect(widget.mapTo(content, QPoint(0, 0)), widget.size())
            if rect.right() > content.width() or rect.left() < 0:
                found.append(Problem(stop, language, _name(widget), "extends sideways past its scrolling area"))
                continue
        cut = _text_cut(widget)
        if cut:
            found.append(Problem(stop, language, _name(widget), cut))
    return found


def _rect(rect: QRect) -> str:
    return f"{rect.width()}x{rect.height()} at {rect.x()},{rect.y()}"


class Tour:
    """Walks the kiosk as a participant and as staff would, stopping on every screen in every language."""

    def __init__(self, app: QApplication, window: KioskWindow, model: KioskModel, shots: Path | None) -> None:
        self.app, self.window, self.model, self.shots = app, window, model, shots
        self.found: list[Problem] = []

    def wait(self, until: Callable[[], bool], what: str, timeout_s: float = STEP_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while not until():
            if time.monotonic() > deadline:
                raise TourError(f"the kiosk did not reach {what} within {timeout_s:.0f} s; see the staff log")
            self.app.processEvents()
            time.sleep(0.02)

    def settle(self) -> None:
        end = time.monotonic() + SETTLE_S
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.02)

    def laid_out(self, stop: str, language: str) -> list[Problem]:
        """What does not fit once the screen has settled: a screen rebuilt in another language takes a few
        layout passes on a busy machine, so what is found is looked at again until it fits or LAYOUT_S is up."""
        self.settle()
        deadline = time.monotonic() + LAYOUT_S
        found = problems(self.window, stop, language)
        while found and time.monotonic() < deadline:
            self.settle()
            found = problems(self.window, stop, language)
        return found

    def screen(self, screen: Screen) -> None:
        self.wait(lambda: self.model.screen is screen, f"the {screen.value} screen")

    def stop(self, name: str) -> None:
        """Check (and draw) what is on screen now, in each language, and come back to the first one. A screen that
        ends by itself (the countdown, the capture) may end before every language is seen: the languages it did
        not stay for are left unchecked and undrawn, never judged or drawn on the screen that came next."""
        first, screen = self.model.language, self.model.screen
        for language in (first, *(lang for lang in LANGUAGES if lang != first)):
            self.model.language = language
            self.model.changed.emit()
            found = self.laid_out(name, language)
            if self.model.screen is not screen:
                break
            self.found += found
            self.draw(f"{name}-{language}")
        self.model.language = first
        self.model.changed.emit()
        self.settle()

    def draw(self, name: str) -> None:
        if self.shots is None:
            return
        shape = "portrait" if self.window.height() >= self.window.width() else "landscape"
        path = self.shots / f"kiosk-{name}-{shape}.png"
        screen = QGuiApplication.primaryScreen()
        picture = screen.grabWindow(0) if screen is not None else QPixmap()
        if picture.isNull() or picture.width() < self.window.width():  # a platform that cannot read its screen
            picture = self.window.grab()
        picture.save(str(path))

    def tap(self, name: str) -> None:
        found = self.window.findChild(QAbstractButton, name)
        if found is None or not found.isVisible() or not found.isEnabled():
            raise TourError(f"the {name} button cannot be tapped on the {self.model.screen.value} screen")
        found.click()

    def participant(self) -> Iterator[str]:
        """A participant's way: the attract loop to the shot, its review, the choices, the phone link."""
        model = self.model
        self.screen(Screen.ATTRACT)
        yield "attract"
        model.touch()
        self.screen(Screen.POSE)
        live = model.station.live
        if live is not None:
            self.wait(lambda: live.latest() is not None, "the live view")
        yield "pose"
        self.tap("ready")
        self.screen(Screen.COUNTDOWN)
        yield "countdown"
        self.wait(lambda: model.screen in (Screen.CAPTURE, Screen.PROCESSING, Screen.REVIEW), "the shot")
        if model.screen is Screen.CAPTURE:
            yield "capture"
        self.wait(lambda: model.screen in (Screen.PROCESSING, Screen.REVIEW, Screen.ERROR), "the clip being made")
        if model.screen is Screen.PROCESSING:
            yield "processing"
        self.wait(lambda: model.screen in (Screen.REVIEW, Screen.ERROR), "the review of the clip")
        if model.screen is Screen.ERROR:
            raise TourError("the shot failed; see the staff log")
        player = self.window.findChild(ClipPlayer, "clip")
        if player is not None:  # the clip itself, not the preview it starts with
            self.wait(lambda: player.frames is not None, "the clip decoded for review")
        yield "review"
        self.tap("keep")
        self.screen(Screen.CONSENT)
        yield "consent"
        self.tap("age_under_threshold")
        yield "consent-under"
        # nothing is recorded for the tour's clip: it is left undecided, and deleted at the end of the day
        self.tap("on_phone")
        self.screen(Screen.SHARE)
        yield "share"
        # the same screen as after choices made on the kiosk, with a code like a real one (nothing is recorded)
        model.show_withdrawal("7K2M-QX4P-9TRD")
        model.changed.emit()
        yield "share-granted"
        self.tap("done")
        self.screen(Screen.THANKS)
        yield "thanks"
        model.show_error()
        self.screen(Screen.ERROR)
        yield "error"
        model.touch()
        self.screen(Screen.ATTRACT)

    def staff(self) -> Iterator[str]:
        """The PIN pad and each tab of the staff panel."""
        self.window.ask_pin()
        yield "pin"
        self.window.open_staff()
        tabs = self.window.staff.tabs
        for index in range(tabs.count()):
            tabs.setCurrentIndex(index)
            tab = tabs.widget(index)
            if tab is not None:
                self.fill(tab)
            yield f"staff-{tabs.tabText(index).lower().replace(' ', '-')}"
        self.window.close_staff()

    def fill(self, tab: QWidget) -> None:
        """A tab that shows what its action did (a test fire's arrivals, the target's frames) is seen after it:
        staff see it so, and its tables and pictures must fit too."""
        for name in ("test_fire", "shoot_target"):
            action = tab.findChild(QAbstractButton, name)
            if action is not None:
                self.tap(name)
                self.wait(action.isEnabled, f"the end of the staff panel's {name.replace('_', ' ')}")

    def walk(self) -> list[Problem]:
        for name in self.participant():
            self.stop(name)
        for name in self.staff():
            self.stop(name)
        # back where the next participant finds it, at the size it had
        self.found += self.laid_out("attract, after the staff panel", self.model.language)
        return self.found
