"""Train the logo detector or the logo embedder on the CPU and export it to ONNX.

    python -m models.logos.train detector --minutes 40 --out models/logos/detector.onnx
    python -m models.logos.train embedder --minutes 30 --out models/logos/embedder.onnx

Needs PyTorch (pip install torch==2.13.0); the booth itself runs the exported files with onnxruntime only.
Training runs for a fixed time, the learning rate following a cosine over it, so that a run's length is known."""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as nnf

from models.logos.nets import DETECTOR_INPUT, EMBED_INPUT, STRIDE, Detector, Embedder
from models.logos.training_data import crop_set, detector_set, rig_frames, training_kit


def heat_targets(boxes: np.ndarray, grid: tuple[int, int]) -> tuple[np.ndarray, ...]:
    """CenterNet targets for one image: Gaussian heat around each centre (its spread set by the box), and
    at each centre cell the log size in cells and the centre's offset within the cell."""
    gh, gw = grid
    heat = np.zeros((gh, gw), np.float32)
    size = np.zeros((2, gh, gw), np.float32)
    offset = np.zeros((2, gh, gw), np.float32)
    mask = np.zeros((gh, gw), np.float32)
    ys, xs = np.mgrid[0:gh, 0:gw].astype(np.float32)
    for x0, y0, x1, y1 in boxes:
        w, h = (x1 - x0) / STRIDE, (y1 - y0) / STRIDE
        cx, cy = (x0 + x1) / 2 / STRIDE, (y0 + y1) / 2 / STRIDE
        ix, iy = min(int(cx), gw - 1), min(int(cy), gh - 1)
        sx, sy = max(0.6, w * 0.12), max(0.6, h * 0.12)
        g = np.exp(-((xs - ix) ** 2) / (2 * sx * sx) - ((ys - iy) ** 2) / (2 * sy * sy))
        np.maximum(heat, g, out=heat)
        heat[iy, ix] = 1.0
        size[:, iy, ix] = (math.log(max(w, 0.25)), math.log(max(h, 0.25)))
        offset[:, iy, ix] = (cx - ix, cy - iy)
        mask[iy, ix] = 1.0
    return heat, size, offset, mask


def focal(logits: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1).float()
    pos_loss = -((1 - p) ** 2) * torch.log(p) * pos
    neg_loss = -((1 - target) ** 4) * (p**2) * torch.log(1 - p) * (1 - pos)
    return ((pos_loss + neg_loss) * weight).sum() / pos.sum().clamp(min=1)


def run_for(
    minutes: float,
    loss_of_a_batch: Callable[[], torch.Tensor],
    model: nn.Module,
    opt: torch.optim.Optimizer,
    state: Path,
    resume: Path | None,
) -> nn.Module:
    """Optimiser steps for `minutes`, the learning rate warming up then following a cosine (from 2e-3, or 1e-3
    going on from `resume`); the weights saved to `state` every 5 minutes."""
    base_lr = 1e-3 if resume else 2e-3
    model.train()
    if getattr(model, "frozen_norms", False):
        freeze_norms(model)
    start, steps, smooth = time.monotonic(), 0, None
    budget, saved = minutes * 60, time.monotonic()
    while (elapsed := time.monotonic() - start) < budget:
        frac = elapsed / budget
        warm = min(1.0, steps / 100)
        for group in opt.param_groups:
            group["lr"] = base_lr * warm * 0.5 * (1 + math.cos(math.pi * frac))
        batch_loss = loss_of_a_batch()
        opt.zero_grad()
        batch_loss.backward()
        opt.step()
        loss = float(batch_loss.detach())
        steps += 1
        smooth = loss if smooth is None else 0.98 * smooth + 0.02 * loss
        if steps % 50 == 0:
            print(f"{elapsed / 60:5.1f} min  step {steps:5d}  loss {smooth:.4f}", flush=True)
        if time.monotonic() - saved > 300:
            torch.save(model.state_dict(), state)
            saved = time.monotonic()
    return model


