"""What the review screen's GUI thread pays a frame: the clip decoded at the size it is shown (ui/player.py) against
the baseline it replaced, the 360 px preview.webp stretched to the same size; and how long the decode takes.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/kiosk_review.py [--width 600] [--height 1066]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage, QMovie
from PySide6.QtWidgets import QApplication

from booth.stitch.encode import write_preview
from ui.player import decode
from ui.widgets import Media

FRAMES = 90
"""Three seconds at 30 fps, as the booth's clips."""


def clip_frames(seed: int = 7) -> list[np.ndarray]:
    """1080x1920 frames with fine detail everywhere (noise over a gradient, a moving bar), as a camera's texture."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(40, 200, 1920, dtype=np.float32)[:, None, None] * np.ones((1, 1080, 3), np.float32)
    texture = cv2.resize(rng.normal(0, 40, (480, 270, 3)).astype(np.float32), (1080, 1920))
    frames = []
    for k in range(FRAMES):
        frame = ramp + np.roll(texture, 12 * k, axis=1)
        cv2.rectangle(frame, (100 + 8 * k, 600), (300 + 8 * k, 1300), (30, 160, 230), -1)
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    return frames


def per_movie_ms(movie: QMovie, media: Media) -> list[float]:
    """Milliseconds the GUI thread spends on each preview frame: decoding it and stretching it to the widget."""
    times = []
    movie.jumpToFrame(0)
    for _ in range(FRAMES):
        start = time.perf_counter()
        movie.jumpToNextFrame()
        media.show_image(movie.currentImage())
        times.append((time.perf_counter() - start) * 1000)
    return times


def per_jpeg_ms(jpegs: list[bytes], media: Media) -> list[float]:
    """The same for the clip's frames, decoded from JPEG at the size they are shown."""
    times = []
    for jpeg in jpegs:
        start = time.perf_counter()
        media.show_image(QImage.fromData(jpeg))
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=600, help="the review's clip area, pixels")
    parser.add_argument("--height", type=int, default=1066)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    frames = clip_frames()
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.mp4"
        writer = cv2.VideoWriter(str(clip), cv2.VideoWriter.fourcc(*"mp4v"), 30.0, (1080, 1920))
        for frame in frames:
            writer.write(frame)
        writer.release()
        preview = Path(tmp) / "preview.webp"
        write_preview([cv2.resize(f, (360, 640), interpolation=cv2.INTER_AREA) for f in frames], preview, "webp")
        media = Media()
        media.resize(args.width, args.height)
        start = time.perf_counter()
        decoded = decode(clip, QSize(args.width, args.height), threading.Event())
        decode_s = time.perf_counter() - start
        movie = QMovie(str(preview))
        baseline = per_movie_ms(movie, media)
        played = per_jpeg_ms(decoded.jpegs, media)
    held = sum(len(j) for j in decoded.jpegs) / 2**20
    size = QImage.fromData(decoded.jpegs[0]).size()
    print(f"review area {args.width}x{args.height}; clip 1080x1920, {FRAMES} frames")
    print(f"baseline, preview.webp 360x640 stretched: median {statistics.median(baseline):.1f} ms a frame")
    print(
        f"clip decoded to {size.width()}x{size.height()}: median {statistics.median(played):.1f} ms a frame "
        f"({statistics.median(played) / statistics.median(baseline):.2f}x the baseline), "
        f"p95 {sorted(played)[int(0.95 * len(played))]:.1f} ms"
    )
    print(f"decode on its thread: {decode_s:.2f} s for {len(decoded.jpegs)} frames, {held:.1f} MiB held")
    busy, was = statistics.median(played) * 3, statistics.median(baseline) * 3  # ms a frame x 30 fps / 1000 ms
    print(f"the GUI thread's share at 30 fps: {busy:.0f} % (baseline {was:.0f} %)")
    app.quit()


if __name__ == "__main__":
    main()
