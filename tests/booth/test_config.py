"""booth.toml: defaults work, the documented example is the code's own, and every problem names its key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from booth.config import BoothConfig, config_problems, load_config
from booth.config_doc import example_toml
from booth.errors import ConfigError
from tests.conftest import run_booth

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_example_in_docs_is_what_the_code_generates() -> None:
    assert (DOCS / "booth.example.toml").read_text() == example_toml(), (
        "run: booth config example > docs/booth.example.toml"
    )


def test_the_example_validates_and_equals_the_defaults() -> None:
    data = tomllib.loads(example_toml())
    assert config_problems(data) == []
    assert BoothConfig.model_validate(data) == BoothConfig()


def test_every_field_is_documented() -> None:
    def walk(model: type) -> None:
        for name, info in model.model_fields.items():  # type: ignore[attr-defined]
            assert info.description, f"{model.__name__}.{name} has no description"
            annotation = info.annotation
            if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
                walk(annotation)

    walk(BoothConfig)


@pytest.mark.parametrize(
    "data,key",
    [
        ({"rig": {"cameras": 7}}, "rig.cameras"),
        ({"rig": {"sim": {"width": 10000}}}, "rig.sim.width"),
        ({"stitch": {"fps": 240}}, "stitch.fps"),
        ({"stitch": {"profile": "tall"}}, "stitch.profile"),
        ({"stitch": {"min_duration_s": 1}}, "stitch.min_duration_s"),
        ({"booth": {"id": "has space"}}, "booth.id"),
        ({"booth": {"colour": "red"}}, "booth.colour"),
        ({"tagging": {"accelerator": "tpu"}}, "tagging.accelerator"),
        ({"calibration": {"target": {"top_m": 0.3}}}, "calibration.target"),
        ({"rig": {"cameras": 10, "min_cameras": 11}}, "rig"),
    ],
)
def test_problems_name_the_key(data: dict, key: str) -> None:
    problems = config_problems(data)
    assert len(problems) == 1
    assert problems[0].startswith(f"{key}:"), problems


def test_load_config_resolves_paths_from_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "sub" / "booth.toml"
    cfg.parent.mkdir()
    cfg.write_text('[booth]\ndata_dir = "data"\n[stitch]\noverlay = "brand/o.png"\n')
    config = load_config(cfg)
    assert config.data_dir == tmp_path / "sub" / "data"
    assert config.stitch.overlay is not None
    assert config.resolve(config.stitch.overlay) == tmp_path / "sub" / "brand" / "o.png"


def test_load_config_refuses_with_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "booth.toml"
    cfg.write_text("[rig]\ncameras = 100\nspan = 3\n")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    message = str(err.value)
    assert "\n" not in message and "rig.cameras" in message and "1 more" in message


def test_config_check_command(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text(example_toml())
    ok = run_booth("config", "check", str(good))
    assert ok.returncode == 0 and "OK" in ok.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text("[rig]\ncameras = 100\nspan = 3\n[stitch]\nprofile = 'tall'\n")
    result = run_booth("config", "check", str(bad))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3
    assert any("rig.cameras" in line for line in lines)
    assert any("rig.span: unknown key" in line for line in lines)
    assert any("stitch.profile" in line for line in lines)
    missing = run_booth("config", "check", str(tmp_path / "none.toml"))
    assert missing.returncode != 0 and "no such file" in missing.stderr


def test_a_missing_logo_or_demo_clip_is_found_by_check_and_stops_the_kiosk(tmp_path: Path) -> None:
    cfg = tmp_path / "booth.toml"
    cfg.write_text('[kiosk]\nlogo = "brand/logo.png"\ndemo_clip = "demo.webp"\n')
    checked = run_booth("config", "check", str(cfg))
    assert checked.returncode == 2
    assert checked.stderr.splitlines() == [
        f"{cfg}: kiosk.logo: {tmp_path / 'brand/logo.png'}: no such file; fix the path (relative to booth.toml) or"
        " remove the key",
        f"{cfg}: kiosk.demo_clip: {tmp_path / 'demo.webp'}: no such file; fix the path (relative to booth.toml) or"
        " remove the key",
    ]
    kiosk = run_booth("kiosk", "--config", str(cfg))
    assert kiosk.returncode == 2 and len(kiosk.stderr.splitlines()) == 1 and "kiosk.logo" in kiosk.stderr
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "logo.png").write_bytes(b"\x89PNG")
    (tmp_path / "demo.webp").write_bytes(b"RIFF")
    assert run_booth("config", "check", str(cfg)).returncode == 0