def load_onnx_weights(model: nn.Module, path: Path, shape: tuple[int, int]) -> None:
    """Start from an exported model: its convolutions (batch norm folded in at export) and linear layers, in the
    order the network runs them. Each batch norm becomes the identity with the folded bias, and stays frozen
    (see `freeze_norms`), so the network computes exactly what the file did before training goes on."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    values = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    exported = [
        [values[name] for name in node.input[1:] if name in values]
        for node in graph.node
        if node.op_type in ("Conv", "Gemm", "MatMul")
    ]
    layers: list[nn.Module] = []
    hooks = [m.register_forward_hook(lambda m, _i, _o: layers.append(m)) for m in model.modules() if _weighted(m)]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, *shape))
    for h in hooks:
        h.remove()
    if len(layers) != len(exported):
        raise SystemExit(f"{path}: {len(exported)} weighted layers, the network has {len(layers)}")
    norms = {id(conv): bn for conv, bn in _conv_norm_pairs(model)}
    with torch.no_grad():
        for layer, arrays in zip(layers, exported, strict=True):
            weight = torch.from_numpy(arrays[0].copy())
            if isinstance(layer, nn.Linear) and weight.shape != layer.weight.shape:
                weight = weight.T
            layer.weight.copy_(weight)
            bias = torch.from_numpy(arrays[1].copy()) if len(arrays) > 1 else torch.zeros(layer.weight.shape[0])
            norm = norms.get(id(layer))
            if norm is not None:
                norm.weight.fill_(1.0)
                norm.bias.copy_(bias)
                norm.running_mean.zero_()
                norm.running_var.fill_(1.0 - norm.eps)
            elif layer.bias is not None:
                layer.bias.copy_(bias)


def _weighted(module: nn.Module) -> bool:
    return isinstance(module, nn.Conv2d | nn.Linear)


def _conv_norm_pairs(model: nn.Module) -> list[tuple[nn.Module, nn.BatchNorm2d]]:
    """Each convolution followed directly by a batch norm in a Sequential: the pairs export folds together."""
    pairs = []
    for module in model.modules():
        if isinstance(module, nn.Sequential):
            children = list(module.children())
            for a, b in itertools.pairwise(children):
                if isinstance(a, nn.Conv2d) and isinstance(b, nn.BatchNorm2d):
                    pairs.append((a, b))
    return pairs


def freeze_norms(model: nn.Module) -> None:
    """Batch norms keep their statistics (those of a model started from an export are the identity)."""
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.eval()


CROP = (256, 384)
"""Detector training windows: a quarter of the input, four times the scenes per second of compute."""


def window(
    image: np.ndarray, boxes: np.ndarray, ignore: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random CROP of one scene: its pixels, the boxes wholly inside (shifted), and the regions left out of
    the loss rather than taught as either logo or background: boxes cut by the edge, and `ignore`."""
    h, w = CROP
    y, x = int(rng.integers(0, image.shape[0] - h + 1)), int(rng.integers(0, image.shape[1] - w + 1))
    shifted = boxes - np.array([x, y, x, y], np.float32)
    inside = (shifted[:, 0] >= 0) & (shifted[:, 1] >= 0) & (shifted[:, 2] <= w) & (shifted[:, 3] <= h)
    touching = (shifted[:, 2] > 0) & (shifted[:, 3] > 0) & (shifted[:, 0] < w) & (shifted[:, 1] < h)
    unknown = np.concatenate([shifted[touching & ~inside], ignore - np.array([x, y, x, y], np.float32)])
    return image[y : y + h, x : x + w], shifted[inside], unknown


