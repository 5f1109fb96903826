"""Brand kits are data: any folder of brands loads, and a broken one is refused with a line naming what to fix."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from booth.errors import InputError
from booth.tagging.kit import load_kit
from models.logos.brands import make_kit


def test_a_kit_of_brands_nobody_saw_loads(tmp_path: Path) -> None:
    names = make_kit(tmp_path / "kit", brands=3, seed=42)
    (tmp_path / "kit" / "brand_01" / "brand.toml").write_text(f'name = "{names[1]}"\nmin_score = 0.8\n')
    kit = load_kit(tmp_path / "kit")
    assert [b.brand_id for b in kit.brands] == ["brand_00", "brand_01", "brand_02"]
    assert [b.name for b in kit.brands] == names and kit.brand("brand_01").min_score == 0.8
    for brand in kit.brands:
        assert {logo.variant for logo in brand.logos} == {"colour", "mono", "symbol", "wordmark"}
        assert all(logo.rgba.shape[2] == 4 and (logo.rgba[:, :, 3] == 0).any() for logo in brand.logos)


@pytest.mark.parametrize(
    "breakage,expected",
    [
        ("no-brands", "no brands; a kit holds one folder per brand"),
        ("no-logos", "no logo files; add the brand's logos as PNG"),
        ("unreadable", "not a readable PNG logo"),
        ("no-toml", "no brand.toml"),
        ("bad-toml", "brand.toml: min_score"),
        ("transparent", "fully transparent"),
    ],
)
def test_a_broken_kit_is_one_line(tmp_path: Path, breakage: str, expected: str) -> None:
    kit = tmp_path / "kit"
    brand = kit / "lumen"
    brand.mkdir(parents=True)
    (brand / "brand.toml").write_text('name = "Lumen"\n')
    cv2.imwrite(str(brand / "logo.png"), np.full((40, 80, 4), 200, np.uint8))
    if breakage == "no-brands":
        (brand / "logo.png").unlink()
        (brand / "brand.toml").unlink()
        brand.rmdir()
    elif breakage == "no-logos":
        (brand / "logo.png").unlink()
    elif breakage == "unreadable":
        (brand / "logo.png").write_bytes(b"not a png")
    elif breakage == "no-toml":
        (brand / "brand.toml").unlink()
    elif breakage == "bad-toml":
        (brand / "brand.toml").write_text('name = "Lumen"\nmin_score = 2\n')
    elif breakage == "transparent":
        cv2.imwrite(str(brand / "logo.png"), np.zeros((40, 80, 4), np.uint8))
    with pytest.raises(InputError) as err:
        load_kit(kit)
    assert expected in str(err.value) and "\n" not in str(err.value)
