"""Training sets for the two networks, as numpy arrays: detector scenes with boxes, embedder crops with labels.

Training brands come from make_kit with seeds the held-out evaluation kit never uses (see evalset.py)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from booth.tagging.crops import CROP_HEIGHT, CROP_WIDTH, crop
from booth.tagging.kit import BrandKit, load_kit
from models.logos.artwork import make_art_brand
from models.logos.brands import make_kit
from models.logos.composite import background, paste, printed, printed_scene, scene
from models.logos.photos import photo_ground
from models.logos.printing import camera, light

TRAIN_KIT_SEED = 1
"""Brands 1000..1999; the evaluation kit uses seed 7 (7000...), so no evaluation brand is ever trained on."""
ART_SEEDS = range(20000, 21000)
"""Drawn brands (artwork.art_brand seeds) for training; no other set uses these seeds."""


def training_kit(folder: Path, brands: int, drawn: int = 0) -> BrandKit:
    """`brands` brands of the first kind (Hershey wordmarks, flat symbols) and `drawn` drawn with TTF type,
    gradients, outlines and badges (folders art_000...)."""
    make_kit(folder, brands=brands, seed=TRAIN_KIT_SEED)
    for k in range(drawn):
        make_art_brand(folder / f"art_{k:03d}", ART_SEEDS[k])
    return load_kit(folder)


def rig_frames(
    count: int = 8, size: tuple[int, int] = (768, 512), scene: str = "participant"
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Frames of the simulated rig scaled to `size`, each with the box (0 or 1 rows) of the sponsor logo the
    participant wears: the booth's own scene as a backdrop for logos. The "target" scene holds no logo."""
    from rig.sim.camera import RigLayout
    from rig.sim.rig import SimRig

    with tempfile.TemporaryDirectory() as tmp:
        rig = SimRig(layout=RigLayout(cameras=count), seed=3)
        rig.scene_name = "target" if scene == "target" else "participant"
        truth = rig.render_to(Path(tmp))
        frames = []
        for camera in truth["cameras"]:
            image = np.asarray(cv2.imread(str(Path(tmp) / camera["file"]), cv2.IMREAD_REDUCED_COLOR_2))
            scale = size[0] / (image.shape[1] * 2)
            box = camera["logo_box"]
            boxes = np.empty((0, 4), np.float32)
            if box:  # a margin around the visible part, for the edges of the print
                x0, y0, x1, y1 = box
                mx, my = 0.15 * (x1 - x0), 0.15 * (y1 - y0)
                boxes = np.array([[x0 - mx, y0 - my, x1 + mx, y1 + my]], np.float32) * scale
            frames.append((cv2.resize(image, size, interpolation=cv2.INTER_AREA), boxes))
        return frames


def rig_backdrops(count: int = 8, size: tuple[int, int] = (768, 512), scene: str = "participant") -> list[np.ndarray]:
    return [image for image, _ in rig_frames(count, size, scene)]


@dataclass
class DetectorSet:
    images: np.ndarray
    """(N, H, W, 3) uint8 BGR."""
    boxes: list[np.ndarray]
    """Per image, (K, 4) float32 x0, y0, x1, y1."""
    ignore: list[np.ndarray]
    """Per image, boxes taught neither as logo nor as background: the rig's own sponsor logo, so that the
    detector meets it first in the tests, as a logo it never saw."""


def detector_set(kit: BrandKit, count: int, seed: int, backdrops: list[tuple[np.ndarray, np.ndarray]]) -> DetectorSet:
    """`count` 768x512 scenes with 0 to 6 logos 24 to 300 pixels wide; a quarter on rig frames."""
    rng = np.random.default_rng(seed)
    images = np.empty((count, 512, 768, 3), np.uint8)
    boxes: list[np.ndarray] = []
    ignore: list[np.ndarray] = []
    for k in range(count):
        backdrop, hidden = None, np.empty((0, 4), np.float32)
        if backdrops and rng.random() < 0.25:
            backdrop, hidden = backdrops[int(rng.integers(len(backdrops)))]
            if rng.random() < 0.5:
                backdrop = backdrop[:, ::-1].copy()
                hidden = np.stack([768 - hidden[:, 2], hidden[:, 1], 768 - hidden[:, 0], hidden[:, 3]], 1)
        make = printed_scene if rng.random() < 0.7 else scene  # printed on surfaces, seen by a camera
        image, placed = make(
            kit,
            rng,
            width=768,
            height=512,
            logos=int(rng.integers(0, 7)),
            min_width=24,
            max_width=300,
            backdrop=backdrop,
        )
        if make is scene and rng.random() < 0.3:  # JPEG as cameras write it
            _, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(60, 95))])
            image = np.asarray(cv2.imdecode(data, cv2.IMREAD_COLOR))
        images[k] = image
        boxes.append(np.array([p.box for p in placed], np.float32).reshape(-1, 4))
        ignore.append(hidden.reshape(-1, 4))
    return DetectorSet(images, boxes, ignore)


@dataclass
class CropSet:
    crops: np.ndarray
    """(N, 48, 96, 3) uint8 BGR."""
    labels: np.ndarray
    """(N,) int64: one class per logo file (brand and variant)."""


def logo_crop(logo_rgba: np.ndarray, rng: np.random.Generator, *, jitter: float = 0.12) -> np.ndarray:
    """One logo as a detection would crop it: pasted turned, bent and lit onto a background patch, blurred,
    sometimes partly covered, then cut out by a box up to `jitter` off the truth."""
    from booth.tagging.kit import Logo

    width = int(rng.integers(28, 220))
    h = max(8, round(logo_rgba.shape[0] * width / logo_rgba.shape[1]))
    size = (width * 2 + 80, h * 2 + 80)
    if rng.random() < 0.6:  # printed on a surface, in uneven light, through a camera
        canvas = photo_ground(rng, *size)
        canvas = background(rng, *size) if canvas is None else canvas
        surface = str(rng.choice(["flat", "cloth", "cup", "banner", "sticker"]))
        box = printed(canvas, logo_rgba, rng, width=width, surface=surface)
        canvas = camera(light(canvas, rng), rng)
    else:
        canvas = background(rng, *size)
        box = paste(canvas, Logo(Path("x"), "x", logo_rgba), rng, width=width, occlude=0.2)
        sigma = float(rng.uniform(0, 1.5))
        if sigma > 0.3:
            canvas = cv2.GaussianBlur(canvas, (0, 0), sigma)
    if box is None:
        return crop(canvas, (40.0, 40.0, 40.0 + width, 40.0 + h))
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    j = rng.uniform(-jitter, jitter, 4) * np.array([bw, bh, bw, bh])
    return crop(canvas, (x0 + j[0], y0 + j[1], x1 + j[2], y1 + j[3]))


def crop_set(kit: BrandKit, per_logo: int, seed: int) -> CropSet:
    rng = np.random.default_rng(seed)
    logos = [logo.rgba for brand in kit.brands for logo in brand.logos]
    crops = np.empty((len(logos) * per_logo, CROP_HEIGHT, CROP_WIDTH, 3), np.uint8)
    labels = np.empty(len(logos) * per_logo, np.int64)
    k = 0
    for label, rgba in enumerate(logos):
        for _ in range(per_logo):
            crops[k] = logo_crop(rgba, rng)
            labels[k] = label
            k += 1
    return CropSet(crops, labels)
