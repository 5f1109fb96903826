"""The participant's screens, one widget each: they show what KioskModel holds and pass taps on, nothing more."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QHideEvent, QImage, QMouseEvent, QMovie, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QFrame,
    QGraphicsOpacityEffect,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from booth.consent.page_words import WORDS as PAGE_WORDS
from booth.session import Screen
from booth.staff import attract_clips
from ui.model import KioskModel
from ui.words import word

AGE_WORDS = {"adult": "age_adult", "minor": "age_minor", "under_threshold": "age_under"}
"""Each age band's answer in the phone page's words (booth.consent.page_words)."""

ATTRACT_PURPOSE = "social"
"""The purpose whose consent lets a clip loop on the attract screen: a public use of the clip."""


def label(text: str = "", role: str = "", *, wrap: bool = True, centre: bool = True) -> QLabel:
    widget = QLabel(text)
    widget.setWordWrap(wrap)
    if centre:
        widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    if role:
        widget.setProperty("role", role)
    return widget


def button(text: str, name: str, role: str = "") -> QPushButton:
    widget = QPushButton(text)
    widget.setObjectName(name)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    if role:
        widget.setProperty("role", role)
    return widget


class Media(QLabel):
    """A picture or a looping animation (a clip's preview.webp), scaled to fit and kept in proportion."""

    def __init__(self) -> None:
        super().__init__()
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

    def resizeEvent(self, event: object) -> None:  # noqa: N802 (Qt's name)
        self._fit()

    def _fit(self) -> None:
        if self._image.isNull():
            return
        size = self.size()
        scaled = self._image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)
        self.setPixmap(QPixmap.fromImage(scaled))


class Toggle(QFrame):
    """A use the participant switches on or off: its title and its whole description, wrapped; off at first."""

    def __init__(self, name: str, on_change: Callable[[], None]) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setProperty("role", "toggle")
        self.setProperty("on", "false")
        self.head = label("", "head", centre=False)
        self.body = label("", centre=False)
        self.mark = label("", "head")
        self.on_change = on_change
        text = QVBoxLayout()
        text.addWidget(self.head)
        text.addWidget(self.body)
        row = QHBoxLayout(self)
        row.addLayout(text, 1)
        row.addWidget(self.mark)
        self.checked = False
        self.marks = ("Off", "On")

    def set_text(self, head: str, body: str, marks: tuple[str, str]) -> None:
        self.head.setText(head)
        self.body.setText(body)
        self.body.setVisible(bool(body))
        self.marks = marks
        self.mark.setText(marks[self.checked])

    def set_checked(self, on: bool) -> None:
        self.checked = on
        self.setProperty("on", "true" if on else "false")
        self.mark.setText(self.marks[on])
        self.style().unpolish(self)
        self.style().polish(self)
        for child in (self.head, self.body, self.mark):
            child.style().unpolish(child)
            child.style().polish(child)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        self.set_checked(not self.checked)
        self.on_change()


class Page(QWidget):
    """One screen. `refresh` redraws it from the model; `arrange` lays it out for a portrait or landscape screen."""

    shows: Screen
    """The session's screen this page shows."""

    def __init__(self, model: KioskModel) -> None:
        super().__init__()
        self.model = model
        self.setProperty("page", True)
        self.setObjectName(f"page_{self.shows.value}")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)

    def refresh(self) -> None:
        pass

    def arrange(self, portrait: bool) -> None:
        pass

    def shown(self) -> None:
        """The page came on screen (Qt's show event: the stack switched to it, or the window appeared)."""

    def hidden(self) -> None:
        """The page left the screen, or the window closed: stop what it plays."""

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.shown()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt's name)
        super().hideEvent(event)
        self.hidden()

    def w(self, key: str, **values: object) -> str:
        return word(self.model.language, key, **values)


class TapPage(Page):
    """A page where a tap anywhere that is not a button means Touch."""

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        self.model.touch()


class Split(QBoxLayout):
    """Media on one side and the words and buttons on the other: stacked in portrait, side by side in landscape."""

    def __init__(self, media: QWidget, side: QWidget) -> None:
        super().__init__(QBoxLayout.Direction.TopToBottom)
        self.addWidget(media, 3)
        self.addWidget(side, 2)

    def arrange(self, portrait: bool) -> None:
        self.setDirection(QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight)


PROMPT_DIM = 0.35
"""The attract screen's "touch to start" at the low of its pulse."""


