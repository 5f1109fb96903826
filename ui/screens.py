"""The participant's screens, one widget each: they show what KioskModel holds and pass taps on, nothing more."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QHideEvent, QImage, QMouseEvent, QPixmap, QResizeEvent, QShowEvent
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
    QVBoxLayout,
    QWidget,
)

from booth.consent.page_words import WORDS as PAGE_WORDS
from booth.session import Screen
from booth.staff import attract_clips
from ui.model import KioskModel
from ui.player import ClipPlayer
from ui.widgets import Media, Toggle, button, label, touch_scroll
from ui.words import word

AGE_WORDS = {"under_threshold": "age_under", "minor": "age_minor", "adult": "age_adult"}
"""Each age band's answer in the phone page's words (booth.consent.page_words), youngest first as there."""

GOES_TO_NAMES = 200
"""Above this many characters of names, a purpose names its recipients by their numbers in the list."""


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
        self.playlist: list[Path] = []
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
        station = self.model.station
        shown = [c / "preview.webp" for c in attract_clips(station.store, station.texts)]
        config = self.model.config
        demo = config.resolve(config.kiosk.demo_clip) if config.kiosk.demo_clip is not None else None
        self.playlist = [p for p in shown if p.exists()] or ([demo] if demo is not None and demo.exists() else [])
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
        self.media.setVisible(bool(self.playlist))
        self.mark.setVisible(not self.playlist)  # no clip anyone agreed to show, and no demo: the booth's own mark
        if not self.playlist:
            return
        self.media.play(self.playlist[self._next % len(self.playlist)])
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


class ProgressPage(Page):
    """A title and a line over a bar, under the last live frame: the moment before the cameras fired, held while
    the shot is collected and made."""

    def __init__(self, model: KioskModel, line: str, bar: str) -> None:
        super().__init__(model)
        self.title = label("", "title")
        self.line = label("", "hint")
        self.line.setObjectName(line)
        self.bar = QProgressBar()
        self.bar.setObjectName(bar)
        self.still = LivePreview(model)
        layout = QVBoxLayout(self)
        layout.addWidget(self.still, 1)
        layout.addWidget(self.title)
        layout.addWidget(self.line)
        layout.addWidget(self.bar)
        model.progressed.connect(self.refresh)


class CapturePage(ProgressPage):
    """The shot is taken: how many cameras' pictures have arrived, from the first second (a slow machine takes
    tens of seconds to collect 48 of them)."""

    shows = Screen.CAPTURE

    def __init__(self, model: KioskModel) -> None:
        super().__init__(model, "frames_in", "capture_progress")

    def refresh(self) -> None:
        arrived, cameras = self.model.frames_in
        self.title.setText(self.w("capture"))
        self.line.setText(self.w("frames_in", n=arrived, of=cameras))
        self.bar.setRange(0, max(1, cameras))
        self.bar.setValue(arrived)


class ProcessingPage(ProgressPage):
    shows = Screen.PROCESSING

    def __init__(self, model: KioskModel) -> None:
        super().__init__(model, "stage", "progress")
        self.bar.setRange(0, 1000)

    def refresh(self) -> None:
        self.title.setText(self.w("processing"))
        stage = self.model.stage if self.model.stage in ("capture", "encode", "tags") else "capture"
        self.line.setText(self.w(f"stage_{stage}"))
        self.bar.setValue(round(self.model.progress * 1000))


class ReviewPage(TapPage):
    shows = Screen.REVIEW

    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        self.media = ClipPlayer()
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
        # portrait: the clip takes every pixel the title and the two buttons leave
        self.split.setStretch(0, 1 if portrait else 3)
        self.split.setStretch(1, 0 if portrait else 2)

    def shown(self) -> None:
        clip = self.model.clip_id
        folder = self.model.station.clips_dir / clip if clip else None
        # the preview at once, then the clip itself at the size it is shown
        self.media.play_clip(folder / "clip.mp4" if folder else None, folder / "preview.webp" if folder else None)

    def hidden(self) -> None:
        self.media.halt()


class ConsentPage(TapPage):
    """The consent text as the phone page gives it: each purpose off until switched on, with who it goes to; who is
    responsible, how long the clip is kept and how to change one's mind; and the age question. Below the age limit
    a guardian decides on the phone page, where they give their name; refusing everything needs no one."""

    shows = Screen.CONSENT

    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        self.title = label("", "title")
        self.hint = label("", "hint")
        self.problem = label("", "problem")
        self.problem.setObjectName("problem")
        # what may be long (up to 12 purposes of 600 characters, and the text's own sections) scrolls under a
        # finger; the age and the buttons stay on screen
        content = QWidget()
        content.setProperty("page", True)
        rows = QVBoxLayout(content)
        rows.setContentsMargins(0, 0, 0, 0)
        self.purposes = QWidget()
        self.purpose_rows = QVBoxLayout(self.purposes)
        self.purpose_rows.setContentsMargins(0, 0, 0, 0)
        rows.addWidget(self.purposes)
        self.sections: dict[str, tuple[QLabel, QLabel]] = {}
        for key in ("recipients", "controller", "retention", "withdrawal"):
            head, text = label("", "section", centre=False), label("", "hint", centre=False)
            text.setObjectName(f"consent_{key}")
            rows.addWidget(head)
            rows.addWidget(text)
            self.sections[key] = (head, text)
        rows.addStretch(1)
        self.reading = touch_scroll(content, "consent_text")
        self.switches: dict[str, Toggle] = {}
        self.age_label = label("", "hint", centre=False)
        self.ages = QButtonGroup(self)
        self.ages.setExclusive(True)
        ages_row = QWidget()
        ages_box = QVBoxLayout(ages_row)
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
        # the age question may be as long as the schema allows: it scrolls too, above buttons that never move
        age = QWidget()
        age.setProperty("page", True)
        age_col = QVBoxLayout(age)
        age_col.setContentsMargins(0, 0, 0, 0)
        age_col.addWidget(self.age_label)
        age_col.addWidget(ages_row)
        age_col.addWidget(self.guardian)
        age_col.addStretch(1)
        self.age_area = touch_scroll(age, "consent_age")
        self.age_content = age
        self.portrait = True
        right = QWidget()
        col = QVBoxLayout(right)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.age_area, 1)
        col.addWidget(self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.refuse, 1)
        buttons.addWidget(self.phone, 1)
        col.addLayout(buttons)
        self.body = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.body.addWidget(self.reading, 3)
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
        self.portrait = portrait
        self._fit_age()
        # portrait: the text above takes what the age and the buttons leave; landscape: three fifths of the width
        self.body.setStretch(0, 1 if portrait else 3)
        self.body.setStretch(1, 0 if portrait else 2)

    def _fit_age(self) -> None:
        """Portrait: the age question and its answers whole under the text (or two fifths of the page, scrolling),
        not squeezed to a line by the text above; landscape: their column's full height."""
        if not self.portrait:
            self.age_area.setMinimumHeight(0)
            return
        content = self.age_content
        width = self.age_area.viewport().width()
        need = content.heightForWidth(width) if content.hasHeightForWidth() else content.sizeHint().height()
        self.age_area.setMinimumHeight(min(need, self.height() * 2 // 5))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit_age()

    def _build(self) -> None:
        text = self.model.text
        if self._built_for == text.sha256:
            return
        on = {p: b.checked for p, b in self.switches.items()}
        while self.purpose_rows.count():
            item = self.purpose_rows.takeAt(0)
            old = item.widget() if item is not None else None
            if old is not None:
                # out of the page at once: a child waiting for deletion would still be found by its name
                old.hide()
                old.setParent(None)
                old.deleteLater()
        self.switches = {}
        for purpose in text.content.purposes:
            switch = Toggle(f"purpose_{purpose.id}", self._tapped)
            switch.set_checked(on.get(purpose.id, False))
            self.switches[purpose.id] = switch
            self.purpose_rows.addWidget(switch)
            switch.show()  # a child added to a page already on screen stays hidden unless told
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
            self.reading.verticalScrollBar().setValue(0)
            self.age_area.verticalScrollBar().setValue(0)
        self._update_age()

    def refresh(self) -> None:
        self._build()
        words = PAGE_WORDS.get(self.model.language, PAGE_WORDS["en"])
        text = self.model.text
        n = self.model.config.consent.age_threshold
        self.title.setText(self.w("consent_title"))
        self.hint.setText(self.w("consent_hint"))
        self.problem.setText(self.model.session.problem)
        self.problem.setVisible(bool(self.model.session.problem))
        self.age_label.setText(text.content.age_question)
        for band, choice in self.age_buttons.items():
            choice.setText(words[AGE_WORDS[band]].format(n=n))
        # with the age limit at 18 there is no one between it and adulthood, as on the phone page
        self.age_buttons["minor"].setVisible(n < 18)
        marks = (words["off"], words["on"])
        for purpose in text.content.purposes:
            if purpose.id in self.switches:
                goes = self._goes_to(purpose.recipients, words)
                self.switches[purpose.id].set_text(purpose.title, purpose.description, goes, marks)
        for key, (head, body) in self.sections.items():
            head.setText(words[key])
            body.setText(getattr(text.content, key) if key != "recipients" else self._recipients())
        self.guardian.setText(self.w("guardian_phone", n=n))
        self._update_age()
        self.save.setText(self.w("save"))
        self.refuse.setText(self.w("refuse"))
        self.phone.setText(self.w("on_phone"))
        self.phone.setVisible(not self.model.phone_page_down())
        self._fit_age()

    def _recipients(self) -> str:
        names = [r.name for r in self.model.text.content.recipients]
        return "\n".join(f"{k}. {name}" for k, name in enumerate(names, 1))

    def _goes_to(self, ids: list[str], words: dict[str, str]) -> str:
        """Who a purpose's clips go to: by name, or by their numbers in the recipients' list when the names are
        too long to repeat under each purpose (twelve purposes of twenty 200-character names would be a
        screen to scroll thirty times)."""
        if not ids:
            return words["stays"]
        names = self.model.text.recipient_names(ids)
        if sum(len(n) for n in names) <= GOES_TO_NAMES:
            return f"{words['goes_to']} {', '.join(names)}"
        number = {r.id: k for k, r in enumerate(self.model.text.content.recipients, 1)}
        listed = ", ".join(str(number[r]) for r in ids if r in number)
        return self.w("goes_to_numbers", numbers=listed, heading=words["recipients"])

    def _age(self) -> str:
        return next((band for band, choice in self.age_buttons.items() if choice.isChecked()), "")

    def _update_age(self) -> None:
        # below the age limit a guardian consents, under their own name: typed on their phone, not on a kiosk
        under = self._age() == "under_threshold"
        self.guardian.setVisible(under)
        self.save.setEnabled(bool(self._age()) and not under)
        self._fit_age()
        if under:  # why saving is greyed out, in view: once laid out with the note in it
            QTimer.singleShot(0, lambda: self.age_area.ensureWidgetVisible(self.guardian))

    def _tapped(self) -> None:
        self._update_age()
        self.model.touch()  # someone is still there: the screen's time-out starts again

    def _save(self) -> None:
        purposes = {p: b.checked for p, b in self.switches.items()}
        self.model.decide(purposes, self._age())

    def _refuse(self) -> None:
        # refusing everything is open to every age: nothing is used, so no guardian is needed
        self.model.decide({}, self._age() or "adult")


class QrCode(QWidget):
    """A QR code with what it is for above it, its modules kept square and sharp."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.caption = label("", "hint")
        self.caption.setObjectName(f"{name}_caption")
        self.code = Media(sharp=True)
        self.code.setObjectName(name)
        self.code.setProperty("role", "")
        self.code.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)  # under its caption
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.caption)
        col.addWidget(self.code, 1)

    def show_code(self, caption: str, png: bytes) -> None:
        self.caption.setText(caption)
        self.code.show_image(QImage.fromData(png))
        self.setVisible(bool(png))

    def clear(self) -> None:
        self.code.stop()


class SharePage(TapPage):
    """The event Wi-Fi first (its name, password and a QR code that joins it), then the phone page's QR code and
    the code the page asks for; after choices made on the kiosk, the withdrawal code and where to use it. The
    link's QR code leaves the screen when the participant taps Done: it opens their clip for anyone who scans it."""

    shows = Screen.SHARE

    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        self.title = label("", "title")
        self.wifi = QrCode("wifi_qr")
        self.link = QrCode("qr")
        self.withdraw = QrCode("withdraw_qr")
        codes = QWidget()
        self.codes = QGridLayout(codes)
        self.codes.setContentsMargins(0, 0, 0, 0)
        self.codes.setRowStretch(0, 1)
        self.portrait = True
        self.text = label("", "hint")
        self.wifi_text = label("", "hint")
        self.wifi_text.setObjectName("wifi")
        self.code = label("", "code")
        self.code.setObjectName("screen_code")
        self.withdrawal = label("", "code")
        self.withdrawal.setObjectName("withdrawal_code")
        self.withdrawal_hint = label("", "hint")
        self.done = button("", "done")
        self.done.clicked.connect(model.touch)
        # the words scroll when a language needs more room than the screen has; Done never moves
        words = QWidget()
        words.setProperty("page", True)
        col = QVBoxLayout(words)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.title)
        col.addWidget(self.wifi_text)
        col.addWidget(self.text)
        col.addWidget(self.code)
        col.addWidget(self.withdrawal)
        col.addWidget(self.withdrawal_hint)
        col.addStretch(1)
        side = QWidget()
        side_col = QVBoxLayout(side)
        side_col.setContentsMargins(0, 0, 0, 0)
        side_col.addWidget(touch_scroll(words, "share_words"), 1)
        side_col.addWidget(self.done)
        self.split = Split(codes, side)
        self.setLayout(self.split)

    def arrange(self, portrait: bool) -> None:
        self.split.arrange(portrait)
        # a row of square codes is a third of a portrait page high: the words below take the rest
        self.split.setStretch(0, 1 if portrait else 3)
        self.portrait = portrait
        # portrait: the codes in a row above the words; landscape: two above the third, leaving the words room
        for code in (self.wifi, self.link, self.withdraw):
            self.codes.removeWidget(code)
        self.codes.addWidget(self.wifi, 0, 0)
        self.codes.addWidget(self.link, 0, 1)
        if portrait:
            self.codes.addWidget(self.withdraw, 0, 2)
        else:
            self.codes.addWidget(self.withdraw, 1, 0, 1, 2)
        self._second_row()

    def _second_row(self) -> None:
        """The withdrawal form's code has a row of its own in landscape; an empty row takes no room."""
        self.codes.setRowStretch(1, 1 if self.model.withdrawal_code and not self.portrait else 0)

    def refresh(self) -> None:
        model = self.model
        granted = model.decided_granted
        words = PAGE_WORDS.get(model.language, PAGE_WORDS["en"])
        self.title.setText(self.w("share_title") if model.qr else self.w("share_down_title"))
        wifi = model.config.web.wifi_name if model.qr else None
        self.wifi.setVisible(bool(wifi))
        self.wifi_text.setVisible(bool(wifi))
        if wifi:
            password = model.config.web.wifi_password
            joined = self.w("share_wifi", name=wifi) + (
                f" {self.w('share_wifi_password', password=password)}" if password else ""
            )
            self.wifi_text.setText(joined)
            self.wifi.show_code(self.w("step_wifi"), model.wifi_qr)
        if model.qr:
            self.text.setText(self.w("share_text") if granted else self.w("share_decide"))
            self.link.show_code(self.w("step_link") if wifi else "", model.qr)
        else:
            self.link.setVisible(False)
            self.text.setText(self.w("share_down"))
        code = model.screen_code if not granted and model.qr else ""
        self.code.setText(self.w("share_code", code=code) if code else "")
        self.code.setVisible(bool(code))
        withdrawal = model.withdrawal_code
        self.withdrawal.setVisible(bool(withdrawal))
        self.withdrawal_hint.setVisible(bool(withdrawal))
        self.withdraw.setVisible(bool(withdrawal))
        self._second_row()
        if withdrawal:
            self.withdrawal.setText(self.w("withdrawal_code", code=withdrawal))
            self.withdrawal_hint.setText(self.w("withdrawal_hint", url=model.withdraw_page))
            self.withdraw.show_code(words["withdraw_link"], model.withdraw_qr)
        self.done.setText(self.w("done"))

    def hidden(self) -> None:
        for code in (self.wifi, self.link, self.withdraw):
            code.clear()


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
        self.text.setText(self.w("thanks_refused") if self.model.refused_all else self.w("thanks_text"))


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