def train_detector(
    minutes: float, images: int, brands: tuple[int, int], batch: int, seed: int, state: Path, resume: Path | None
) -> nn.Module:
    with tempfile.TemporaryDirectory() as tmp:
        kit = training_kit(Path(tmp) / "kit", *brands)
        t = time.monotonic()
        data = detector_set(kit, images, seed, rig_frames(12))
    print(f"{images} scenes made in {time.monotonic() - t:.0f} s", flush=True)
    grid = (CROP[0] // STRIDE, CROP[1] // STRIDE)
    model = Detector()
    if resume and resume.suffix == ".onnx":
        load_onnx_weights(model, resume, DETECTOR_INPUT)
        model.frozen_norms = True
    elif resume:
        model.load_state_dict(torch.load(resume))
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    rng = np.random.default_rng(seed)

    def sample() -> tuple[np.ndarray, ...]:
        k = int(rng.integers(0, images))
        pixels, boxes, cut = window(data.images[k], data.boxes[k], data.ignore[k], rng)
        if rng.random() < 0.5:
            pixels = pixels[:, ::-1]
            boxes = np.stack([CROP[1] - boxes[:, 2], boxes[:, 1], CROP[1] - boxes[:, 0], boxes[:, 3]], 1)
            cut = np.stack([CROP[1] - cut[:, 2], cut[:, 1], CROP[1] - cut[:, 0], cut[:, 3]], 1)
        heat, size, offset, mask = heat_targets(boxes, grid)
        weight = np.ones(grid, np.float32)
        for x0, y0, x1, y1 in cut / STRIDE:
            if x1 > 0 and y1 > 0:
                weight[max(0, int(y0)) : int(np.ceil(y1)) + 1, max(0, int(x0)) : int(np.ceil(x1)) + 1] = 0
        weight[heat == 1] = 1
        return np.ascontiguousarray(pixels), heat, size, offset, mask, weight

    def loss_of_a_batch() -> torch.Tensor:
        parts = [sample() for _ in range(batch)]
        x = torch.from_numpy(np.stack([p[0] for p in parts])).permute(0, 3, 1, 2).float()
        heat, size, offset, mask, weight = (torch.from_numpy(np.stack([p[k] for p in parts])) for k in range(1, 6))
        gain = torch.from_numpy(rng.uniform(0.7, 1.3, (batch, 1, 1, 1)).astype(np.float32))
        x = (x * gain + torch.from_numpy(rng.uniform(-25, 25, (batch, 1, 1, 1)).astype(np.float32))).clamp(0, 255)
        heat_logit, log_size, off = model.raw(x)
        m = mask.unsqueeze(1)
        n = m.sum().clamp(min=1)
        return (
            focal(heat_logit[:, 0], heat, weight)
            + 0.5 * (nnf.l1_loss(log_size * m, size * m, reduction="sum") / n)
            + (nnf.l1_loss(off * m, offset * m, reduction="sum") / n)
        )

    return run_for(minutes, loss_of_a_batch, model, opt, state, resume)


class CosFace(nn.Module):
    """Normalised softmax with an additive margin: embeddings of one logo cluster, others stay apart."""

    def __init__(self, dim: int, classes: int, scale: float = 30.0, margin: float = 0.25) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(classes, dim) * 0.01)
        self.scale, self.margin = scale, margin

    def forward(self, emb: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        cos = emb @ nnf.normalize(self.weight, dim=1).T
        cos = cos - self.margin * nnf.one_hot(labels, cos.shape[1])
        return nnf.cross_entropy(self.scale * cos, labels)


def train_embedder(
    minutes: float, brands: tuple[int, int], per_logo: int, batch: int, seed: int, state: Path, resume: Path | None
) -> nn.Module:
    with tempfile.TemporaryDirectory() as tmp:
        kit = training_kit(Path(tmp) / "kit", *brands)
        t = time.monotonic()
        data = crop_set(kit, per_logo, seed)
    classes = int(data.labels.max()) + 1
    print(f"{len(data.labels)} crops of {classes} logos made in {time.monotonic() - t:.0f} s", flush=True)
    model, head = Embedder(), CosFace(128, classes)
    if resume and resume.suffix == ".onnx":
        load_onnx_weights(model, resume, EMBED_INPUT)
        model.frozen_norms = True
    elif resume:
        model.load_state_dict(torch.load(resume))
    opt = torch.optim.AdamW([*model.parameters(), *head.parameters()], lr=2e-3, weight_decay=5e-4)
    rng = np.random.default_rng(seed)
    labels = torch.from_numpy(data.labels)

    def loss_of_a_batch() -> torch.Tensor:
        pick = rng.integers(0, len(data.labels), batch)
        x = torch.from_numpy(data.crops[pick]).permute(0, 3, 1, 2).float()
        gain = torch.from_numpy(rng.uniform(0.75, 1.25, (batch, 1, 1, 1)).astype(np.float32))
        x = (x * gain + torch.from_numpy(rng.uniform(-20, 20, (batch, 1, 1, 1)).astype(np.float32))).clamp(0, 255)
        return head(model(x), labels[pick])

    return run_for(minutes, loss_of_a_batch, model, opt, state, resume)


def export(model: nn.Module, shape: tuple[int, int], out: Path, output: str) -> None:
    model.eval()
    dummy = torch.zeros(1, 3, *shape)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model,
        (dummy,),
        str(out),
        input_names=["images"],
        output_names=[output],
        dynamic_axes={"images": {0: "batch"}, output: {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", choices=("detector", "embedder"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--brands", type=int, default=400, help="fictional brands with Hershey wordmarks")
    parser.add_argument("--drawn", type=int, default=0, help="fictional brands drawn with TTF type (artwork.py)")
    parser.add_argument("--images", type=int, default=4000, help="detector: scenes to make")
    parser.add_argument("--per-logo", type=int, default=40, help="embedder: crops per logo file")
    parser.add_argument("--batch", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--resume", type=Path, help="weights (.pt) of an earlier run, or an exported model (.onnx), to go on from"
    )
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    state = args.out.with_suffix(".pt")  # the weights, saved as training goes, to export or go on from
    if args.which == "detector":
        model = train_detector(
            args.minutes, args.images, (args.brands, args.drawn), args.batch or 16, args.seed, state, args.resume
        )
        export(model, DETECTOR_INPUT, args.out, "maps")
    else:
        model = train_embedder(
            args.minutes, (args.brands, args.drawn), args.per_logo, args.batch or 192, args.seed, state, args.resume
        )
        export(model, EMBED_INPUT, args.out, "embeddings")
    torch.save(model.state_dict(), state)
    return 0


if __name__ == "__main__":
    sys.exit(main())
