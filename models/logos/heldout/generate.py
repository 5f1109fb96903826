"""Writes the held-out set: kits A and B, their look-alikes, and for each kit a scene set and a look-alike set."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from booth.tagging.kit import load_kit
from models.logos.heldout import DEFAULT_SEED, SCENE_SIZE
from models.logos.heldout.art import RGB, other_colours, save_png
from models.logos.heldout.emblems import KINDS, Emblem, make_emblem, render_emblem
from models.logos.heldout.emblems import lookalike as emblem_lookalike
from models.logos.heldout.marks import STYLES, Mark, make_mark, render_mark
from models.logos.heldout.marks import lookalike as mark_lookalike
from models.logos.heldout.names import DESCRIPTORS, distinct_words, same_start, slug
from models.logos.heldout.scenes import (
    Artwork,
    Scene,
    distractor_boxes,
    finish,
    from_bgra,
    occlude,
    place,
    signage,
    stray_occluder,
    truth_boxes,
)
from models.logos.heldout.shapes import SYMBOLS
from models.logos.heldout.sources import check_sources

KITS = ("a", "b")
HOWS = ("shape", "colour", "name")


@dataclass(frozen=True)
class Sizes:
    brands: int = 10
    scenes: int = 300
    empty: int = 200


FULL = Sizes()
QUICK = Sizes(brands=3, scenes=8, empty=4)


def _toml(name: str) -> str:
    return f"name = {json.dumps(name)}\n"


def _write_brand(folder: Path, name: str, files: dict[str, tuple[np.ndarray, int]]) -> None:
    folder.mkdir(parents=True)
    (folder / "brand.toml").write_text(_toml(name), encoding="utf-8")
    for variant, (picture, width) in files.items():
        save_png(folder / f"{variant}.png", picture, width)


def make_kits(out: Path, rng: np.random.Generator, brands: int) -> dict[str, list[str]]:
    """Write OUT/kit-a, OUT/kit-b and their look-alikes (OUT/lookalikes-a, -b, each with lookalikes.json saying
    which kit brand each one imitates and how); returns the names used, per kit."""
    names_a = distinct_words(rng, brands, set())
    names_b = distinct_words(rng, brands, set(names_a))
    used = set(names_a) | set(names_b)
    kinds = [str(k) for k in rng.permutation(list(SYMBOLS))]
    styles = [str(s) for s in rng.permutation(list(STYLES))]
    marks: list[Mark] = []
    for i, name in enumerate(names_a):
        mark = make_mark(rng, name, kinds[i % len(kinds)], styles[i % len(styles)])
        marks.append(mark)
        _write_brand(out / "kit-a" / slug(name), name, render_mark(mark))
    shapes = [str(k) for k in rng.permutation(list(KINDS))]
    emblems: list[Emblem] = []
    for i, name in enumerate(names_b):
        emblem = make_emblem(rng, name, str(rng.choice(list(DESCRIPTORS))), shapes[i % len(shapes)])
        emblems.append(emblem)
        _write_brand(out / "kit-b" / slug(name), emblem.full_name, render_emblem(emblem))
    fresh = iter(distinct_words(rng, 4 * brands, used))
    for letter, originals in (("a", marks), ("b", emblems)):
        folder = out / f"lookalikes-{letter}"
        index: dict[str, dict[str, str]] = {}
        for original in originals:
            colours: tuple[RGB, RGB] = (
                (original.primary, original.secondary)
                if isinstance(original, Mark)
                else (original.fill, original.accent)
            )
            for how in HOWS:
                name = same_start(rng, original.name, used) if how == "name" else next(fresh)
                used.add(name)
                other = other_colours(rng, colours)
                if isinstance(original, Mark):
                    files = render_mark(mark_lookalike(original, rng, how, name, other))
                    title = name
                else:
                    twin = emblem_lookalike(original, rng, how, name, other)
                    files, title = render_emblem(twin), twin.full_name
                lid = f"{slug(name)}-{how}"
                _write_brand(folder / lid, title, files)
                index[lid] = {"like": slug(original.name), "how": how}
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "lookalikes.json").write_text(json.dumps(index, indent=1), encoding="utf-8")
    return {"a": names_a, "b": names_b, "all": sorted(used)}


# what each worker process loads once: the kits' and look-alikes' artwork, and the words of logo-free print
_ART: dict[str, dict[str, list[Artwork]]] = {}
_LOOKS: dict[str, list[tuple[Artwork, str, str]]] = {}
_WORDS: list[str] = []


def _load(out: Path, words: Sequence[str]) -> None:
    cv2.setNumThreads(1)  # one image per process at a time: OpenCV's own threads would only fight over the cores
    for letter in KITS:
        kit = load_kit(out / f"kit-{letter}")
        _ART[letter] = {
            b.brand_id: [Artwork(b.brand_id, lo.variant, from_bgra(lo.rgba), lo.variant == "mono") for lo in b.logos]
            for b in kit.brands
        }
        folder = out / f"lookalikes-{letter}"
        index = json.loads((folder / "lookalikes.json").read_text(encoding="utf-8"))
        looks = load_kit(folder)
        _LOOKS[letter] = [
            (
                Artwork(b.brand_id, lo.variant, from_bgra(lo.rgba), lo.variant == "mono"),
                index[b.brand_id]["like"],
                index[b.brand_id]["how"],
            )
            for b in looks.brands
            for lo in b.logos
        ]
    _WORDS[:] = list(words)


@dataclass(frozen=True)
class Job:
    folder: Path
    letter: str
    lookalike: bool
    index: int
    empty: bool
    seed: int


def _mono_shape(letter: str, brand: str) -> Artwork | None:
    return next((a for a in _ART[letter][brand] if a.one_ink), None)


def render(job: Job) -> dict[str, Any]:
    """Write one image; its truth.json entry."""
    rng = np.random.default_rng([job.seed, KITS.index(job.letter), int(job.lookalike), int(job.empty), job.index])
    scene = Scene(SCENE_SIZE, rng)
    art = _ART[job.letter]
    brands = sorted(art)
    for _ in range(int(rng.integers(1, 4)) if rng.random() < (0.65 if job.empty else 0.3) else 0):
        place(scene, signage(rng, _WORDS), record=False)
    logos: list[tuple[str, Artwork, str, str]] = []
    if not job.empty:
        for _ in range(int(rng.integers(1, 5))):
            brand = brands[int(rng.integers(len(brands)))]
            files = art[brand]
            logos.append(("logo", files[int(rng.integers(len(files)))], brand, ""))
    if job.lookalike:
        looks = _LOOKS[job.letter]
        for _ in range(int(rng.integers(1, 3))):
            pick, like, how = looks[int(rng.integers(len(looks)))]
            logos.append(("distractor", pick, like, how))
    order = rng.permutation(len(logos))
    placed_logo = placed_look = 0
    for i in order:
        role, pick, owner, how = logos[int(i)]
        shape = _mono_shape(job.letter, owner) if role == "logo" else None
        # a logo that found no room is tried again smaller; every look-alike image must hold one look-alike
        first = placed_logo == 0 if role == "logo" else placed_look == 0
        tries = 4 if first else 1
        for attempt in range(tries):
            width = None if attempt == 0 else float(rng.uniform(40, 140))
            shown = place(scene, pick, width=width, mono_shape=shape)
            if shown is not None:
                if role == "distractor":
                    shown.like, shown.how = owner, how
                    placed_look += 1
                else:
                    placed_logo += 1
                break
    occlude(scene)
    if rng.random() < (0.25 if job.empty else 0.05):
        stray_occluder(scene)
    name = f"{'empty' if job.empty else 'scene'}_{job.index:04d}.jpg"
    (job.folder / name).write_bytes(finish(scene))
    kit_logos = [s for s in scene.shown if not s.like]
    looks_shown = [s for s in scene.shown if s.like]
    entry: dict[str, Any] = {"file": name, "photo": scene.photo, "boxes": truth_boxes(kit_logos)}
    entry["distractors"] = distractor_boxes(looks_shown)
    return entry


def _render_all(jobs: list[Job], workers: int, out: Path, words: list[str]) -> list[dict[str, Any]]:
    if workers <= 1:
        _load(out, words)
        return [render(j) for j in jobs]
    # fresh processes, not forks: a fork taken while OpenCV's threads hold a lock can wait on it for ever
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=spawn, initializer=_load, initargs=(out, words)) as pool:
        return list(pool.map(render, jobs, chunksize=4))


def generate(out: Path, *, seed: int = DEFAULT_SEED, sizes: Sizes = FULL, workers: int = 1) -> dict[str, int]:
    """Write the whole set under `out` (which must not exist yet); returns how many images each part holds."""
    check_sources()
    if out.exists():
        raise FileExistsError(f"{out}: already exists; choose a new folder")
    out.mkdir(parents=True)
    rng = np.random.default_rng([seed, 0])
    names = make_kits(out, rng, sizes.brands)
    words = distinct_words(rng, 60, set(names["all"]))
    jobs: list[Job] = []
    for letter in KITS:
        for lookalike in (False, True):
            folder = out / letter / ("lookalike" if lookalike else "scenes")
            folder.mkdir(parents=True)
            jobs += [Job(folder, letter, lookalike, i + 1, False, seed) for i in range(sizes.scenes)]
            jobs += [Job(folder, letter, lookalike, i + 1, True, seed) for i in range(sizes.empty)]
    entries = _render_all(jobs, workers, out, words)
    counts: dict[str, int] = {}
    for letter in KITS:
        for lookalike in (False, True):
            part = "lookalike" if lookalike else "scenes"
            mine = [e for j, e in zip(jobs, entries, strict=True) if j.letter == letter and j.lookalike == lookalike]
            doc = {"kit": f"kit-{letter}", "seed": seed, "set": f"{letter}/{part}", "images": mine}
            (out / letter / part / "truth.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
            counts[f"{letter}/{part}"] = len(mine)
    return counts


def default_workers() -> int:
    return max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def timed(out: Path, **kwargs: Any) -> tuple[dict[str, int], float]:
    started = time.perf_counter()
    counts = generate(out, **kwargs)
    return counts, time.perf_counter() - started
