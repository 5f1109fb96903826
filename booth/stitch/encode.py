"""Writing the clip: H.264 MP4 with its index first (faststart) through PyAV (the GPU's NVENC where it opens,
else libx264), poster, preview."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import cast

import av
import cv2
import numpy as np
from av.video.stream import VideoStream
from PIL import Image

from booth.errors import StitchError

PREVIEW_MAX_BYTES = 3 * 1024 * 1024
PREVIEW_FPS = 15
# ITU-R BT.709 values as FFmpeg numbers them (AVCOL_PRI_BT709, AVCOL_TRC_BT709, AVCOL_SPC_BT709)
BT709 = 1
# The bitrate cap holds for the file as a whole (size over duration). The encoder's rate control (VBV) lets
# a clip spend its buffer's initial fill, 0.9 of one second at the peak rate (x264's default vbv-init), on
# top of the peak rate times its duration: for a 3.5 s clip that is a quarter over. So the peak rate is set
# to what leaves room for that fill, and the container's few kilobytes.
VBV_BUFFER_S = 1.0
VBV_INITIAL_FILL = 0.9
CONTAINER_HEADROOM = 0.97
ENCODE_TRIES = 3


@dataclass(frozen=True)
class EncodeSettings:
    fps: int = 30
    crf: int = 22
    preset: str = "superfast"
    max_bitrate_mbps: float = 12.0


def _bt709_matrix() -> np.ndarray:
    """BGR (0..255) to limited-range Y'CbCr with BT.709 coefficients, as a 3x4 matrix for cv2.transform."""
    kr, kb = 0.2126, 0.0722
    luma = np.array([kb, 1.0 - kr - kb, kr])
    m = np.zeros((3, 4))
    m[0, :3], m[0, 3] = luma * 219 / 255, 16.0
    m[1, :3], m[1, 3] = (np.array([1.0, 0.0, 0.0]) - luma) * (224 / 255) / (2 * (1 - kb)), 128.0
    m[2, :3], m[2, 3] = (np.array([0.0, 0.0, 1.0]) - luma) * (224 / 255) / (2 * (1 - kr)), 128.0
    return m


_BT709 = _bt709_matrix()


