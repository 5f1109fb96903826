"""QR codes for the phone page: the PNG bytes of a URL, black on white, readable from a phone's screen."""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
from qrcode.image.pil import PilImage


def qr_png(url: str, *, box_size: int = 8, border: int = 4) -> bytes:
    """The PNG of a QR code holding `url`; medium error correction, so a cracked or dim screen still reads."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(image_factory=PilImage).save(buffer, format="PNG")
    return buffer.getvalue()
