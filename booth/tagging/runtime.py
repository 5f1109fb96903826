"""onnxruntime in one place: which execution provider runs the logo models, checks on a model file, warm-up."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import onnxruntime as ort

from booth.errors import InputError

log = logging.getLogger("booth.tagging")

Accelerator = Literal["auto", "tensorrt", "cuda", "cpu"]
ACCELERATORS: tuple[Accelerator, ...] = ("auto", "tensorrt", "cuda", "cpu")
_PROVIDER = {
    "tensorrt": "TensorrtExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "cpu": "CPUExecutionProvider",
}
GPU_BATCH = 16
PREFERENCE = ("tensorrt", "cuda", "cpu")
"""The edge GPU's TensorRT first, then plain CUDA, then the CPU, which is always there."""


def providers_for(accelerator: Accelerator, available: list[str] | None = None) -> list[str]:
    """onnxruntime's provider list for `accelerator`: with "auto", every preferred one this build has, best
    first; a named one must be present. The CPU is always last, for the operators a GPU provider lacks."""
    present = set(ort.get_available_providers() if available is None else available)
    wanted = PREFERENCE if accelerator == "auto" else tuple(dict.fromkeys((accelerator, "cpu")))
    if accelerator != "auto" and _PROVIDER[accelerator] not in present:
        raise InputError(
            f"the {accelerator} execution provider is not in this onnxruntime (it has: {', '.join(sorted(present))}); "
            "install onnxruntime-gpu on a GPU machine, or use --accelerator auto"
        )
    return [_PROVIDER[a] for a in wanted if _PROVIDER[a] in present]


def _provider_options(provider: str, cache: Path | None) -> dict[str, Any]:
    if provider == "TensorrtExecutionProvider" and cache is not None:
        # building an engine takes minutes; a cached one loads in a second on the next start
        return {"trt_engine_cache_enable": True, "trt_engine_cache_path": str(cache)}
    return {}


@dataclass(frozen=True)
class Model:
    """One loaded ONNX model with a single 4-D image input (N, 3, H, W) and a fixed H and W."""

    path: Path
    session: ort.InferenceSession
    input_name: str
    height: int
    width: int
    output_shape: tuple[int, ...]
    """What one image gives, from the warm-up run: e.g. (1, 5, 128, 192)."""
    cpu_batch: int
    """Images per run on the CPU (see `batch`)."""

    @property
    def provider(self) -> str:
        return str(self.session.get_providers()[0])

    @property
    def batch(self) -> int:
        """Images per run: a GPU gains from many at once; on the CPU a large input is faster one at a time
        (measured: the detector takes 4.3 ms per 768x512 frame alone, 10 ms each in batches of 8, on two cores:
        a batch falls out of the cache), a small one (the embedder's crops) in batches."""
        return self.cpu_batch if self.provider == "CPUExecutionProvider" else GPU_BATCH

    def run(self, batch: np.ndarray) -> np.ndarray:
        outs = [
            self.session.run(None, {self.input_name: batch[k : k + self.batch]})[0]
            for k in range(0, len(batch), self.batch)
        ]
        return np.concatenate(outs).astype(np.float32, copy=False)


def load_model(
    path: Path,
    *,
    what: str,
    size: tuple[int, int] | None = None,
    accelerator: Accelerator = "auto",
    threads: int = 0,
    engine_cache: Path | None = None,
    cpu_batch: int = 1,
) -> Model:
    """Open `path` on the best provider, check its input is (N, 3, H, W) (H, W = `size` when given), and run it
    once so that the first real batch does not pay for set-up. Bad files raise InputError in one line."""
    if not path.is_file():
        raise InputError(f"{path}: no such {what} model file")
    providers = providers_for(accelerator)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or min(os.cpu_count() or 1, 8)
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(
            str(path),
            options,
            providers=[(p, _provider_options(p, engine_cache)) for p in providers],
        )
    except Exception as exc:  # onnxruntime raises its own Fail / InvalidProtobuf / InvalidGraph kinds
        reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: not a usable ONNX {what} model ({reason})") from None
    inputs = session.get_inputs()
    shape = list(inputs[0].shape) if len(inputs) == 1 else []
    expected = f"(N, 3, {size[0]}, {size[1]})" if size else "(N, 3, H, W)"
    fixed = len(shape) == 4 and shape[1] == 3 and all(isinstance(s, int) for s in shape[2:])
    if not fixed or (size is not None and tuple(shape[2:]) != size):
        raise InputError(f"{path}: the {what} model takes {shape or 'several inputs'}, not {expected} images")
    try:  # the warm-up: the first batch does not pay for set-up, and the output's shape is known
        warm = session.run(None, {inputs[0].name: np.zeros((1, 3, shape[2], shape[3]), np.float32)})[0]
    except Exception as exc:
        raise InputError(f"{path}: the {what} model fails on a blank image ({type(exc).__name__})") from None
    model = Model(path, session, inputs[0].name, int(shape[2]), int(shape[3]), tuple(np.shape(warm)), cpu_batch)
    log.info("%s model %s on %s", what, path.name, ", ".join(session.get_providers()))
    return model
