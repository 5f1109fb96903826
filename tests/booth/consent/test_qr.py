"""The event Wi-Fi as a QR code: what a phone's camera reads back is the network, whatever its name holds."""

from __future__ import annotations

import cv2
import numpy as np

from booth.consent.qr import qr_png, wifi_payload


def read_back(png: bytes) -> str:
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None, "not a PNG"
    return str(cv2.QRCodeDetector().detectAndDecode(image)[0])


def test_a_wpa_network_with_every_special_character_reads_back_exactly() -> None:
    name, password = 'Lumen;Guests,"Hall:B"\\', 'p\\a;s,s:w"rd'
    payload = wifi_payload(name, password)
    assert payload == r"WIFI:T:WPA;S:Lumen\;Guests\,\"Hall\:B\"\\;P:p\\a\;s\,s\:w\"rd;;"
    assert read_back(qr_png(payload)) == payload


def test_an_open_network_has_no_password() -> None:
    assert wifi_payload("Café guests", None) == "WIFI:T:nopass;S:Café guests;;"
    assert wifi_payload(r"a\b", "") == r"WIFI:T:nopass;S:a\\b;;", "a WPA password is never empty"
    assert read_back(qr_png(wifi_payload("Café guests", None))) == "WIFI:T:nopass;S:Café guests;;"
