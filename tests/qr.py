"""What a phone's camera reads from a QR code, for the tests: OpenCV's two detectors, as a phone tries more than one."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray


def read_qr(image: NDArray[np.uint8]) -> str:
    """The text of the QR code in `image` (grey or RGB), or "" when neither detector finds one. OpenCV's classic
    detector misses about one valid code in a few hundred (its finder-pattern search, not the code), so the
    ArUco-based detector reads what it misses; a code neither reads is a code a test should fail on."""
    for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        text = str(detector.detectAndDecode(np.ascontiguousarray(image))[0])
        if text:
            return text
    return ""


def read_qr_png(png: bytes) -> str:
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None, "not a PNG"
    return read_qr(np.asarray(image, np.uint8))
