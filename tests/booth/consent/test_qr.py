"""The event Wi-Fi as a QR code: what a phone's camera reads back is the network, whatever its name holds."""

from __future__ import annotations

from booth.consent.qr import qr_png, wifi_payload
from tests.qr import read_qr_png


def test_a_wpa_network_with_every_special_character_reads_back_exactly() -> None:
    name, password = 'Lumen;Guests,"Hall:B"\\', 'p\\a;s,s:w"rd'
    payload = wifi_payload(name, password)
    assert payload == r"WIFI:T:WPA;S:Lumen\;Guests\,\"Hall\:B\"\\;P:p\\a\;s\,s\:w\"rd;;"
    assert read_qr_png(qr_png(payload)) == payload


def test_an_open_network_has_no_password() -> None:
    assert wifi_payload("Café guests", None) == "WIFI:T:nopass;S:Café guests;;"
    assert wifi_payload(r"a\b", "") == r"WIFI:T:nopass;S:a\\b;;", "a WPA password is never empty"
    assert read_qr_png(qr_png(wifi_payload("Café guests", None))) == "WIFI:T:nopass;S:Café guests;;"
