"""The kiosk on a real X server (Xvfb), as on an event's machine with no desktop: a missing system library named in
one line, the whole screen filled with no window manager, and every screen and staff tab fitting 1080x1920,
1920x1080 and 768x1024 in English and French with the longest consent texts the schema allows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from booth.consent.texts import load_texts
from tests.booth.delivery.broker import free_port
from tests.ui.xserver import windows, x_server
from ui.preflight import ScreenError, check_libraries, package_of

START_S = 240.0
"""A generous deadline for the kiosk to open its window (the simulated rig calibrates first on a busy machine)."""
TOUR_S = 600.0

PHRASE_EN = "the brand may use my clip in its advertising online and in print for twelve months after this event"
PHRASE_FR = (
    "la marque peut utiliser mon clip dans sa publicité en ligne et imprimée pendant douze mois après cet événement"
)


def _sentence(words: list[str], length: int) -> str:
    """Real words, repeated up to exactly `length` characters (the schema's longest)."""
    out = ""
    k = 0
    while len(out) < length:
        out = f"{out} {words[k % len(words)]}".strip()
        k += 1
    return out[:length].rstrip()


def longest_texts(folder: Path) -> Path:
    """English and French consent texts at every maximum the schema allows: 12 purposes of 100-character titles
    and 600-character descriptions, 20 recipients with 200-character names, the longest sections."""
    folder.mkdir(parents=True, exist_ok=True)
    for language, phrase in (("en", PHRASE_EN), ("fr", PHRASE_FR)):
        words = phrase.split(" ")

        def s(n: int, words: list[str] = words) -> str:
            return _sentence(words, n).replace('"', "")

        recipients = "".join(f'[[recipients]]\nid = "r{k}"\nname = "{s(200)}"\n\n' for k in range(20))
        all_of_them = ", ".join(f'"r{k}"' for k in range(20))
        purposes = "".join(
            f'[[purposes]]\nid = "p{k}"\ntitle = "{s(100)}"\ndescription = "{s(600)}"\nrecipients = [{all_of_them}]\n'
            f"on_booth_screen = {'true' if k == 0 else 'false'}\n\n"
            for k in range(12)
        )
        (folder / f"{language}.toml").write_text(
            f'version = "long-1"\nlanguage = "{language}"\ntitle = "{s(120)}"\nintro = "{s(2000)}"\n'
            f'controller = "{s(500)}"\nretention = "{s(1000)}"\nretention_days = 30\nwithdrawal = "{s(1000)}"\n'
            f'guardian_declaration = "{s(600)}"\nage_question = "{s(200)}"\n\n{recipients}{purposes}'
        )
    load_texts(folder)  # the schema takes them
    return folder


def booth_toml(root: Path, *, language: str = "en", texts: Path | None = None) -> Path:
    cfg = root / "booth.toml"
    consent = f'[consent]\ntexts_dir = "{texts}"\n' if texts is not None else ""
    cfg.write_text(
        '[booth]\nid = "booth-7"\nevent = "launch-2026"\ndata_dir = "data"\n'
        "[rig]\ncameras = 8\n[rig.sim]\nwidth = 640\nheight = 480\n"
        f'[kiosk]\ncountdown_s = 1\nlanguage = "{language}"\n'
        f'[web]\nhost = "127.0.0.1"\nport = {free_port()}\nwifi_name = "Lumen-Guests"\nwifi_password = "bullettime"\n'
        f"{consent}"
    )
    return cfg


def kiosk(cfg: Path, display: str, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    return subprocess.Popen(
        [sys.executable, "-m", "booth.cli", "kiosk", "--rig", "sim", "--config", str(cfg), *args],
        env={**env, "DISPLAY": display},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def ended(process: subprocess.Popen[str], timeout_s: float = 120.0) -> str:
    """What the kiosk printed once it ended; one still running after `timeout_s` is killed, and said so with what it
    printed (its threads' stacks, from the kiosk's own close deadline)."""
    try:
        return process.communicate(timeout=timeout_s)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        out = process.communicate()[0]
        raise AssertionError(f"the kiosk had not ended {timeout_s:.0f} s after SIGTERM:\n{out}") from None


@pytest.fixture(scope="module")
def sim_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One data folder for the module's kiosks: the simulated rig is calibrated once."""
    yield tmp_path_factory.mktemp("kiosk-screen")


def test_a_missing_library_is_named_in_one_line(tmp_path: Path) -> None:
    # a screen plugin linked to a library the machine lacks, as a bare Debian lacked libxcb-icccm4 (a name no
    # machine has: this one has libxcb-icccm4 since the suite's packages were installed)
    (tmp_path / "stub.c").write_text("int icccm_stub(void) { return 4; }\n")
    (tmp_path / "plugin.c").write_text("int icccm_stub(void);\nint plugin(void) { return icccm_stub(); }\n")
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-Wl,-soname,libxcb-kiosktest.so.4", "-o", "libxcb-kiosktest.so.4", "stub.c"],
        cwd=tmp_path,
        check=True,
    )
    platforms = tmp_path / "platforms"
    platforms.mkdir()
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-o", str(platforms / "libqxcb.so"), "plugin.c", "-L.", "-l:libxcb-kiosktest.so.4"],
        cwd=tmp_path,
        check=True,
    )
    (tmp_path / "libxcb-kiosktest.so.4").unlink()
    env = {"DISPLAY": ":99", "QT_QPA_PLATFORM": "xcb", "QT_QPA_PLATFORM_PLUGIN_PATH": str(platforms)}
    with pytest.raises(ScreenError, match=r"libxcb-kiosktest\.so\.4 is missing; install it as root: apt-get install "):
        check_libraries(env)
    assert package_of("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert package_of("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    # the kiosk itself: one line and a non-zero exit instead of Qt's abort (rc 134)
    cfg = booth_toml(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "booth.cli", "kiosk", "--rig", "sim", "--config", str(cfg)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "apt-get install libxcb-kiosktest4" in lines[0], done.stderr


def test_the_kiosk_fills_a_screen_with_no_window_manager(sim_data: Path) -> None:
    with x_server(1080, 1920, window_manager=False) as display:
        process = kiosk(booth_toml(sim_data, language="fr"), display)
        try:
            deadline = time.monotonic() + START_S
            seen = windows(display, "Bullet Time 360")
            while [(w.width, w.height, w.x, w.y) for w in seen] != [(1080, 1920, 0, 0)]:
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, f"the kiosk's window is not the whole screen: {seen}"
                time.sleep(0.5)
                seen = windows(display, "Bullet Time 360")
        finally:
            process.send_signal(signal.SIGTERM)
            out = ended(process)
        assert process.returncode == 0, out


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (768, 1024)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_screen_fits_in_both_languages(sim_data: Path, tmp_path: Path, size: tuple[int, int]) -> None:
    texts = longest_texts(tmp_path / "texts")
    with x_server(*size, window_manager=True) as display:
        process = kiosk(booth_toml(sim_data, texts=texts), display, "--check-layout")
        out, _ = process.communicate(timeout=TOUR_S)
    report = textwrap.indent(out, "  ")
    assert process.returncode == 0, f"the layout check on {size[0]}x{size[1]} found:\n{report}"
    assert f"every screen fits the {size[0]}x{size[1]} screen" in out
