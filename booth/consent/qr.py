"""QR codes for the phone page: the PNG bytes of a URL or a Wi-Fi network, black on white, readable from a screen."""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
from qrcode.image.pil import PilImage


def qr_png(data: str, *, box_size: int = 8, border: int = 4) -> bytes:
    """The PNG of a QR code holding `data` (a URL, a Wi-Fi payload); medium error correction, so a cracked or dim
    screen still reads."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(data)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(image_factory=PilImage).save(buffer, format="PNG")
    return buffer.getvalue()


WIFI_SPECIAL = frozenset('\\;,:"')
"""What the Wi-Fi format (ZXing's WIFI:, which phone cameras read) uses as syntax inside a value."""


def wifi_escaped(value: str) -> str:
    return "".join(f"\\{c}" if c in WIFI_SPECIAL else c for c in value)


def wifi_payload(name: str, password: str | None) -> str:
    """What a QR code holds for a phone to join the network `name`: WPA with `password`, or an open network
    when there is none (a WPA password is never empty)."""
    if not password:
        return f"WIFI:T:nopass;S:{wifi_escaped(name)};;"
    return f"WIFI:T:WPA;S:{wifi_escaped(name)};P:{wifi_escaped(password)};;"