class AttractPage(TapPage):
    shows = Screen.ATTRACT

    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        self.title = label("", "title")
        self.media = Media()
        self.mark = label("360°", "huge")
        self.line = label("", "hint")
        self.start = label("", "title")
        self.start.setObjectName("touch")
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.media, 1)
        layout.addWidget(self.mark, 1)
        layout.addWidget(self.line)
        layout.addWidget(self.start)
        self._clips: list[Path] = []
        self._next = 0
        self.rotate = QTimer(self)
        self.rotate.setInterval(6000)
        self.rotate.timeout.connect(self._play_next)
        # the prompt breathes between full and dim rather than hiding: hidden, it left the layout and the clip
        # above it jumped in size twice a second
        self.glow = QGraphicsOpacityEffect(self.start)
        self.start.setGraphicsEffect(self.glow)
        self.pulse = QTimer(self)
        self.pulse.setInterval(700)
        self.pulse.timeout.connect(
            lambda: self.glow.setOpacity(PROMPT_DIM if self.glow.opacity() > PROMPT_DIM else 1.0)
        )

    def refresh(self) -> None:
        config = self.model.config
        self.title.setText(config.kiosk.title or config.booth.event)
        self.line.setText(self.w("attract_line", n=len(self.model.station.rig.cameras.cameras())))
        self.start.setText(self.w("touch"))

    def shown(self) -> None:
        shown = [c / "preview.webp" for c in attract_clips(self.model.station.store, ATTRACT_PURPOSE)]
        config = self.model.config
        demo = config.resolve(config.kiosk.demo_clip) if config.kiosk.demo_clip is not None else None
        self._clips = [p for p in shown if p.exists()] or ([demo] if demo is not None and demo.exists() else [])
        self._next = 0
        self._play_next()
        self.rotate.start()
        self.pulse.start()

    def hidden(self) -> None:
        self.rotate.stop()
        self.pulse.stop()
        self.glow.setOpacity(1.0)
        self.media.stop()

    def _play_next(self) -> None:
        self.media.setVisible(bool(self._clips))
        self.mark.setVisible(not self._clips)  # no clip anyone agreed to show, and no demo: the booth's own mark
        if not self._clips:
            return
        self.media.play(self._clips[self._next % len(self._clips)])
        self._next += 1


class LivePreview(Media):
    """The centre camera's live view, refreshed ten times a second while on screen."""

    def __init__(self, model: KioskModel) -> None:
        super().__init__()
        self.model = model
        self._number = -1
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._update)

    def _update(self) -> None:
        live = self.model.station.live
        frame = live.latest() if live is not None else None
        if frame is None or frame.number == self._number:
            return
        self._number = frame.number
        image = QImage.fromData(frame.jpeg)
        if not image.isNull():
            self.show_image(image.flipped(Qt.Orientation.Horizontal))  # a mirror: people pose by what they see

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt's name)
        super().hideEvent(event)
        self.timer.stop()


class PosePage(TapPage):
    shows = Screen.POSE

    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        self.title = label("", "title")
        self.preview = LivePreview(model)
        self.steps = label("", centre=False)
        self.ready = button("", "ready")
        self.ready.clicked.connect(model.ready)
        side = QWidget()
        col = QVBoxLayout(side)
        col.addWidget(self.title)
        col.addWidget(self.steps, 1)
        col.addWidget(self.ready)
        self.split = Split(self.preview, side)
        self.setLayout(self.split)

    def refresh(self) -> None:
        self.title.setText(self.w("pose_title"))
        self.steps.setText(self.w("pose_steps") if self.model.calibrated else self.w("not_ready"))
        self.ready.setText(self.w("ready"))

    def arrange(self, portrait: bool) -> None:
        self.split.arrange(portrait)


class CountdownPage(Page):
    shows = Screen.COUNTDOWN

    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        self.preview = LivePreview(model)
        self.number = label("", "huge")
        self.number.setObjectName("countdown")
        self.number.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        grid = QGridLayout(self)
        grid.addWidget(self.preview, 0, 0)
        grid.addWidget(self.number, 0, 0)

    def refresh(self) -> None:
        n = self.model.countdown()
        self.number.setText(str(n) if n > 0 else self.w("hold"))


class CapturePage(Page):
    shows = Screen.CAPTURE

    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        self.text = label("", "title")
        QVBoxLayout(self).addWidget(self.text)

    def refresh(self) -> None:
        self.text.setText(self.w("capture"))


class ProcessingPage(Page):
    shows = Screen.PROCESSING

    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        self.title = label("", "title")
        self.stage = label("", "hint")
        self.stage.setObjectName("stage")
        self.bar = QProgressBar()
        self.bar.setObjectName("progress")
        self.bar.setRange(0, 1000)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(self.title)
        layout.addWidget(self.stage)
        layout.addWidget(self.bar)
        layout.addStretch(3)
        model.progressed.connect(self.refresh)

    def refresh(self) -> None:
        self.title.setText(self.w("processing"))
        stage = self.model.stage if self.model.stage in ("capture", "encode", "tags") else "capture"
        self.stage.setText(self.w(f"stage_{stage}"))
        self.bar.setValue(round(self.model.progress * 1000))


