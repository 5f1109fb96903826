"""A clip played from its clip.mp4 at the size it is shown, sharp where the 360 px preview would be stretched; the
preview plays while the clip's frames are decoded on a thread below the screen's."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QImage

from rig.priority import run_in_background
from ui.widgets import Media

MAX_FRAMES = 600
"""At most 20 s at 30 fps are held (a clip is a few seconds): what is longer loops its first 20 s."""
JPEG_QUALITY = 90


@dataclass(frozen=True)
class Frames:
    """A clip's frames as JPEG at the size they are shown, and its frame rate."""

    clip: Path
    jpegs: list[bytes]
    fps: float


def decode(clip: Path, box: QSize, stop: threading.Event) -> Frames:
    """Every frame of `clip`, scaled down to fit `box` (never up), as JPEG: a few MB for a clip of seconds."""
    capture = cv2.VideoCapture(str(clip))
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    jpegs: list[bytes] = []
    try:
        while not stop.is_set() and len(jpegs) < MAX_FRAMES:
            ok, frame = capture.read()
            if not ok:
                break
            h, w = frame.shape[:2]
            k = min(box.width() / w, box.height() / h, 1.0)
            if k < 1.0:
                frame = cv2.resize(frame, (max(1, round(w * k)), max(1, round(h * k))), interpolation=cv2.INTER_AREA)
            done, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            if done:
                jpegs.append(jpeg.tobytes())
    finally:
        capture.release()
    return Frames(clip, jpegs, fps if 1.0 <= fps <= 120.0 else 30.0)


class ClipPlayer(Media):
    """Plays a clip's preview at once, then the clip itself, looping, once its frames are decoded; a clip that
    cannot be read keeps the preview."""

    decoded = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.clip: Path | None = None
        self.frames: Frames | None = None
        self._index = 0
        self._stop = threading.Event()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._next)
        self.decoded.connect(self._decoded, Qt.ConnectionType.QueuedConnection)

    def play_clip(self, clip: Path | None, preview: Path | None) -> None:
        if clip is not None and clip == self.clip:
            return
        self.halt()
        self.play(preview)
        self.clip = clip
        if clip is None or not clip.exists():
            return
        stop = self._stop = threading.Event()
        box = self.size()
        if box.width() < 64 or box.height() < 64:  # not laid out yet: the screen's size bounds it
            screen = self.screen()
            box = screen.size() if screen is not None else QSize(1080, 1920)

        def work() -> None:
            run_in_background()
            frames = decode(clip, box, stop)
            if not stop.is_set():
                self.decoded.emit(frames)

        threading.Thread(target=work, name="clip-decode", daemon=True).start()

    @Slot(object)
    def _decoded(self, frames: Frames) -> None:
        if frames.clip != self.clip or not frames.jpegs:
            return  # another clip since, or none readable: the preview stays
        super().stop()  # the preview's animation
        self.frames, self._index = frames, 0
        self.timer.start(round(1000 / frames.fps))
        self._next()

    def _next(self) -> None:
        if self.frames is None:
            return
        image = QImage.fromData(self.frames.jpegs[self._index])
        self._index = (self._index + 1) % len(self.frames.jpegs)
        if not image.isNull():
            self.show_image(image)

    def halt(self) -> None:
        """Stop playing and decoding; the frames go."""
        self._stop.set()
        self.timer.stop()
        self.frames, self.clip = None, None
        self.stop()