def bgr_to_i420(image: np.ndarray) -> np.ndarray:
    """A BGR frame as planar YUV 4:2:0 (BT.709, limited range) in one (h * 3 / 2, w) array, as PyAV takes it."""
    h, w = image.shape[:2]
    ycc = cv2.transform(image, _BT709)
    u = cv2.resize(ycc[..., 1], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    v = cv2.resize(ycc[..., 2], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    return np.concatenate([ycc[..., 0].ravel(), u.ravel(), v.ravel()]).reshape(h * 3 // 2, w)


def planes(yuv: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of an I420 frame's Y, U and V planes (see encode.bgr_to_i420)."""
    h = yuv.shape[0] * 2 // 3
    w = yuv.shape[1]
    flat = yuv.reshape(-1)
    q = (h // 2) * (w // 2)
    u = flat[h * w : h * w + q].reshape(h // 2, w // 2)
    v = flat[h * w + q : h * w + 2 * q].reshape(h // 2, w // 2)
    return yuv[:h], u, v


def i420_to_bgr(yuv: np.ndarray) -> np.ndarray:
    """The inverse of bgr_to_i420 (BT.709, limited range), through FFmpeg's converter."""
    frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
    return frame.reformat(format="bgr24", src_colorspace="itu709").to_ndarray()


@functools.cache
def h264_encoder() -> str:
    """h264_nvenc where NVIDIA's encoder opens here (tried once per process with a small frame), else libx264.
    Without a GPU or its driver the open fails at once (EPERM or ENOSYS); nothing is said: the clip is the same
    H.264 either way."""
    try:
        ctx = av.CodecContext.create("h264_nvenc", "w")
        ctx.width, ctx.height, ctx.pix_fmt = 256, 256, "yuv420p"
        ctx.time_base = Fraction(1, 30)
        ctx.open()
        for _packet in ctx.encode(av.VideoFrame(256, 256, "yuv420p")):
            pass
    except (av.FFmpegError, OSError, ValueError):  # no device, no driver, a codec PyAV was built without
        return "libx264"
    return "h264_nvenc"


def _options(encoder: str, settings: EncodeSettings, maxrate: int) -> dict[str, object]:
    """The same quality target in each encoder's terms: x264's CRF, NVENC's constant-quality VBR (cq)."""
    buffer = int(maxrate * VBV_BUFFER_S)
    common: dict[str, object] = {
        "profile": "high",
        "maxrate": str(maxrate),
        "bufsize": str(buffer),
        "rc_init_occupancy": str(int(buffer * VBV_INITIAL_FILL)),
    }
    if encoder == "h264_nvenc":
        return {**common, "preset": "p4", "rc": "vbr", "cq": str(settings.crf), "b": "0"}
    return {**common, "crf": str(settings.crf), "preset": settings.preset}


def peak_rate(cap_bps: float, duration_s: float) -> int:
    """The encoder's peak rate (bit/s) for which a clip of this duration stays within cap_bps over its whole
    length: peak * duration + peak * VBV_BUFFER_S * VBV_INITIAL_FILL <= cap * CONTAINER_HEADROOM * duration."""
    duration_s = max(duration_s, 1e-3)
    return int(cap_bps * CONTAINER_HEADROOM * duration_s / (duration_s + VBV_BUFFER_S * VBV_INITIAL_FILL))


def write_mp4(
    frames: Callable[[], Iterable[np.ndarray]],
    count: int,
    path: Path,
    width: int,
    height: int,
    settings: EncodeSettings,
) -> int:
    """Encode I420 frames (see bgr_to_i420) to H.264 (yuv420p, BT.709, High profile) in an MP4 whose moov
    atom precedes mdat, so phones start playing before the download ends; `frames` gives the `count` frames
    afresh on each call. The file's size over its duration stays within settings.max_bitrate_mbps: should an
    encoder overshoot its rate control, the clip is encoded again at a rate lowered by the overshoot.
    Returns the frame count written."""
    cap = settings.max_bitrate_mbps * 1_000_000
    rate = peak_rate(cap, count / settings.fps)
    for _ in range(ENCODE_TRIES):
        written = _encode(frames(), path, width, height, settings, rate)
        bitrate = path.stat().st_size * 8 / max(written / settings.fps, 1e-3)
        if bitrate <= cap:
            return written
        rate = int(rate * cap / bitrate * 0.95)
    raise StitchError(
        f"the clip stays at {bitrate / 1e6:.1f} Mbit/s over the {settings.max_bitrate_mbps:g} Mbit/s cap after "
        f"{ENCODE_TRIES} encodes; raise stitch.crf or stitch.max_bitrate_mbps"
    )


def _encode(
    frames: Iterable[np.ndarray], path: Path, width: int, height: int, settings: EncodeSettings, maxrate: int
) -> int:
    encoder = h264_encoder()
    count = 0
    with av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = cast(VideoStream, container.add_stream(encoder, rate=settings.fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        ctx = stream.codec_context
        ctx.color_primaries, ctx.color_trc, ctx.colorspace = BT709, BT709, BT709
        ctx.color_range = 1  # limited ("TV") range, what every phone expects of H.264
        ctx.thread_type = "AUTO"
        ctx.thread_count = 0  # x264 picks its own thread count from the cores
        stream.options = _options(encoder, settings, maxrate)
        for image in frames:
            frame = av.VideoFrame.from_ndarray(image, format="yuv420p")
            for packet in stream.encode(frame):
                container.mux(packet)
            count += 1
        for packet in stream.encode(None):
            container.mux(packet)
    return count


def top_level_atoms(path: Path) -> list[str]:
    """The MP4's top-level box types in file order (ftyp, moov, mdat, ...)."""
    atoms = []
    with path.open("rb") as fh:
        while True:
            header = fh.read(8)
            if len(header) < 8:
                break
            size = int.from_bytes(header[:4], "big")
            kind = header[4:8].decode("latin-1")
            atoms.append(kind)
            if size == 1:
                size = int.from_bytes(fh.read(8), "big")
                fh.seek(size - 16, io.SEEK_CUR)
            elif size == 0:
                break
            else:
                fh.seek(size - 8, io.SEEK_CUR)
    return atoms


def is_faststart(path: Path) -> bool:
    atoms = top_level_atoms(path)
    return "moov" in atoms and "mdat" in atoms and atoms.index("moov") < atoms.index("mdat")


def write_poster(image: np.ndarray, path: Path, quality: int) -> None:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_OPTIMIZE, 1])
    if not ok:
        raise RuntimeError("poster JPEG encoding failed")
    path.write_bytes(buf.tobytes())


def shrink(image: np.ndarray, width: int) -> np.ndarray:
    h, w = image.shape[:2]
    return cv2.resize(image, (width, max(2, round(h * width / w))), interpolation=cv2.INTER_AREA)


def shrink_i420(yuv: np.ndarray, width: int) -> np.ndarray:
    """An I420 frame made small and turned to BGR: the planes are shrunk first, so the colour conversion
    handles a tenth of the pixels. The same as shrink(i420_to_bgr(yuv), width) to within a level or two."""
    y, u, v = planes(yuv)
    h, w = y.shape
    small_h = max(2, round(h * width / w / 2) * 2)
    half = (width // 2, small_h // 2)
    small = [
        cv2.resize(y, (width, small_h), interpolation=cv2.INTER_AREA).ravel(),
        cv2.resize(u, half, interpolation=cv2.INTER_AREA).ravel(),
        cv2.resize(v, half, interpolation=cv2.INTER_AREA).ravel(),
    ]
    return i420_to_bgr(np.concatenate(small).reshape(small_h * 3 // 2, width))


def write_preview(images: Iterable[np.ndarray], path: Path, fmt: str) -> int:
    """An animated WebP or GIF of BGR frames that loops; made smaller until it is under 3 MB. Returns its size."""
    frames = [Image.fromarray(cv2.cvtColor(im, cv2.COLOR_BGR2RGB)) for im in images]
    quality = 70
    for _ in range(6):
        buf = io.BytesIO()
        duration = round(1000 / PREVIEW_FPS)
        if fmt == "webp":
            frames[0].save(
                buf,
                format="WEBP",
                save_all=True,
                append_images=frames[1:],
                duration=duration,
                loop=0,
                quality=quality,
                method=0,  # a third of method 3's time, a half bigger: far under the size limit
            )
        else:
            palette = [f.convert("P", palette=Image.Palette.ADAPTIVE, colors=128) for f in frames]
            palette[0].save(
                buf,
                format="GIF",
                save_all=True,
                append_images=palette[1:],
                duration=duration,
                loop=0,
                optimize=False,
                disposal=1,
            )
        if buf.tell() <= PREVIEW_MAX_BYTES:
            path.write_bytes(buf.getvalue())
            return buf.tell()
        quality = max(30, quality - 15)
        frames = [f.resize((max(2, f.width * 3 // 4), max(2, f.height * 3 // 4))) for f in frames]
    raise RuntimeError("the preview could not be made smaller than 3 MB")