class ReviewPage(TapPage):
    shows = Screen.REVIEW

    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        self.media = Media()
        self.media.setObjectName("clip")
        self.title = label("", "title")
        self.retake = button("", "retake", "quiet")
        self.retake.clicked.connect(model.retake)
        self.keep = button("", "keep")
        self.keep.clicked.connect(model.keep)
        side = QWidget()
        col = QVBoxLayout(side)
        col.addWidget(self.title)
        col.addStretch(1)
        col.addWidget(self.keep)
        col.addWidget(self.retake)
        self.split = Split(self.media, side)
        self.setLayout(self.split)

    def refresh(self) -> None:
        left = self.model.session.retakes_left
        self.title.setText(self.w("review_title"))
        self.retake.setText(self.w("retake", n=left))
        self.retake.setVisible(left > 0)
        self.keep.setText(self.w("keep"))

    def arrange(self, portrait: bool) -> None:
        self.split.arrange(portrait)

    def shown(self) -> None:
        clip = self.model.clip_id
        self.media.play(self.model.station.clips_dir / clip / "preview.webp" if clip else None)

    def hidden(self) -> None:
        self.media.stop()


class ConsentPage(TapPage):
    """The consent text's purposes, each off until switched on, and the age question: the same choice as the
    phone page's. Below the age limit the guardian decides on the phone page, where they give their name."""

    shows = Screen.CONSENT

    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        self.title = label("", "title")
        self.hint = label("", "hint")
        self.problem = label("", "problem")
        self.problem.setObjectName("problem")
        self.purposes = QWidget()
        self.purpose_rows = QVBoxLayout(self.purposes)
        self.switches: dict[str, Toggle] = {}
        self.age_label = label("", "hint", centre=False)
        self.ages = QButtonGroup(self)
        self.ages.setExclusive(True)
        ages_row = QWidget()
        ages_box = QHBoxLayout(ages_row)
        ages_box.setContentsMargins(0, 0, 0, 0)
        self.age_buttons: dict[str, QPushButton] = {}
        for band in AGE_WORDS:
            choice = button("", f"age_{band}", "choice")
            choice.setCheckable(True)
            self.ages.addButton(choice)
            ages_box.addWidget(choice)
            choice.clicked.connect(self._tapped)
            self.age_buttons[band] = choice
        self.guardian = label("", "hint")
        self.guardian.setObjectName("guardian_note")
        self.save = button("", "save")
        self.save.clicked.connect(self._save)
        self.refuse = button("", "refuse", "quiet")
        self.refuse.clicked.connect(self._refuse)
        self.phone = button("", "on_phone", "quiet")
        self.phone.clicked.connect(model.on_phone)
        right = QWidget()
        col = QVBoxLayout(right)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.age_label)
        col.addWidget(ages_row)
        col.addWidget(self.guardian)
        col.addStretch(1)
        col.addWidget(self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.refuse)
        buttons.addWidget(self.phone)
        col.addLayout(buttons)
        self.body = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.body.addWidget(self.purposes, 3)
        self.body.addWidget(right, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addWidget(self.problem)
        layout.addLayout(self.body, 1)
        self._built_for = ""

    def arrange(self, portrait: bool) -> None:
        direction = QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        self.body.setDirection(direction)

    def _build(self) -> None:
        text = self.model.text
        if self._built_for == text.sha256:
            return
        on = {p: b.checked for p, b in self.switches.items()}
        while self.purpose_rows.count():
            item = self.purpose_rows.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()  # type: ignore[union-attr]
        self.switches = {}
        for purpose in text.content.purposes:
            switch = Toggle(f"purpose_{purpose.id}", self._tapped)
            switch.set_checked(on.get(purpose.id, False))
            self.switches[purpose.id] = switch
            self.purpose_rows.addWidget(switch)
        self._built_for = text.sha256

    def shown(self) -> None:
        # a new participant's choices start all off; coming back with a problem keeps what they chose
        if not self.model.session.problem:
            for b in self.switches.values():
                b.set_checked(False)
            self.ages.setExclusive(False)
            for age in self.ages.buttons():
                age.setChecked(False)
            self.ages.setExclusive(True)
        self._update_age()

    def refresh(self) -> None:
        self._build()
        words = PAGE_WORDS.get(self.model.language, PAGE_WORDS["en"])
        n = self.model.config.consent.age_threshold
        self.title.setText(self.w("consent_title"))
        self.hint.setText(self.w("consent_hint"))
        self.problem.setText(self.model.session.problem)
        self.problem.setVisible(bool(self.model.session.problem))
        self.age_label.setText(self.model.text.content.age_question)
        for band, choice in self.age_buttons.items():
            choice.setText(words[AGE_WORDS[band]].format(n=n))
        marks = (words["off"], words["on"])
        for purpose in self.model.text.content.purposes:
            if purpose.id in self.switches:
                self.switches[purpose.id].set_text(purpose.title, purpose.description, marks)
        self.guardian.setText(self.w("guardian_phone", n=n))
        self._update_age()
        self.save.setText(self.w("save"))
        self.refuse.setText(self.w("refuse"))
        self.phone.setText(self.w("on_phone"))

    def _age(self) -> str:
        return next((band for band, choice in self.age_buttons.items() if choice.isChecked()), "")

    def _update_age(self) -> None:
        # below the age limit a guardian consents, under their own name: typed on their phone, not on a kiosk
        under = self._age() == "under_threshold"
        self.guardian.setVisible(under)
        self.save.setEnabled(bool(self._age()) and not under)

    def _tapped(self) -> None:
        self._update_age()
        self.model.touch()  # someone is still there: the screen's time-out starts again

    def _save(self) -> None:
        purposes = {p: b.checked for p, b in self.switches.items()}
        self.model.decide(purposes, self._age())

    def _refuse(self) -> None:
        self.model.decide({}, self._age() or "adult")


class SharePage(TapPage):
    shows = Screen.SHARE

    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        self.title = label("", "title")
        self.qr = Media()
        self.qr.setObjectName("qr")
        self.qr.setProperty("role", "")
        self.text = label("", "hint")
        self.code = label("", "code")
        self.code.setObjectName("screen_code")
        self.done = button("", "done")
        self.done.clicked.connect(model.touch)
        side = QWidget()
        col = QVBoxLayout(side)
        col.addWidget(self.title)
        col.addWidget(self.text)
        col.addWidget(self.code)
        col.addStretch(1)
        col.addWidget(self.done)
        self.split = Split(self.qr, side)
        self.setLayout(self.split)

    def arrange(self, portrait: bool) -> None:
        self.split.arrange(portrait)

    def refresh(self) -> None:
        granted = self.model.decided_granted
        self.title.setText(self.w("share_title"))
        self.text.setText(self.w("share_text") if granted else self.w("share_decide"))
        code = self.model.screen_code if not granted else ""
        self.code.setText(self.w("share_code", code=code) if code else "")
        self.code.setVisible(bool(code))
        self.done.setText(self.w("done"))
        if self.model.qr:
            self.qr.show_image(QImage.fromData(self.model.qr))


class MessagePage(TapPage):
    """A title and a line, until a tap or the screen's time-out."""

    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        self.title = label("", "title")
        self.text = label("")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addStretch(1)


class ThanksPage(MessagePage):
    shows = Screen.THANKS

    def refresh(self) -> None:
        self.title.setText(self.w("thanks_title"))
        refused = self.model.clip_id is not None and not self.model.decided_granted and not self.model.page
        self.text.setText(self.w("thanks_refused") if refused else self.w("thanks_text"))


class ErrorPage(MessagePage):
    """Participants see a friendly line; what failed is in the staff log."""

    shows = Screen.ERROR

    def refresh(self) -> None:
        self.title.setText(self.w("error_title"))
        self.text.setText(self.w("error_text"))


PAGES: tuple[type[Page], ...] = (
    AttractPage,
    PosePage,
    CountdownPage,
    CapturePage,
    ProcessingPage,
    ReviewPage,
    ConsentPage,
    SharePage,
    ThanksPage,
    ErrorPage,
)


class Header(QFrame):
    """The event's logo, the time the screen has left, and the language switch, above every screen."""

    def __init__(self, model: KioskModel, logo: Path | None) -> None:
        super().__init__()
        self.model = model
        self.logo = QLabel()
        self.picture = QPixmap(str(logo)) if logo is not None and logo.exists() else QPixmap()
        self.unit = 0
        self.left = label("", "small")
        self.left.setObjectName("time_left")
        self.language = button("", "language", "small")
        self.language.clicked.connect(model.switch_language)
        row = QHBoxLayout(self)
        row.addWidget(self.logo)
        row.addStretch(1)
        row.addWidget(self.left)
        row.addWidget(self.language)

    def refresh(self, unit: int) -> None:
        if unit != self.unit and not self.picture.isNull():
            height = round(unit * 1.6)
            self.logo.setPixmap(self.picture.scaledToHeight(height, Qt.TransformationMode.SmoothTransformation))
        self.unit = unit
        self.language.setText(word(self.model.language, "language"))
        left = self.model.time_left()
        shown = left is not None and left <= 15 and self.model.screen is not Screen.ATTRACT
        self.left.setText(word(self.model.language, "seconds_left", n=round(left)) if shown and left else "")
