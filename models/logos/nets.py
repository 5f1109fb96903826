"""The two networks, in PyTorch for training only: a class-agnostic logo detector and a logo embedder."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as nnf

STRIDE = 4
"""The detector's output grid: one cell per 4x4 input pixels."""
DETECTOR_INPUT = (512, 768)
"""Height and width the booth letterboxes every frame into."""
EMBED_INPUT = (48, 96)
"""Height and width every logo crop is resized to before it is embedded."""
EMBED_DIM = 128


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Separable(nn.Module):
    """Depthwise 3x3 then pointwise 1x1, with a shortcut when the shape allows: the MobileNet block."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.depth = nn.Sequential(nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cin))
        self.point = nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.shortcut = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.point(nnf.relu(self.depth(x)))
        return nnf.relu(y + x if self.shortcut else y)


class Detector(nn.Module):
    """Heat map of logo centres, box size and centre offset on a stride-4 grid (CenterNet), from a small
    feature pyramid (strides 4 to 32) so that a 30-pixel wordmark and a 300-pixel backdrop logo both fit.

    The exported graph takes a uint8-range float batch (N, 3, H, W), BGR, and returns (N, 5, H/4, W/4):
    channel 0 the centre score where it is a local maximum (else 0), 1-2 the box width and height in input
    pixels, 3-4 the centre's offset within its cell."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(_conv(3, 16, 2), Separable(16, 32, 2), Separable(32, 32))  # stride 4
        self.s8 = nn.Sequential(Separable(32, 64, 2), Separable(64, 64), Separable(64, 64))
        self.s16 = nn.Sequential(Separable(64, 96, 2), Separable(96, 96), Separable(96, 96))
        self.s32 = nn.Sequential(Separable(96, 128, 2), Separable(128, 128), Separable(128, 128))
        self.lat16 = nn.Conv2d(128, 96, 1)
        self.lat8 = nn.Conv2d(96, 64, 1)
        self.lat4 = nn.Conv2d(64, 32, 1)
        self.head = nn.Sequential(Separable(32, 48), Separable(48, 48))
        self.heat = nn.Conv2d(48, 1, 1)
        self.size = nn.Conv2d(48, 2, 1)
        self.offset = nn.Conv2d(48, 2, 1)
        nn.init.constant_(self.heat.bias, -4.6)  # start near "no logo anywhere": focal loss's prior

    def features(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - 127.5) / 64.0
        c4 = self.stem(x)
        c8 = self.s8(c4)
        c16 = self.s16(c8)
        c32 = self.s32(c16)
        p16 = c16 + nnf.interpolate(self.lat16(c32), size=c16.shape[2:], mode="nearest")
        p8 = c8 + nnf.interpolate(self.lat8(p16), size=c8.shape[2:], mode="nearest")
        p4 = c4 + nnf.interpolate(self.lat4(p8), size=c4.shape[2:], mode="nearest")
        return self.head(p4)

    def raw(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Training outputs: heat logits, log size (in cells), offset."""
        f = self.features(x)
        return self.heat(f), self.size(f), torch.sigmoid(self.offset(f))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        heat_logit, log_size, offset = self.raw(x)
        heat = torch.sigmoid(heat_logit)
        peaks = heat * (nnf.max_pool2d(heat, 3, 1, 1) == heat).float()
        size = torch.exp(log_size.clamp(max=6.0)) * STRIDE
        return torch.cat([peaks, size, offset], dim=1)


class Embedder(nn.Module):
    """A logo crop (N, 3, 48, 96), BGR 0-255, to a unit vector: near for the same logo however it is turned,
    bent, lit or blurred, far for different logos."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            _conv(3, 16),
            _conv(16, 32, 2),  # 24x48
            _conv(32, 64, 2),  # 12x24
            _conv(64, 64),
            _conv(64, 128, 2),  # 6x12
            _conv(128, 128),
        )
        self.project = nn.Linear(128 * 2, EMBED_DIM)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.body((x - 127.5) / 64.0)
        pooled = torch.cat([nnf.adaptive_avg_pool2d(f, 1).flatten(1), nnf.adaptive_max_pool2d(f, 1).flatten(1)], 1)
        return nnf.normalize(self.project(pooled), dim=1)
